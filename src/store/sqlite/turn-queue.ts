import type { Kysely } from 'kysely';
import { StoreNotFoundError } from '../errors.js';
import { accountSessionCountQuery } from '../catalog-sql.js';
import { atSessionLimit, decideAdmission, isNext, Refused, runOrder, SUPERSEDED_MESSAGE } from '../queue-policy.js';
import {
  activeFromRows,
  idleSessionsWithoutTurns,
  lostTurnFromRow,
  lostTurnsQuery,
  supersedeTurns,
} from '../queue-sql.js';
import {
  ACTIVE_TURNS,
  APPEND_EVENTS,
  appendEventsParams,
  activeFromJson,
  ADMISSION_SESSION,
  admissionSessionParams,
  admittedSessionUpdate,
  INSERT_TURN,
  insertTurnParams,
  ZERO_USAGE_JSON,
  type AdmissionState,
} from '../hot-sql.js';
import { sessionFromRow, toInt, turnFromRow, type SessionRow, type TurnRow } from '../rows.js';
import type { Database } from '../schema.js';
import type { ActiveTurn, Admission, AdmitResult, ClaimResult, LostTurn, SessionStatus, TurnQueue, TurnRecord } from '../types.js';
import { keepArchived, newSessionValues } from '../values.js';
import { StoreConflictError } from '../types.js';
import type { SqliteRunner } from './runner.js';

/** The turn queue on SQLite; each call is one BEGIN IMMEDIATE transaction (see runner.ts). */
export class SqliteTurnQueue implements TurnQueue {
  readonly #db: Kysely<Database>;
  readonly #run: SqliteRunner;

  constructor(db: Kysely<Database>, runner: SqliteRunner) {
    this.#db = db;
    this.#run = runner;
  }

  async admit(a: Admission, now: number): Promise<AdmitResult> {
    const db = this.#db;
    const run = this.#run;
    try {
      return run.write((): AdmitResult => {
        if (a.newSession) {
          const sessions = toInt(run.first(accountSessionCountQuery(db, a.accountId).compile())?.n ?? 0);
          if (atSessionLimit(sessions, a.maxSessions)) throw new Refused('too_many_sessions');
          const changed = run.run(db.insertInto('sessions').values(newSessionValues(a.newSession, now)).onConflict((oc) => oc.column('id').doNothing()).compile());
          if (changed === 0) throw new StoreConflictError(`session ${a.newSession.id} already exists`);
        }
        const session = run.firstOf<SessionRow & AdmissionState>(ADMISSION_SESSION, admissionSessionParams(a));
        if (session === undefined) throw new Refused('session_not_found');
        const active = activeFromJson(session.active_turns);
        const accountRunning = toInt(session.account_running);
        const decision = decideAdmission({ ...a, archived: session.status === 'archived', active, accountRunning });
        if (decision.kind === 'refuse') throw new Refused(decision.reason);
        const runsNow = decision.kind === 'run';
        if (!runsNow && decision.supersede.length > 0) {
          run.run(supersedeTurns(db, decision.supersede, SUPERSEDED_MESSAGE, now).compile());
        }
        const status = runsNow ? 'running' : 'queued';
        const turn = turnFromRow(
          run.firstOf<TurnRow>(INSERT_TURN, insertTurnParams(a.turn, status, ZERO_USAGE_JSON, now, a.instanceId, runsNow ? 0 : decision.priority))!,
        );
        const [update, params] = admittedSessionUpdate(a, runsNow, now);
        const admitted = sessionFromRow(run.firstOf<SessionRow>(update, params)!);
        if (runsNow && a.startEvents?.length) run.runOf(APPEND_EVENTS, appendEventsParams(a.turn.id, a.startEvents, now));
        if (runsNow) return { ok: true, turn, session: admitted, previousRunner: session.runner_instance, interrupt: null, superseded: [] };
        return { ok: true, turn, session: admitted, interrupt: decision.interrupt, superseded: decision.supersede };
      });
    } catch (err) {
      if (err instanceof Refused) return { ok: false, reason: err.reason };
      throw err;
    }
  }

  async claim(turnId: string, instanceId: string, now: number): Promise<ClaimResult> {
    return this.#run.write((): ClaimResult => {
      const turn = this.#turn(turnId);
      if (turn.status !== 'queued') return turn.status === 'running' ? { state: 'waiting' } : { state: 'ended', turn };
      if (!isNext(this.#active(turn.sessionId), turnId)) return { state: 'waiting' };
      const session = this.#run.first(
        this.#db.selectFrom('sessions').select(['status', 'runner_instance']).where('id', '=', turn.sessionId).compile(),
      );
      this.#run.run(this.#db.updateTable('turns').set({ status: 'running', instance_id: instanceId }).where('id', '=', turnId).compile());
      const claimed = this.#run.first(
        this.#db
          .updateTable('sessions')
          .set({ status: keepArchived((session?.status ?? 'idle') as SessionStatus, 'running'), last_active_at: now, runner_instance: instanceId })
          .where('id', '=', turn.sessionId)
          .returningAll()
          .compile(),
      );
      if (claimed === undefined) throw new StoreNotFoundError(`session ${turn.sessionId} not found`);
      return { state: 'claimed', turn: this.#turn(turnId), session: sessionFromRow(claimed), previousRunner: session?.runner_instance ?? null };
    });
  }

  async active(sessionId: string): Promise<ActiveTurn[]> {
    return runOrder(this.#active(sessionId));
  }

  async registerInstance(id: string, home: string, now: number): Promise<void> {
    this.#run.write(() => {
      // Heartbeat -1: dead to any sweep, so their turns fail at once (not a lease later).
      this.#run.run(this.#db.updateTable('instances').set({ heartbeat_at: -1 }).where('home', '=', home).where('id', '!=', id).compile());
      this.#run.run(
        this.#db
          .insertInto('instances')
          .values({ id, home, started_at: now, heartbeat_at: now })
          .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_at: now }))
          .compile(),
      );
    });
  }

  async heartbeat(id: string, now: number): Promise<boolean> {
    return this.#run.run(this.#db.updateTable('instances').set({ heartbeat_at: now }).where('id', '=', id).compile()) > 0;
  }

  async deregisterInstance(id: string): Promise<void> {
    this.#run.run(this.#db.deleteFrom('instances').where('id', '=', id).compile());
  }

  async failLost(liveSince: number, error: { code: string; message: string }, now: number): Promise<LostTurn[]> {
    return this.#run.write(() => {
      const lost = this.#run.all(lostTurnsQuery(this.#db, liveSince).compile()).map(lostTurnFromRow);
      if (lost.length > 0) {
        this.#run.run(
          this.#db
            .updateTable('turns')
            .set({ status: 'failed', error_code: error.code, error_message: error.message, finished_at: now })
            .where('id', 'in', lost.map((t) => t.turnId))
            .compile(),
        );
        this.#run.run(idleSessionsWithoutTurns(this.#db, [...new Set(lost.map((t) => t.sessionId))]).compile());
      }
      this.#run.run(this.#db.deleteFrom('instances').where('heartbeat_at', '<', liveSince).compile());
      return lost;
    });
  }

  #active(sessionId: string): ActiveTurn[] {
    return activeFromRows(this.#run.allOf(ACTIVE_TURNS, [sessionId]));
  }

  #turn(id: string): TurnRecord {
    const row = this.#run.first(this.#db.selectFrom('turns').selectAll().where('id', '=', id).compile());
    if (row === undefined) throw new StoreNotFoundError(`turn ${id} not found`);
    return turnFromRow(row);
  }
}
