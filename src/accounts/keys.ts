import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys: `caa_` + 43 base64url characters (256 random bits). Only the SHA-256 of a key is
 * stored, with its first characters as a prefix people can recognise it by. A slow password hash
 * would add nothing for keys this random, and would cost every request.
 */
const KEY_PREFIX = 'caa_';
const KEY_SHAPE = /^caa_[A-Za-z0-9_-]{43}$/;
/** `caa_` and 8 characters: shown in listings, never enough to use the key. */
const VISIBLE = KEY_PREFIX.length + 8;

export interface GeneratedKey {
  /** The secret: shown once, never stored. */
  key: string;
  prefix: string;
  hash: string;
}

export function generateKey(): GeneratedKey {
  const key = KEY_PREFIX + randomBytes(32).toString('base64url');
  return { key, prefix: key.slice(0, VISIBLE), hash: hashKey(key) };
}

export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** Whether the string has the shape of one of our keys (anything else is refused before a lookup). */
export const looksLikeKey = (s: string): boolean => KEY_SHAPE.test(s);

/** Constant-time comparison of a presented secret with the configured admin key. */
export function sameSecret(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
