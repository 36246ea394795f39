import type { Config } from '../config/config.js';
import { DomainError } from '../errors.js';
import { loadConfigOrExit } from '../serve.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';
import { StoreConflictError } from '../store/types.js';

/** A wrong argument: the CLI says so and exits 2. */
export class UsageError extends Error {}

/**
 * Runs a command on the store the server would use (same environment). A domain error (unknown
 * account, name taken…) is reported in one line with exit code 1; a wrong argument with 2.
 */
export async function withStore(fn: (store: Store, config: Config) => Promise<void>): Promise<void> {
  const config = loadConfigOrExit();
  const store = await openStore(config);
  try {
    await fn(store, config);
  } catch (err) {
    if (err instanceof UsageError) return fail(err.message, 2);
    if (err instanceof DomainError || err instanceof StoreConflictError) return fail(err.message, 1);
    throw err;
  } finally {
    await store.close();
  }
}

export function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function fail(message: string, code: number): void {
  process.stderr.write(`claude-agent-api: ${message}\n`);
  process.exitCode = code;
}
