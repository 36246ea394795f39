import type { StoreBus } from '../store/types.js';

/** A turn's event log grew. */
export const turnKey = (turnId: string) => `turn:${turnId}`;
/** A session's turn queue changed (a turn ended, was superseded, or was failed as lost). */
export const sessionKey = (sessionId: string) => `session:${sessionId}`;

/**
 * Wakes whoever waits on a key (readers of a turn's log, turns waiting in a session's queue), on
 * this instance and, through the store's bus, on every other. A wake is only a hint to re-read
 * the database, so with a bus waits are also capped at `pollMs`: a lost notification costs a
 * little latency, never an event or a turn.
 */
export class Hub {
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Longest a wait trusts the wake-ups before the caller should look again itself. */
  readonly pollMs: number;

  constructor(private readonly bus: StoreBus | null = null, pollMs = 1_000) {
    this.pollMs = bus ? pollMs : Number.POSITIVE_INFINITY;
  }

  /** Wakes local waiters at once and tells the other instances. */
  notify(key: string): void {
    this.wake(key);
    this.bus?.publish(key).catch(() => {
      // Best effort: remote waiters poll.
    });
  }

  /** A key published by another instance. */
  wake(key: string): void {
    const set = this.waiters.get(key);
    if (!set) return;
    this.waiters.delete(key);
    for (const wake of set) wake();
  }

  /** Resolves true when `key` is notified, false after `timeoutMs` (capped at `pollMs`) or on abort. */
  wait(key: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve(false);
      const set = this.waiters.get(key) ?? new Set();
      this.waiters.set(key, set);
      const done = (woken: boolean) => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0 && this.waiters.get(key) === set) this.waiters.delete(key);
        signal?.removeEventListener('abort', onAbort);
        resolve(woken);
      };
      const wake = () => done(true);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), Math.min(timeoutMs, this.pollMs));
      set.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
