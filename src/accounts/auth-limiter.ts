import { DomainError } from '../errors.js';

export class TooManyAuthFailuresError extends DomainError {
  constructor(retryAfterS: number) {
    super('too_many_auth_failures', 'Too many failed authentication attempts from this address; try again later.', {
      retry_after_s: retryAfterS,
    });
  }
}

/**
 * Failed authentication attempts per client address in a fixed window: past `limit` failures
 * the address is refused (every request, with a correct key or not, so the answer reveals
 * nothing about a guessed key) until its window ends. In memory and per instance: a guesser
 * spread over instances gets `limit` per instance, still far too few to find a 256-bit key.
 */
export class AuthFailureLimiter {
  private readonly windows = new Map<string, { start: number; failures: number }>();

  constructor(private readonly opts: { limit: number; windowMs: number; now: () => number }) {}

  /** Throws when `address` is over its limit. */
  check(address: string): void {
    const w = this.current(address);
    if (w && w.failures >= this.opts.limit) {
      throw new TooManyAuthFailuresError(Math.max(1, Math.ceil((w.start + this.opts.windowMs - this.opts.now()) / 1000)));
    }
  }

  fail(address: string): void {
    const w = this.current(address);
    if (w) w.failures++;
    else this.windows.set(address, { start: this.opts.now(), failures: 1 });
    // Bounded memory under a spray of addresses: forget windows that have ended.
    if (this.windows.size > 10_000) this.sweep();
  }

  private current(address: string) {
    const w = this.windows.get(address);
    if (w && this.opts.now() - w.start >= this.opts.windowMs) {
      this.windows.delete(address);
      return undefined;
    }
    return w;
  }

  private sweep(): void {
    const now = this.opts.now();
    for (const [a, w] of this.windows) if (now - w.start >= this.opts.windowMs) this.windows.delete(a);
  }
}
