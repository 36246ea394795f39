import { randomUUID } from 'node:crypto';
import type { SessionKey, SessionStoreEntry } from '@anthropic-ai/claude-agent-sdk';
import type { Insertable, Updateable } from 'kysely';
import { toInt, ZERO_USAGE, type TurnRow } from './rows.js';
import type { SessionsTable, TranscriptEntriesTable, TurnsTable } from './schema.js';
import type { NewSession, NewTurn, SessionPatch, SessionStatus, TokenUsage, TurnOutcome } from './types.js';

/**
 * What every backend writes, as plain column values: the write-side twin of `rows.ts`. Backends
 * differ in how they run statements (SQLite synchronously, PostgreSQL over a pool), not in what
 * a new session, a finished turn or a transcript row contains, so that lives here once.
 */

/** Turn statuses that still hold their session `running`; crash recovery fails these. */
export const ACTIVE_TURN: readonly string[] = ['queued', 'running'];

/** Archiving is the user's decision; turn bookkeeping never un-archives a session. */
export function keepArchived(current: SessionStatus, next: SessionStatus): SessionStatus {
  return current === 'archived' ? 'archived' : next;
}

export function newSessionValues(session: NewSession, now: number): Insertable<SessionsTable> {
  return {
    id: session.id,
    account_id: session.accountId,
    title: session.title ?? null,
    tags: JSON.stringify(session.tags ?? []),
    status: 'idle',
    model: session.model ?? null,
    system_prompt: session.systemPrompt ?? null,
    approval_tools: session.approvalTools ? JSON.stringify(session.approvalTools) : null,
    builtin_tools: session.builtinTools ? JSON.stringify(session.builtinTools) : null,
    created_at: now,
    last_active_at: now,
    turn_count: 0,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    cost_usd: 0,
    inherited_cost_usd: 0,
    forked_from: session.forkedFrom ?? null,
    runner_instance: null,
  };
}

/**
 * A fork's session row and copies of the source turns it keeps: new ids, everything else as it
 * was, and the session's totals summed from the copies (what the fork's history cost).
 */
export function forkValues(
  fork: NewSession,
  turns: TurnRow[],
  now: number,
): { session: Insertable<SessionsTable>; turns: Insertable<TurnsTable>[] } {
  const usage = { ...ZERO_USAGE };
  let cost = 0;
  const copies = turns.map((t): Insertable<TurnsTable> => {
    const u = { ...ZERO_USAGE, ...(JSON.parse(t.usage) as Partial<TokenUsage>) };
    usage.input_tokens += u.input_tokens;
    usage.output_tokens += u.output_tokens;
    usage.cache_read_input_tokens += u.cache_read_input_tokens;
    usage.cache_creation_input_tokens += u.cache_creation_input_tokens;
    cost += Number(t.cost_usd);
    return {
      id: randomUUID(),
      session_id: fork.id,
      seq: toInt(t.seq),
      status: t.status,
      prompt: t.prompt,
      response_text: t.response_text,
      tool_calls: t.tool_calls,
      usage: t.usage,
      cost_usd: Number(t.cost_usd),
      duration_ms: toInt(t.duration_ms),
      num_turns: toInt(t.num_turns),
      error_code: t.error_code,
      error_message: t.error_message,
      created_at: toInt(t.created_at),
      finished_at: t.finished_at === null ? null : toInt(t.finished_at),
      // No instance holds a finished turn.
      instance_id: null,
      priority: toInt(t.priority),
    };
  });
  const session: Insertable<SessionsTable> = {
    ...newSessionValues(fork, now),
    turn_count: copies.length,
    input_tokens: usage.input_tokens,
    output_tokens: usage.output_tokens,
    cache_read_tokens: usage.cache_read_input_tokens,
    cache_write_tokens: usage.cache_creation_input_tokens,
    cost_usd: cost,
    inherited_cost_usd: cost,
  };
  return { session, turns: copies };
}

/**
 * The usage ledger's day (YYYY-MM-DD, UTC) of an epoch-ms time. Times outside years 0000-9999
 * (only tests use them) are clamped, so the day stays in that shape instead of throwing.
 */
export function utcDay(now: number): string {
  const clamped = Math.min(Math.max(now, -62_167_219_200_000), 253_402_300_799_999);
  return new Date(clamped).toISOString().slice(0, 10);
}

/** The columns a patch changes; empty when it changes nothing. */
export function sessionPatchValues(patch: SessionPatch): Updateable<SessionsTable> {
  const set: Updateable<SessionsTable> = {};
  if (patch.title !== undefined) set.title = patch.title;
  if (patch.tags !== undefined) set.tags = JSON.stringify(patch.tags);
  if (patch.model !== undefined) set.model = patch.model;
  if (patch.systemPrompt !== undefined) set.system_prompt = patch.systemPrompt;
  if (patch.approvalTools !== undefined) {
    set.approval_tools = patch.approvalTools === null ? null : JSON.stringify(patch.approvalTools);
  }
  if (patch.builtinTools !== undefined) {
    set.builtin_tools = patch.builtinTools === null ? null : JSON.stringify(patch.builtinTools);
  }
  return set;
}

export function newTurnValues(turn: NewTurn, seq: number, now: number): Insertable<TurnsTable> {
  return {
    id: turn.id,
    session_id: turn.sessionId,
    seq,
    status: turn.status,
    prompt: turn.prompt,
    response_text: '',
    tool_calls: '[]',
    usage: JSON.stringify(ZERO_USAGE),
    cost_usd: 0,
    duration_ms: 0,
    num_turns: 0,
    error_code: null,
    error_message: null,
    created_at: now,
    finished_at: null,
    instance_id: turn.instanceId ?? null,
    priority: turn.priority ?? 0,
  };
}

/**
 * The stored subpath for a key: '' is the main transcript. The SDK documents an empty-string
 * subpath as invalid; refusing it keeps a caller bug from silently writing to (or deleting) the
 * main transcript.
 */
export function subpathOf(key: SessionKey): string {
  if (key.subpath === undefined) return '';
  if (key.subpath === '') throw new TypeError('SessionKey.subpath must be omitted for the main transcript, not empty');
  return key.subpath;
}

/** A transcript entry ready to insert: its idempotency key (null = never dedupes) and its JSON. */
export interface EntryRow {
  entry: SessionStoreEntry;
  uuid: string | null;
  json: string;
}

export function entryRows(entries: SessionStoreEntry[]): EntryRow[] {
  return entries.map((entry) => ({
    entry,
    uuid: typeof entry.uuid === 'string' && entry.uuid !== '' ? entry.uuid : null,
    json: JSON.stringify(entry),
  }));
}

/**
 * The entries an insert actually added, in batch order, given the uuids its RETURNING reported.
 * Only the first occurrence of a uuid in the batch was inserted; later ones were dupes.
 */
export function insertedEntries(rows: EntryRow[], insertedUuids: Set<string>): SessionStoreEntry[] {
  const remaining = new Set(insertedUuids);
  const fresh: SessionStoreEntry[] = [];
  for (const r of rows) {
    if (r.uuid === null) fresh.push(r.entry);
    else if (remaining.delete(r.uuid)) fresh.push(r.entry);
  }
  return fresh;
}

/** The `transcript_entries` rows of one append chunk. */
export function entryValues(
  key: SessionKey,
  subpath: string,
  rows: EntryRow[],
  now: number,
): Insertable<TranscriptEntriesTable>[] {
  return rows.map((r) => ({
    project_key: key.projectKey,
    session_id: key.sessionId,
    subpath,
    uuid: r.uuid,
    entry: r.json,
    created_at: now,
  }));
}
