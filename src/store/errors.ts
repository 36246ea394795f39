export { StoreConflictError } from './types.js';

/** A pagination cursor that this store did not issue (or that was corrupted in transit). */
export class InvalidCursorError extends Error {
  constructor(message = 'invalid pagination cursor') {
    super(message);
    this.name = 'InvalidCursorError';
  }
}

/**
 * A write referred to a row that does not exist (a turn for an unknown session, finishing an
 * unknown turn). Reads return `null` instead; only writes that cannot proceed throw this.
 */
export class StoreNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreNotFoundError';
  }
}

/** The account already holds as many sessions as it may. */
export class SessionLimitError extends Error {
  constructor(readonly limit: number) {
    super(`the account already has ${limit} sessions`);
    this.name = 'SessionLimitError';
  }
}

/**
 * A text value the backend cannot hold: PostgreSQL refuses NUL (U+0000) in text and jsonb, where
 * SQLite stores it. Raised instead of the driver's own error so the caller gets a clear refusal;
 * the statement's transaction is rolled back, so nothing is half-written.
 */
export class UnstorableTextError extends Error {
  constructor(cause: unknown) {
    super('text values may not contain NUL characters (U+0000)', { cause });
    this.name = 'UnstorableTextError';
  }
}
