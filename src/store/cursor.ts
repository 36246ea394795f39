import { InvalidCursorError } from './errors.js';

/** Keyset position in the newest-first session list: the last row a page returned. */
export interface SessionCursor {
  lastActiveAt: number;
  id: string;
}

/** Encodes a page position as base64url JSON `[lastActiveAt, id]`. */
export function encodeCursor(cursor: SessionCursor): string {
  return Buffer.from(JSON.stringify([cursor.lastActiveAt, cursor.id]), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor from `encodeCursor`. Anything else throws `InvalidCursorError`, so a client
 * typo becomes a 400 instead of a silently restarted listing.
 */
export function decodeCursor(raw: string): SessionCursor {
  if (!/^[A-Za-z0-9_-]+$/.test(raw)) throw new InvalidCursorError();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    !Number.isSafeInteger(parsed[0]) ||
    typeof parsed[1] !== 'string'
  ) {
    throw new InvalidCursorError();
  }
  return { lastActiveAt: parsed[0] as number, id: parsed[1] };
}
