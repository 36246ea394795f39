import type { Kysely, Transaction } from 'kysely';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { StoreConflictError, StoreNotFoundError } from '../errors.js';
import { sessionFromRow, turnFromRow } from '../rows.js';
import type { Database } from '../schema.js';
import type {
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
  ACTIVE_TURN,
  finishedTurnValues,
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
 */
export class PostgresCatalog implements Catalog {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async createSession(session: NewSession, now: number): Promise<SessionRecord> {
    const row = await this.#db
      .insertInto('sessions')
      .values(newSessionValues(session, now))
      // Session ids are global (they are the SDK's ids), so a clash in any account is a conflict.
      .onConflict((oc) => oc.column('id').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (row === undefined) throw new StoreConflictError(`session ${session.id} already exists`);
    return sessionFromRow(row);
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
    let select = this.#db.selectFrom('sessions').selectAll().where('account_id', '=', query.accountId);
    if (after !== null) {
      // The redundant `<=` lets the index seek to the cursor; the OR alone makes both databases
      // scan every row before it (a page deep in 100k sessions cost ~15 ms instead of ~0.1 ms).
      select = select.where('last_active_at', '<=', after.lastActiveAt).where((eb) =>
        eb.or([
          eb('last_active_at', '<', after.lastActiveAt),
          eb.and([eb('last_active_at', '=', after.lastActiveAt), eb('id', '>', after.id)]),
        ]),
      );
    }
    // One extra row tells whether another page exists without a COUNT.
    const rows = await select.orderBy('last_active_at', 'desc').orderBy('id', 'asc').limit(query.limit + 1).execute();
    const sessions = rows.slice(0, query.limit).map(sessionFromRow);
    const last = sessions.at(-1);
    const nextCursor =
      rows.length > query.limit && last !== undefined
        ? encodeCursor({ lastActiveAt: last.lastActiveAt, id: last.id })
        : null;
    return { sessions, nextCursor };
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
      const status = await lockSession(tx, turn.sessionId);
      if (status === undefined) throw new StoreNotFoundError(`session ${turn.sessionId} not found`);
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
        .set({ status: keepArchived(status, 'running'), last_active_at: now })
        .where('id', '=', turn.sessionId)
        .execute();
      return turnFromRow(row);
    });
  }

  async finishTurn(turnId: string, outcome: TurnOutcome, now: number): Promise<TurnRecord> {
    return this.#db.transaction().execute(async (tx) => {
      const sessionId = await this.#sessionOfTurn(tx, turnId);
      const status = (await lockSession(tx, sessionId)) ?? 'idle';
      // Read under the session lock: a concurrent finish of this turn has committed or waits.
      const current = await tx.selectFrom('turns').select('status').where('id', '=', turnId).executeTakeFirst();
      if (current === undefined) throw new StoreNotFoundError(`turn ${turnId} not found`);
      // Finishing twice would count the usage twice; a turn already failed by crash recovery
      // also lands here.
      if (!ACTIVE_TURN.includes(current.status)) {
        throw new StoreConflictError(`turn ${turnId} is already ${current.status}`);
      }
      const row = await tx
        .updateTable('turns')
        .set(finishedTurnValues(outcome, now))
        .where('id', '=', turnId)
        .returningAll()
        .executeTakeFirstOrThrow();
      // A queued turn behind this one keeps the session running.
      const others = await tx
        .selectFrom('turns')
        .select('id')
        .where('session_id', '=', sessionId)
        .where('status', 'in', ACTIVE_TURN)
        .limit(1)
        .executeTakeFirst();
      const u = outcome.usage;
      await tx
        .updateTable('sessions')
        .set((eb) => ({
          status: keepArchived(status, others !== undefined ? 'running' : outcome.crashed ? 'crashed' : 'idle'),
          last_active_at: now,
          // Incremented in SQL so totals stay exact however many turns finish concurrently.
          turn_count: eb('turn_count', '+', 1).$castTo<number>(),
          input_tokens: eb('input_tokens', '+', u.input_tokens).$castTo<number>(),
          output_tokens: eb('output_tokens', '+', u.output_tokens).$castTo<number>(),
          cache_read_tokens: eb('cache_read_tokens', '+', u.cache_read_input_tokens).$castTo<number>(),
          cache_write_tokens: eb('cache_write_tokens', '+', u.cache_creation_input_tokens).$castTo<number>(),
          cost_usd: eb('cost_usd', '+', outcome.costUsd),
          ...(outcome.model !== null ? { model: outcome.model } : {}),
        }))
        .where('id', '=', sessionId)
        .execute();
      return turnFromRow(row);
    });
  }

  async getTurn(sessionId: string, turnId: string): Promise<TurnRecord | null> {
    const row = await this.#db
      .selectFrom('turns')
      .selectAll()
      .where('id', '=', turnId)
      .where('session_id', '=', sessionId)
      .executeTakeFirst();
    return row === undefined ? null : turnFromRow(row);
  }

  async listTurns(sessionId: string): Promise<TurnRecord[]> {
    const rows = await this.#db.selectFrom('turns').selectAll().where('session_id', '=', sessionId).orderBy('seq').execute();
    return rows.map(turnFromRow);
  }

  /** The session a turn belongs to (immutable, so it needs no lock), or StoreNotFoundError. */
  async #sessionOfTurn(tx: Tx, turnId: string): Promise<string> {
    const row = await tx.selectFrom('turns').select('session_id').where('id', '=', turnId).executeTakeFirst();
    if (row === undefined) throw new StoreNotFoundError(`turn ${turnId} not found`);
    return row.session_id;
  }
}

/** Locks a session row for the rest of the transaction and returns its status. */
async function lockSession(tx: Tx, id: string): Promise<SessionStatus | undefined> {
  const row = await tx.selectFrom('sessions').select('status').where('id', '=', id).forUpdate().executeTakeFirst();
  return row?.status as SessionStatus | undefined;
}
