import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { DomainError } from '../errors.js';

/** Limits on a workspace path (as the client names it, relative to the workspace). */
export const MAX_PATH_BYTES = 1024;
export const MAX_SEGMENT_BYTES = 255;
export const MAX_PATH_DEPTH = 32;

export class InvalidPathError extends DomainError {
  constructor(reason: string) {
    super('invalid_path', `Invalid file path: ${reason}.`);
  }
}

/**
 * The one check of a client's file path: a relative, `/`-separated path of plain segments. No `..`
 * or `.`, no absolute path, no empty segment, no NUL, control character or backslash (which another
 * OS would read as a separator), within length and depth limits. Returns the path unchanged.
 */
export function validateFilePath(raw: string): string {
  if (raw === '') throw new InvalidPathError('the path is empty');
  if (Buffer.byteLength(raw) > MAX_PATH_BYTES) throw new InvalidPathError(`longer than ${MAX_PATH_BYTES} bytes`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(raw)) throw new InvalidPathError('NUL, control characters and backslashes are not allowed');
  if (raw.startsWith('/')) throw new InvalidPathError('absolute paths are not allowed');
  const segments = raw.split('/');
  if (segments.length > MAX_PATH_DEPTH) throw new InvalidPathError(`deeper than ${MAX_PATH_DEPTH} levels`);
  for (const s of segments) {
    if (s === '') throw new InvalidPathError('empty segments (// or a trailing /) are not allowed');
    if (s === '.' || s === '..') throw new InvalidPathError('. and .. segments are not allowed');
    if (Buffer.byteLength(s) > MAX_SEGMENT_BYTES) throw new InvalidPathError(`a segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  return raw;
}

/** A list prefix: any start of a valid path (a trailing `/` allowed), or empty for everything. */
export function validatePrefix(raw: string): string {
  if (raw === '') return raw;
  validateFilePath(raw.endsWith('/') ? raw.slice(0, -1) || 'x' : raw);
  return raw;
}

/**
 * Refuses a path whose existing directories include a symlink: the agent may plant one pointing out
 * of the workspace, and we follow none (every component is lstat'ed, never stat'ed). Returns the
 * absolute path and whether the final component is a symlink (callers refuse or replace it).
 */
export async function resolveInWorkspace(root: string, rel: string): Promise<{ abs: string; exists: boolean }> {
  const segments = rel.split('/');
  let current = root;
  for (let i = 0; i < segments.length; i++) {
    current = path.join(current, segments[i]!);
    const st = await lstat(current).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      if (err.code === 'ENOTDIR') throw new InvalidPathError(`${segments.slice(0, i).join('/')} is a file, not a directory`);
      throw err;
    });
    if (!st) return { abs: path.join(root, rel), exists: false };
    if (st.isSymbolicLink()) throw new InvalidPathError(`${segments.slice(0, i + 1).join('/')} is a symbolic link`);
    const last = i === segments.length - 1;
    if (!last && !st.isDirectory()) throw new InvalidPathError(`${segments.slice(0, i + 1).join('/')} is a file, not a directory`);
    if (last && !st.isFile()) throw new InvalidPathError(`${rel} is not a regular file`);
  }
  return { abs: current, exists: true };
}
