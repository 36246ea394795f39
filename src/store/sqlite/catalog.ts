import { ADD_USAGE, addUsageParams, APPEND_EVENTS, appendEventsParams, FINISHED_SESSION, finishedSessionParams, FINISH_TURN, finishTurnParams, TURN_STATUS } from '../hot-sql.js';
import type { SessionRow, TurnRow } from '../rows.js';
import type { StoredEvent } from '../types.js';
import type { Insertable, Kysely } from 'kysely';
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

  async createSession(session: NewSession, now: number, maxSessions?: number): Promise<SessionRecord> {
    // BEGIN IMMEDIATE serialises every writer, so the count cannot change before the insert.
    return this.#run.write(() => {
      this.#checkSessionLimit(session.accountId, maxSessions);
      this.#insertSession(newSessionValues(session, now));
      return this.#mustGetSession(session.id);
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
    return this.#run.write(() => {
      if (this.#accountSession(accountId, sourceId) === undefined) return null;
      this.#checkSessionLimit(accountId, maxSessions);
      const turns = this.#run.all(forkableTurnsQuery(this.#db, sourceId, throughSeq).compile());
      const values = forkValues({ ...fork, accountId, forkedFrom: fork.forkedFrom ?? sourceId }, turns, now);
      this.#insertSession(values.session);
      for (const chunk of chunks(values.turns)) this.#run.run(this.#db.insertInto('turns').values(chunk).compile());
      return this.#mustGetSession(fork.id);
    });
  }

  async setArchived(accountId: string, id: string, archived: boolean): Promise<ArchiveResult> {
    return this.#run.write((): ArchiveResult => {
      const session = this.#accountSession(accountId, id);
      if (session === undefined) return { ok: false, reason: 'not_found' };
      // Archived sessions are read-only: a turn still running or waiting would write to one.
      if (this.#run.first(anyActiveTurnQuery(this.#db, id).compile()) !== undefined) return { ok: false, reason: 'busy' };
      const status = archived ? 'archived' : session.status === 'archived' ? 'idle' : session.status;
      if (status !== session.status) {
        this.#run.run(this.#db.updateTable('sessions').set({ status }).where('id', '=', id).compile());
      }
      return { ok: true, session: this.#mustGetSession(id) };
    });
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
    const rows = this.#run.all(sessionListQuery(this.#db, 'sqlite', query, after).compile());
    return sessionPage(rows, query.limit);
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
      const session = this.#session(turn.sessionId);
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
          .set({ status: keepArchived(session.status, 'running'), last_active_at: now })
          .where('id', '=', turn.sessionId)
          .compile(),
      );
      return this.#mustGetTurn(turn.id);
    });
  }

  async recoverResponseText(turnId: string, text: string): Promise<void> {
    this.#run.write(() =>
      this.#run.run(recoverTextQuery(this.#db, turnId, text).compile()),
    );
  }

  async finishTurn(turnId: string, outcome: TurnOutcome, now: number, events?: (turn: TurnRecord) => StoredEvent[]): Promise<TurnRecord> {
    return this.#run.write(() => {
      // Only an active turn finishes: finishing twice would count the usage twice, and a turn
      // already failed by crash recovery also lands here.
      const row = this.#run.firstOf<TurnRow>(FINISH_TURN, finishTurnParams(turnId, outcome, now));
      if (row === undefined) {
        const current = this.#run.firstOf<{ status: string }>(TURN_STATUS, [turnId]);
        if (current === undefined) throw new StoreNotFoundError(`turn ${turnId} not found`);
        throw new StoreConflictError(`turn ${turnId} is already ${current.status}`);
      }
      // The turn's foreign key keeps its session in place.
      const session = this.#run.firstOf<{ account_id: string; model: string | null }>(
        FINISHED_SESSION,
        finishedSessionParams(row.session_id, outcome, now),
      )!;
      this.#run.runOf(ADD_USAGE, addUsageParams(session.account_id, session.model ?? 'unknown', outcome, now));
      const turn = turnFromRow(row);
      const log = events?.(turn) ?? [];
      if (log.length > 0) this.#run.runOf(APPEND_EVENTS, appendEventsParams(turnId, log, now));
      return turn;
    });
  }

  async getTurn(accountId: string, sessionId: string, turnId: string): Promise<TurnRecord | null> {
    const row = this.#run.first(accountTurnsQuery(this.#db, accountId, sessionId).where('turns.id', '=', turnId).compile());
    return row === undefined ? null : turnFromRow(row);
  }

  async listTurns(accountId: string, sessionId: string): Promise<TurnRecord[]> {
    const rows = this.#run.all(accountTurnsQuery(this.#db, accountId, sessionId).orderBy('turns.seq').compile());
    return rows.map(turnFromRow);
  }

  /** Throws SessionLimitError when the account may not hold another session. Call inside `write`. */
  #checkSessionLimit(accountId: string, maxSessions: number | undefined): void {
    if (maxSessions === undefined) return;
    const count = toInt(this.#run.first(accountSessionCountQuery(this.#db, accountId).compile())?.n ?? 0);
    if (atSessionLimit(count, maxSessions)) throw new SessionLimitError(maxSessions);
  }

  #insertSession(values: Insertable<SessionsTable>): void {
    const changed = this.#run.run(
      this.#db
        .insertInto('sessions')
        .values(values)
        // Session ids are global (they are the SDK's ids), so a clash in any account is a conflict.
        .onConflict((oc) => oc.column('id').doNothing())
        .compile(),
    );
    if (changed === 0) throw new StoreConflictError(`session ${values.id} already exists`);
  }

  #session(id: string): { status: SessionStatus; account_id: string; model: string | null } | undefined {
    const row = this.#run.first(
      this.#db.selectFrom('sessions').select(['status', 'account_id', 'model']).where('id', '=', id).compile(),
    );
    return row === undefined ? undefined : { ...row, status: row.status as SessionStatus };
  }

  #accountSession(accountId: string, id: string): { status: SessionStatus } | undefined {
    const row = this.#run.first(
      this.#db.selectFrom('sessions').select('status').where('id', '=', id).where('account_id', '=', accountId).compile(),
    );
    return row === undefined ? undefined : { status: row.status as SessionStatus };
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
