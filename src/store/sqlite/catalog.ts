import type { Kysely } from 'kysely';
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
import type { SqliteRunner } from './runner.js';

/**
 * Sessions and turns over SQLite.
 *
 * `turnCount` counts finished turns: every `finishTurn` (succeeded, failed or interrupted) adds one,
 * because each of those reached the model and may have cost tokens. Turns that a crash left
 * behind (`TurnQueue.failLost`) are not counted: nothing is known about what they used.
 */
export class SqliteCatalog implements Catalog {
  readonly #db: Kysely<Database>;
  readonly #run: SqliteRunner;

  constructor(db: Kysely<Database>, runner: SqliteRunner) {
    this.#db = db;
    this.#run = runner;
  }

  async createSession(session: NewSession, now: number): Promise<SessionRecord> {
    const changed = this.#run.run(
      this.#db
        .insertInto('sessions')
        .values(newSessionValues(session, now))
        // Session ids are global (they are the SDK's ids), so a clash in any account is a conflict.
        .onConflict((oc) => oc.column('id').doNothing())
        .compile(),
    );
    if (changed === 0) throw new StoreConflictError(`session ${session.id} already exists`);
    return this.#mustGetSession(session.id);
  }

  async getSession(accountId: string, id: string): Promise<SessionRecord | null> {
    const row = this.#run.first(
      this.#db.selectFrom('sessions').selectAll().where('id', '=', id).where('account_id', '=', accountId).compile(),
    );
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
    const rows = this.#run.all(
      select.orderBy('last_active_at', 'desc').orderBy('id', 'asc').limit(query.limit + 1).compile(),
    );
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
    if (Object.keys(set).length > 0) {
      this.#run.run(
        this.#db.updateTable('sessions').set(set).where('id', '=', id).where('account_id', '=', accountId).compile(),
      );
    }
    return this.getSession(accountId, id);
  }

  async deleteSession(accountId: string, id: string): Promise<boolean> {
    // Turns go with the row through ON DELETE CASCADE (foreign_keys is on for every connection).
    const changed = this.#run.run(
      this.#db.deleteFrom('sessions').where('id', '=', id).where('account_id', '=', accountId).compile(),
    );
    return changed > 0;
  }

  async startTurn(turn: NewTurn, now: number): Promise<TurnRecord> {
    return this.#run.write(() => {
      const session = this.#sessionStatus(turn.sessionId);
      if (session === undefined) throw new StoreNotFoundError(`session ${turn.sessionId} not found`);
      const max = this.#run.first(
        this.#db
          .selectFrom('turns')
          .select((eb) => eb.fn.max('seq').as('seq'))
          .where('session_id', '=', turn.sessionId)
          .compile(),
      );
      const seq = max?.seq === null || max?.seq === undefined ? 1 : Number(max.seq) + 1;
      const changed = this.#run.run(
        this.#db
          .insertInto('turns')
          .values(newTurnValues(turn, seq, now))
          .onConflict((oc) => oc.column('id').doNothing())
          .compile(),
      );
      if (changed === 0) throw new StoreConflictError(`turn ${turn.id} already exists`);
      this.#run.run(
        this.#db
          .updateTable('sessions')
          .set({ status: keepArchived(session, 'running'), last_active_at: now })
          .where('id', '=', turn.sessionId)
          .compile(),
      );
      return this.#mustGetTurn(turn.id);
    });
  }

  async finishTurn(turnId: string, outcome: TurnOutcome, now: number): Promise<TurnRecord> {
    return this.#run.write(() => {
      const current = this.#run.first(
        this.#db.selectFrom('turns').select(['session_id', 'status']).where('id', '=', turnId).compile(),
      );
      if (current === undefined) throw new StoreNotFoundError(`turn ${turnId} not found`);
      // Finishing twice would count the usage twice; a turn already failed by crash recovery
      // also lands here.
      if (!ACTIVE_TURN.includes(current.status)) {
        throw new StoreConflictError(`turn ${turnId} is already ${current.status}`);
      }
      this.#run.run(
        this.#db
          .updateTable('turns')
          .set(finishedTurnValues(outcome, now))
          .where('id', '=', turnId)
          .compile(),
      );
      const sessionId = current.session_id;
      const status = this.#sessionStatus(sessionId) ?? 'idle';
      // A queued turn behind this one keeps the session running.
      const others = this.#run.first(
        this.#db
          .selectFrom('turns')
          .select('id')
          .where('session_id', '=', sessionId)
          .where('status', 'in', ACTIVE_TURN)
          .limit(1)
          .compile(),
      );
      const u = outcome.usage;
      this.#run.run(
        this.#db
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
          .compile(),
      );
      return this.#mustGetTurn(turnId);
    });
  }

  async getTurn(sessionId: string, turnId: string): Promise<TurnRecord | null> {
    const row = this.#run.first(
      this.#db.selectFrom('turns').selectAll().where('id', '=', turnId).where('session_id', '=', sessionId).compile(),
    );
    return row === undefined ? null : turnFromRow(row);
  }

  async listTurns(sessionId: string): Promise<TurnRecord[]> {
    const rows = this.#run.all(
      this.#db.selectFrom('turns').selectAll().where('session_id', '=', sessionId).orderBy('seq').compile(),
    );
    return rows.map(turnFromRow);
  }

  #sessionStatus(id: string): SessionStatus | undefined {
    const row = this.#run.first(this.#db.selectFrom('sessions').select('status').where('id', '=', id).compile());
    return row?.status as SessionStatus | undefined;
  }

  #mustGetSession(id: string): SessionRecord {
    const row = this.#run.first(this.#db.selectFrom('sessions').selectAll().where('id', '=', id).compile());
    if (row === undefined) throw new StoreNotFoundError(`session ${id} not found`);
    return sessionFromRow(row);
  }

  #mustGetTurn(id: string): TurnRecord {
    const row = this.#run.first(this.#db.selectFrom('turns').selectAll().where('id', '=', id).compile());
    if (row === undefined) throw new StoreNotFoundError(`turn ${id} not found`);
    return turnFromRow(row);
  }
}
