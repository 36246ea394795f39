import { ADD_USAGE, addUsageParams, APPEND_EVENTS, appendEventsParams, FINISHED_SESSION, finishedSessionParams, FINISH_TURN, finishTurnParams, LOCK_SESSION_OF_TURN, TURN_STATUS } from '../hot-sql.js';
import { pgAll, pgFirst } from './exec.js';
import type { SessionRow, TurnRow } from '../rows.js';
import type { StoredEvent } from '../types.js';
import { sql, type Insertable, type Kysely, type Transaction } from 'kysely';
import {
  accountSessionCountQuery,
  accountTurnsQuery,
  anyActiveTurnQuery,
  chunks,
  forkableTurnsQuery,
  sessionListQuery,
  recoverTextQuery,
} from '../catalog-sql.js';
import { decodeCursor } from '../cursor.js';
import { SessionLimitError, StoreConflictError, StoreNotFoundError } from '../errors.js';
import { atSessionLimit } from '../queue-policy.js';
import { sessionFromRow, sessionPage, toInt, turnFromRow } from '../rows.js';
import type { Database, SessionsTable } from '../schema.js';
import type {
  ArchiveResult,
  Catalog,
  NewSession,
  NewTurn,
  SessionListQuery,
  SessionPage,
  SessionPatch,
  SessionRecord,
  SessionStatus,
  TurnOutcome,
  TurnRecord,
} from '../types.js';
import {
  
  
  forkValues,
  keepArchived,
  newSessionValues,
  newTurnValues,
  sessionPatchValues,
} from '../values.js';

type Tx = Transaction<Database>;

/**
 * Sessions and turns over PostgreSQL, with the SQLite catalog's semantics (see sqlite/catalog.ts
 * for what `turnCount` counts).
 *
 * SQLite serialises every write transaction; PostgreSQL does not, so each read-then-write
 * transaction locks the session row first (`FOR UPDATE`): two `startTurn`s cannot compute the
 * same `seq`, a turn cannot be finished twice, and the session's status is decided on a row
 * nobody else is changing. Always session before turn, so these transactions cannot deadlock.
 *
 * Account-wide counts (sessions against `maxSessions`, running turns in admit) have no row to
 * lock, so those transactions first take a per-account advisory lock (`lockAccount`). It is
 * always taken before any session row, keeping the lock order acyclic.
 */
export class PostgresCatalog implements Catalog {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async createSession(session: NewSession, now: number, maxSessions?: number): Promise<SessionRecord> {
    return this.#db.transaction().execute(async (tx) => {
      if (maxSessions !== undefined) await lockAccount(tx, session.accountId);
      await checkSessionLimit(tx, session.accountId, maxSessions);
      return insertSession(tx, newSessionValues(session, now));
    });
  }

  async forkSession(
    accountId: string,
    sourceId: string,
    fork: NewSession,
    throughSeq: number | null,
    now: number,
    maxSessions?: number,
  ): Promise<SessionRecord | null> {
    return this.#db.transaction().execute(async (tx) => {
      if (maxSessions !== undefined) await lockAccount(tx, accountId);
      const source = await tx
        .selectFrom('sessions')
        .select('id')
        .where('id', '=', sourceId)
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      if (source === undefined) return null;
      await checkSessionLimit(tx, accountId, maxSessions);
      // Finished turns never change again, so the copy needs no lock on the source.
      const turns = await forkableTurnsQuery(tx, sourceId, throughSeq).execute();
      const values = forkValues({ ...fork, accountId, forkedFrom: fork.forkedFrom ?? sourceId }, turns, now);
      const session = await insertSession(tx, values.session);
      for (const chunk of chunks(values.turns)) await tx.insertInto('turns').values(chunk).execute();
      return session;
    });
  }

  async setArchived(accountId: string, id: string, archived: boolean): Promise<ArchiveResult> {
    return this.#db.transaction().execute(async (tx): Promise<ArchiveResult> => {
      // Under the session lock no turn can be admitted or started until we are done.
      const session = await lockSession(tx, id);
      if (session === undefined || session.account_id !== accountId) return { ok: false, reason: 'not_found' };
      // Archived sessions are read-only: a turn still running or waiting would write to one.
      if ((await anyActiveTurnQuery(tx, id).executeTakeFirst()) !== undefined) return { ok: false, reason: 'busy' };
      const status = archived ? 'archived' : session.status === 'archived' ? 'idle' : session.status;
      const row = await tx.updateTable('sessions').set({ status }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      return { ok: true, session: sessionFromRow(row) };
    });
  }

  async getSession(accountId: string, id: string): Promise<SessionRecord | null> {
    const row = await this.#db
      .selectFrom('sessions')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row === undefined ? null : sessionFromRow(row);
  }

  async listSessions(query: SessionListQuery): Promise<SessionPage> {
    if (!Number.isSafeInteger(query.limit) || query.limit < 1) {
      throw new RangeError(`limit must be a positive integer, got ${query.limit}`);
    }
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
    const rows = await sessionListQuery(this.#db, 'postgres', query, after).execute();
    return sessionPage(rows, query.limit);
  }

  async updateSession(accountId: string, id: string, patch: SessionPatch): Promise<SessionRecord | null> {
    const set = sessionPatchValues(patch);
    if (Object.keys(set).length === 0) return this.getSession(accountId, id);
    const row = await this.#db
      .updateTable('sessions')
      .set(set)
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? null : sessionFromRow(row);
  }

  async deleteSession(accountId: string, id: string): Promise<boolean> {
    // Turns (and their events) go with the row through ON DELETE CASCADE.
    const result = await this.#db
      .deleteFrom('sessions')
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async startTurn(turn: NewTurn, now: number): Promise<TurnRecord> {
    return this.#db.transaction().execute(async (tx) => {
      const session = await lockSession(tx, turn.sessionId);
      if (session === undefined) throw new StoreNotFoundError(`session ${turn.sessionId} not found`);
      const max = await tx
        .selectFrom('turns')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .where('session_id', '=', turn.sessionId)
        .executeTakeFirst();
      const seq = max?.seq === null || max?.seq === undefined ? 1 : Number(max.seq) + 1;
      const row = await tx
        .insertInto('turns')
        .values(newTurnValues(turn, seq, now))
        .onConflict((oc) => oc.column('id').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (row === undefined) throw new StoreConflictError(`turn ${turn.id} already exists`);
      await tx
        .updateTable('sessions')
        .set({ status: keepArchived(session.status, 'running'), last_active_at: now })
        .where('id', '=', turn.sessionId)
        .execute();
      return turnFromRow(row);
    });
  }

  async recoverResponseText(turnId: string, text: string): Promise<void> {
    await recoverTextQuery(this.#db, turnId, text).execute();
  }

  async finishTurn(turnId: string, outcome: TurnOutcome, now: number, events?: (turn: TurnRecord) => StoredEvent[]): Promise<TurnRecord> {
    return this.#db.transaction().execute(async (tx) => {
      // The session row first, as every writer here does; then, under it, a concurrent finish
      // of this turn has committed or waits, and the session's other turns are settled.
      const session = await pgFirst<SessionRow>(tx, LOCK_SESSION_OF_TURN, [turnId]);
      if (session === undefined) throw new StoreNotFoundError(`turn ${turnId} not found`);
      // Only an active turn finishes: finishing twice would count the usage twice, and a turn
      // already failed by crash recovery also lands here.
      const row = await pgFirst<TurnRow>(tx, FINISH_TURN, finishTurnParams(turnId, outcome, now));
      if (row === undefined) {
        const current = await pgFirst<{ status: string }>(tx, TURN_STATUS, [turnId]);
        throw new StoreConflictError(`turn ${turnId} is already ${current?.status ?? 'gone'}`);
      }
      const after = (await pgFirst<{ account_id: string; model: string | null }>(
        tx,
        FINISHED_SESSION,
        finishedSessionParams(session.id, outcome, now),
      ))!;
      await pgAll(tx, ADD_USAGE, addUsageParams(after.account_id, after.model ?? 'unknown', outcome, now));
      const turn = turnFromRow(row);
      const log = events?.(turn) ?? [];
      if (log.length > 0) await pgAll(tx, APPEND_EVENTS, appendEventsParams(turnId, log, now));
      return turn;
    });
  }

  async getTurn(accountId: string, sessionId: string, turnId: string): Promise<TurnRecord | null> {
    const row = await accountTurnsQuery(this.#db, accountId, sessionId).where('turns.id', '=', turnId).executeTakeFirst();
    return row === undefined ? null : turnFromRow(row);
  }

  async listTurns(accountId: string, sessionId: string): Promise<TurnRecord[]> {
    const rows = await accountTurnsQuery(this.#db, accountId, sessionId).orderBy('turns.seq').execute();
    return rows.map(turnFromRow);
  }

  /** The session a turn belongs to (immutable, so it needs no lock), or StoreNotFoundError. */
  async #sessionOfTurn(tx: Tx, turnId: string): Promise<string> {
    const row = await tx.selectFrom('turns').select('session_id').where('id', '=', turnId).executeTakeFirst();
    if (row === undefined) throw new StoreNotFoundError(`turn ${turnId} not found`);
    return row.session_id;
  }
}

/** Locks a session row for the rest of the transaction and returns what the writers here need of it. */
async function lockSession(
  tx: Tx,
  id: string,
): Promise<{ status: SessionStatus; account_id: string; model: string | null } | undefined> {
  const row = await tx
    .selectFrom('sessions')
    .select(['status', 'account_id', 'model'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  return row === undefined ? undefined : { ...row, status: row.status as SessionStatus };
}

/**
 * Serialises, until the transaction ends, every transaction that reads an account-wide count and
 * then writes on it: under READ COMMITTED two instances would otherwise both see room and both
 * insert. Take it before any row lock (see the class comment).
 */
export async function lockAccount(tx: Tx, accountId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`caa-account:${accountId}`}, 0))`.execute(tx);
}

/** Throws SessionLimitError when the account may not hold another session. Call under `lockAccount`. */
async function checkSessionLimit(tx: Tx, accountId: string, maxSessions: number | undefined): Promise<void> {
  if (maxSessions === undefined) return;
  const count = toInt((await accountSessionCountQuery(tx, accountId).executeTakeFirst())?.n ?? 0);
  if (atSessionLimit(count, maxSessions)) throw new SessionLimitError(maxSessions);
}

async function insertSession(tx: Tx, values: Insertable<SessionsTable>): Promise<SessionRecord> {
  const row = await tx
    .insertInto('sessions')
    .values(values)
    // Session ids are global (they are the SDK's ids), so a clash in any account is a conflict.
    .onConflict((oc) => oc.column('id').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (row === undefined) throw new StoreConflictError(`session ${values.id} already exists`);
  return sessionFromRow(row);
}
