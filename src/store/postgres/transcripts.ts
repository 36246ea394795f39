import {
  type SessionKey,
  type SessionStoreEntry,
  type SessionSummaryEntry,
} from '@anthropic-ai/claude-agent-sdk';
import { CompiledQuery, sql, type Kysely, type Transaction } from 'kysely';
import { toInt } from '../rows.js';
import { nextSummary, SummaryCache, UPDATE_SUMMARY_IF_CURRENT, updateSummaryParams } from '../summary-cache.js';
import type { Database } from '../schema.js';
import type { TranscriptStore } from '../types.js';
import { entryRows, entryValues, insertedEntries, subpathOf } from '../values.js';

/**
 * Rows per INSERT: 6 bound values each, 6,000 per statement, well under PostgreSQL's 65,535
 * parameter limit while keeping the SDK's usual batch (≤ 500 entries) to one round trip.
 */
const INSERT_CHUNK = 1000;

/**
 * First key of the two-key advisory lock form. The two-key space is separate from the one-bigint
 * space, and this constant keeps our keys apart from any other two-key user of the database
 * (e.g. coordination locks), so a transcript append can never wait on an unrelated lock.
 */
const TRANSCRIPT_LOCK_SPACE = 0x7472_616e; // 'tran'

type SessionRef = { projectKey: string; sessionId: string };

/**
 * The SDK's `SessionStore` over PostgreSQL, with the SQLite store's semantics (sqlite/transcripts.ts):
 * entries ordered by an identity id, `uuid` as an idempotency key per (project, session, subpath),
 * the main transcript's summary folded with `foldSessionSummary` over only the inserted entries in
 * the same transaction, and `mtime` strictly increasing per session.
 *
 * SQLite gets serialisation for free (one writer per file); here each append takes a
 * transaction-scoped advisory lock on (project, session) first. That serialises the summary's
 * read-fold-write across every process on the database (the SDK says sidecar writes MUST be
 * serialised), and it makes id order equal commit order within a session, which is the SDK's
 * cross-process ordering rule. An advisory lock rather than `FOR UPDATE` on the summary row
 * because that row does not exist before the first append, and subagent appends have no row.
 */
export class PostgresTranscriptStore implements TranscriptStore {
  readonly #db: Kysely<Database>;
  readonly #now: () => number;
  readonly #summaries = new SummaryCache();

  constructor(db: Kysely<Database>, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  async append(key: SessionKey, entries: SessionStoreEntry[]): Promise<void> {
    const subpath = subpathOf(key);
    // An empty batch must not create the key: load() keeps returning null.
    if (entries.length === 0) return;
    const rows = entryRows(entries);

    const written = await this.#db.transaction().execute(async (tx): Promise<SessionSummaryEntry | undefined> => {
      await lockSession(tx, key);
      // Taken under the lock so mtimes follow commit order as closely as the clock allows.
      const now = this.#now();
      const insertedUuids = new Set<string>();
      let insertedAny = false;
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const chunk = rows.slice(i, i + INSERT_CHUNK);
        // A multi-row VALUES list gets identity values in list order, so load() keeps batch order.
        const returned = await tx
          .insertInto('transcript_entries')
          .values(entryValues(key, subpath, chunk, now))
          .onConflict((oc) => oc.columns(['project_key', 'session_id', 'subpath', 'uuid']).doNothing())
          .returning('uuid')
          .execute();
        if (returned.length > 0) insertedAny = true;
        for (const r of returned) if (r.uuid !== null) insertedUuids.add(r.uuid);
      }
      if (subpath !== '' || !insertedAny) return;

      const fresh = insertedEntries(rows, insertedUuids);
      const cached = this.#summaries.get(key);
      if (cached) {
        const expected = cached.mtime;
        const next = nextSummary(cached, key, fresh, now);
        const updated = await tx.executeQuery(CompiledQuery.raw(UPDATE_SUMMARY_IF_CURRENT.postgres, updateSummaryParams(key, next, expected)));
        if (Number(updated.numAffectedRows ?? 0) === 1) return next;
      }
      const next = nextSummary(await readSummary(tx, key), key, fresh, now);
      const { mtime } = next;
      const data = JSON.stringify(next.data);
      await tx
        .insertInto('session_summaries')
        .values({ project_key: key.projectKey, session_id: key.sessionId, mtime, data })
        .onConflict((oc) => oc.columns(['project_key', 'session_id']).doUpdateSet({ mtime, data }))
        .execute();
      return next;
    });
    // Committed: the next append folds over it without reading it back.
    if (written) this.#summaries.set(key, written);
  }

  async load(key: SessionKey): Promise<SessionStoreEntry[] | null> {
    const rows = await this.#db
      .selectFrom('transcript_entries')
      .select('entry')
      .where('project_key', '=', key.projectKey)
      .where('session_id', '=', key.sessionId)
      .where('subpath', '=', subpathOf(key))
      .orderBy('id')
      .execute();
    return rows.length === 0 ? null : rows.map((r) => JSON.parse(r.entry) as SessionStoreEntry);
  }

  async listSessions(projectKey: string): Promise<Array<{ sessionId: string; mtime: number }>> {
    const rows = await this.#db
      .selectFrom('session_summaries')
      .select(['session_id', 'mtime'])
      .where('project_key', '=', projectKey)
      .execute();
    return rows.map((r) => ({ sessionId: r.session_id, mtime: toInt(r.mtime) }));
  }

  async listSessionSummaries(projectKey: string): Promise<SessionSummaryEntry[]> {
    const rows = await this.#db
      .selectFrom('session_summaries')
      .select(['session_id', 'mtime', 'data'])
      .where('project_key', '=', projectKey)
      .execute();
    return rows.map((r) => ({
      sessionId: r.session_id,
      mtime: toInt(r.mtime),
      data: JSON.parse(r.data) as Record<string, unknown>,
    }));
  }

  async delete(key: SessionKey): Promise<void> {
    const subpath = subpathOf(key);
    if (subpath === '') this.#summaries.forget(key);
    await this.#db.transaction().execute(async (tx) => {
      // Under the append lock, so a delete never interleaves with an append's summary fold.
      await lockSession(tx, key);
      let entries = tx
        .deleteFrom('transcript_entries')
        .where('project_key', '=', key.projectKey)
        .where('session_id', '=', key.sessionId);
      // The main key owns the whole session: every subagent transcript and the summary go with it.
      if (subpath !== '') entries = entries.where('subpath', '=', subpath);
      await entries.execute();
      if (subpath !== '') return;
      await tx
        .deleteFrom('session_summaries')
        .where('project_key', '=', key.projectKey)
        .where('session_id', '=', key.sessionId)
        .execute();
    });
  }

  async listSubkeys(key: SessionRef): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('transcript_entries')
      .select('subpath')
      .distinct()
      .where('project_key', '=', key.projectKey)
      .where('session_id', '=', key.sessionId)
      .where('subpath', '<>', '')
      .orderBy('subpath')
      .execute();
    return rows.map((r) => r.subpath);
  }

  async exists(projectKey: string, sessionId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('transcript_entries')
      .select('id')
      .where('project_key', '=', projectKey)
      .where('session_id', '=', sessionId)
      .where('subpath', '=', '')
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }
}

/**
 * Serialises writers of one session until the transaction ends. `hashtext` collisions only make
 * two unrelated sessions wait for each other briefly; correctness never depends on distinct keys.
 */
async function lockSession(tx: Transaction<Database>, key: SessionRef): Promise<void> {
  await sql`select pg_advisory_xact_lock(${sql.lit(TRANSCRIPT_LOCK_SPACE)}, hashtext(${key.projectKey}::text || '/' || ${key.sessionId}::text))`.execute(
    tx,
  );
}

async function readSummary(tx: Transaction<Database>, key: SessionRef): Promise<SessionSummaryEntry | undefined> {
  const row = await tx
    .selectFrom('session_summaries')
    .select(['mtime', 'data'])
    .where('project_key', '=', key.projectKey)
    .where('session_id', '=', key.sessionId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return { sessionId: key.sessionId, mtime: toInt(row.mtime), data: JSON.parse(row.data) as Record<string, unknown> };
}
