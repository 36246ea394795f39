import { createHash } from 'node:crypto';

/**
 * The SDK keys transcripts by a "project key" that it normally derives from the realpath of `cwd`,
 * so moving the data dir (or serving a session from another instance with another mount path)
 * would lose every transcript. We name the key ourselves per account through
 * CLAUDE_CODE_PROJECT_DIR_NAME, which the SDK and CLI honour when CLAUDE_CONFIG_DIR is set and the
 * name matches /^[A-Za-z0-9_-]{1,64}$/.
 */
const SAFE = /^[A-Za-z0-9_-]{1,56}$/;

export function projectKeyFor(accountId: string): string {
  return `acct-${workspaceNameFor(accountId)}`;
}

/** A file-system-safe, collision-free name for an account (its id when already safe). */
export function workspaceNameFor(accountId: string): string {
  if (SAFE.test(accountId)) return accountId;
  return `h-${createHash('sha256').update(accountId).digest('hex').slice(0, 40)}`;
}
