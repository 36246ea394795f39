import {
  type SessionKey,
  type SessionStoreEntry,
  type SessionSummaryEntry,
} from '@anthropic-ai/claude-agent-sdk';
import type { Kysely } from 'kysely';
import { toInt } from '../rows.js';
import { nextSummary, SummaryCache, UPDATE_SUMMARY_IF_CURRENT, updateSummaryParams } from '../summary-cache.js';
import type { Database } from '../schema.js';
import type { TranscriptStore } from '../types.js';
import { entryRows, entryValues, insertedEntries, subpathOf } from '../values.js';
import type { SqliteRunner } from './runner.js';

/** Rows per INSERT: 6 bound values each stays far below SQLite's 32,766-variable limit. */
const INSERT_CHUNK = 500;

type SessionRef = { projectKey: string; sessionId: string };

/**
 * The SDK's `SessionStore` over SQLite.
 *
 * - Entries are rows ordered by an autoincrement id, so `load` returns them in commit order.
 * - `uuid` is an idempotency key per (project, session, subpath); uuid-less entries never dedupe.
 * - The main transcript's summary is folded with the SDK's `foldSessionSummary` in the same
 *   transaction as the insert, over the entries actually inserted, so a retried batch cannot
 *   re-apply stale last-wins fields. Subpath (subagent) appends leave the summary and the
 *   session's mtime alone, as the SDK's InMemorySessionStore and conformance suite require.
 * - `mtime` is the commit time in epoch ms, made strictly increasing per session so two appends
 *   in one millisecond still order.
 */
export class SqliteTranscriptStore implements TranscriptStore {
  readonly #db: Kysely<Database>;
  readonly #run: SqliteRunner;
  readonly #now: () => number;
  readonly #summaries = new SummaryCache();

  constructor(db: Kysely<Database>, runner: SqliteRunner, now: () => number = Date.now) {
    this.#db = db;
    this.#run = runner;
    this.#now = now;
  }

  async append(key: SessionKey, entries: SessionStoreEntry[]): Promise<void> {
    const subpath = subpathOf(key);
    // An empty batch must not create the key: load() keeps returning null.
    if (entries.length === 0) return;
    const rows = entryRows(entries);

    const written = this.#run.write((): SessionSummaryEntry | undefined => {
      const now = this.#now();
      const insertedUuids = new Set<string>();
      let insertedAny = false;
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const chunk = rows.slice(i, i + INSERT_CHUNK);
        const returned = this.#run.all(
          this.#db
            .insertInto('transcript_entries')
            .values(entryValues(key, subpath, chunk, now))
            .onConflict((oc) => oc.columns(['project_key', 'session_id', 'subpath', 'uuid']).doNothing())
            .returning('uuid')
            .compile(),
        );
        if (returned.length > 0) insertedAny = true;
        for (const r of returned) if (r.uuid !== null) insertedUuids.add(r.uuid);
      }
      if (subpath !== '' || !insertedAny) return;

      const fresh = insertedEntries(rows, insertedUuids);
      const cached = this.#summaries.get(key);
      if (cached) {
        const expected = cached.mtime;
        const next = nextSummary(cached, key, fresh, now);
        if (this.#run.runOf(UPDATE_SUMMARY_IF_CURRENT, updateSummaryParams(key, next, expected)) === 1) return next;
      }
      const next = nextSummary(this.#summary(key), key, fresh, now);
      const { mtime } = next;
      const data = JSON.stringify(next.data);
      this.#run.run(
        this.#db
          .insertInto('session_summaries')
          .values({ project_key: key.projectKey, session_id: key.sessionId, mtime, data })
          .onConflict((oc) => oc.columns(['project_key', 'session_id']).doUpdateSet({ mtime, data }))
          .compile(),
      );
      return next;
    });
    // Committed: the next append folds over it without reading it back.
    if (written) this.#summaries.set(key, written);
  }

  async load(key: SessionKey): Promise<SessionStoreEntry[] | null> {
    const rows = this.#run.all(
      this.#db
        .selectFrom('transcript_entries')
        .select('entry')
        .where('project_key', '=', key.projectKey)
        .where('session_id', '=', key.sessionId)
        .where('subpath', '=', subpathOf(key))
        .orderBy('id')
        .compile(),
    );
    return rows.length === 0 ? null : rows.map((r) => JSON.parse(r.entry) as SessionStoreEntry);
  }

  async listSessions(projectKey: string): Promise<Array<{ sessionId: string; mtime: number }>> {
    const rows = this.#run.all(
      this.#db
        .selectFrom('session_summaries')
        .select(['session_id', 'mtime'])
        .where('project_key', '=', projectKey)
        .compile(),
    );
    return rows.map((r) => ({ sessionId: r.session_id, mtime: toInt(r.mtime) }));
  }

  async listSessionSummaries(projectKey: string): Promise<SessionSummaryEntry[]> {
    const rows = this.#run.all(
      this.#db
        .selectFrom('session_summaries')
        .select(['session_id', 'mtime', 'data'])
        .where('project_key', '=', projectKey)
        .compile(),
    );
    return rows.map((r) => ({
      sessionId: r.session_id,
      mtime: toInt(r.mtime),
      data: JSON.parse(r.data) as Record<string, unknown>,
    }));
  }

  async delete(key: SessionKey): Promise<void> {
    const subpath = subpathOf(key);
    const entries = this.#db
      .deleteFrom('transcript_entries')
      .where('project_key', '=', key.projectKey)
      .where('session_id', '=', key.sessionId);
    if (subpath !== '') {
      this.#run.run(entries.where('subpath', '=', subpath).compile());
      return;
    }
    // The main key owns the whole session: every subagent transcript and the summary go with it.
    this.#summaries.forget(key);
    this.#run.write(() => {
      this.#run.run(entries.compile());
      this.#run.run(
        this.#db
          .deleteFrom('session_summaries')
          .where('project_key', '=', key.projectKey)
          .where('session_id', '=', key.sessionId)
          .compile(),
      );
    });
  }

  async listSubkeys(key: SessionRef): Promise<string[]> {
    const rows = this.#run.all(
      this.#db
        .selectFrom('transcript_entries')
        .select('subpath')
        .distinct()
        .where('project_key', '=', key.projectKey)
        .where('session_id', '=', key.sessionId)
        .where('subpath', '<>', '')
        .orderBy('subpath')
        .compile(),
    );
    return rows.map((r) => r.subpath);
  }

  async exists(projectKey: string, sessionId: string): Promise<boolean> {
    const row = this.#run.first(
      this.#db
        .selectFrom('transcript_entries')
        .select('id')
        .where('project_key', '=', projectKey)
        .where('session_id', '=', sessionId)
        .where('subpath', '=', '')
        .limit(1)
        .compile(),
    );
    return row !== undefined;
  }

  #summary(key: SessionRef): SessionSummaryEntry | undefined {
    const row = this.#run.first(
      this.#db
        .selectFrom('session_summaries')
        .select(['mtime', 'data'])
        .where('project_key', '=', key.projectKey)
        .where('session_id', '=', key.sessionId)
        .compile(),
    );
    if (row === undefined) return undefined;
    return { sessionId: key.sessionId, mtime: toInt(row.mtime), data: JSON.parse(row.data) as Record<string, unknown> };
  }
}
