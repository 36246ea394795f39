import { foldSessionSummary, type SessionStoreEntry, type SessionSummaryEntry } from '@anthropic-ai/claude-agent-sdk';
import { statement } from './hot-sql.js';

type SessionRef = { projectKey: string; sessionId: string };

/** The summary after `fresh` entries, folded over `prev`, its mtime strictly after prev's. */
export function nextSummary(prev: SessionSummaryEntry | undefined, key: SessionRef, fresh: SessionStoreEntry[], now: number): SessionSummaryEntry {
  const mtime = Math.max(now, (prev?.mtime ?? 0) + 1);
  return foldSessionSummary(prev, { projectKey: key.projectKey, sessionId: key.sessionId }, fresh, { mtime });
}

/**
 * Writes the summary only if the stored one is still the version `?` (its mtime) this process
 * wrote last: every writer reads the current summary under the session's lock and makes mtime
 * strictly larger, so mtime is a version number. 0 rows changed = someone else wrote (or deleted)
 * it since: read it and fold again.
 */
export const UPDATE_SUMMARY_IF_CURRENT = statement(
  `update session_summaries set mtime = ?, data = ? where project_key = ? and session_id = ? and mtime = ?`,
);
export const updateSummaryParams = (key: SessionRef, next: SessionSummaryEntry, expectedMtime: number) => [
  next.mtime,
  JSON.stringify(next.data),
  key.projectKey,
  key.sessionId,
  expectedMtime,
];

/**
 * The summary each warm session's transcript store wrote last, so an append folds over it without
 * reading it back (the SDK appends twice per turn). Only ever a guess, checked by
 * UPDATE_SUMMARY_IF_CURRENT; set after the write commits. Bounded, oldest out first.
 */
export class SummaryCache {
  readonly #entries = new Map<string, SessionSummaryEntry>();

  constructor(private readonly limit = 2_000) {}

  get(key: SessionRef): SessionSummaryEntry | undefined {
    return this.#entries.get(cacheKey(key));
  }

  set(key: SessionRef, summary: SessionSummaryEntry): void {
    const k = cacheKey(key);
    this.#entries.delete(k);
    this.#entries.set(k, summary);
    if (this.#entries.size > this.limit) this.#entries.delete(this.#entries.keys().next().value!);
  }

  forget(key: SessionRef): void {
    this.#entries.delete(cacheKey(key));
  }
}

const cacheKey = (key: SessionRef) => `${key.projectKey}\u0000${key.sessionId}`;
