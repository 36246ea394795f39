import type { Kysely, Transaction } from 'kysely';
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
  ADMISSION_STATE,
  admissionStateParams,
  admittedSessionUpdate,
  INSERT_TURN,
  insertTurnParams,
  SESSION_OF_ACCOUNT,
  ZERO_USAGE_JSON,
  type AdmissionState,
} from '../hot-sql.js';
import { sessionFromRow, toInt, turnFromRow, type SessionRow, type TurnRow } from '../rows.js';
import { pgAll, pgFirst } from './exec.js';
import type { Database } from '../schema.js';
import {
  StoreConflictError,
  type ActiveTurn,
  type Admission,
  type AdmitResult,
  type ClaimResult,
  type LostTurn,
  type SessionStatus,
  type TurnQueue,
  type TurnRecord,
} from '../types.js';
import { keepArchived, newSessionValues } from '../values.js';
import { lockAccount } from './catalog.js';

type Tx = Transaction<Database>;

/**
 * The turn queue on PostgreSQL. Admit and claim lock the session row (`FOR UPDATE`) before
 * reading its turns, so two instances deciding about one session take turns: exactly one of two
 * simultaneous `reject` sends runs, and only one queued turn can become `running`. Admit first
 * takes the account's advisory lock (see catalog.ts), since its account-wide counts have no row.
 */
export class PostgresTurnQueue implements TurnQueue {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async admit(a: Admission, now: number): Promise<AdmitResult> {
    try {
      return await this.#db.transaction().execute(async (tx): Promise<AdmitResult> => {
        // Admit reads account-wide counts (running turns, sessions) and then writes: serialise
        // the account's admissions across instances. Before the session row lock, as everywhere.
        await lockAccount(tx, a.accountId);
        if (a.newSession) {
          const sessions = toInt((await accountSessionCountQuery(tx, a.accountId).executeTakeFirst())?.n ?? 0);
          if (atSessionLimit(sessions, a.maxSessions)) throw new Refused('too_many_sessions');
          const row = await tx
            .insertInto('sessions')
            .values(newSessionValues(a.newSession, now))
            .onConflict((oc) => oc.column('id').doNothing())
            .returning('id')
            .executeTakeFirst();
          if (row === undefined) throw new StoreConflictError(`session ${a.newSession.id} already exists`);
        }
        // The session row, locked: two instances deciding about one session take turns.
        const session = await pgFirst<SessionRow>(tx, SESSION_OF_ACCOUNT, [a.turn.sessionId, a.accountId]);
        if (session === undefined) throw new Refused('session_not_found');
        const state = (await pgFirst<AdmissionState>(tx, ADMISSION_STATE, admissionStateParams(a)))!;
        const active = activeFromJson(state.active_turns);
        const accountRunning = toInt(state.account_running);
        const decision = decideAdmission({ ...a, archived: session.status === 'archived', active, accountRunning });
        if (decision.kind === 'refuse') throw new Refused(decision.reason);
        const runsNow = decision.kind === 'run';
        if (!runsNow && decision.supersede.length > 0) {
          await supersedeTurns(tx, decision.supersede, SUPERSEDED_MESSAGE, now).execute();
        }
        const status = runsNow ? 'running' : 'queued';
        const row = await pgFirst<TurnRow>(
          tx,
          INSERT_TURN,
          insertTurnParams(a.turn, status, ZERO_USAGE_JSON, now, a.instanceId, runsNow ? 0 : decision.priority),
        );
        const turn = turnFromRow(row!);
        const [update, params] = admittedSessionUpdate(a, runsNow, now);
        const admitted = sessionFromRow((await pgFirst<SessionRow>(tx, update, params))!);
        if (runsNow && a.startEvents?.length) await pgAll(tx, APPEND_EVENTS, appendEventsParams(a.turn.id, a.startEvents, now));
        if (runsNow) return { ok: true, turn, session: admitted, previousRunner: session.runner_instance, interrupt: null, superseded: [] };
        return { ok: true, turn, session: admitted, interrupt: decision.interrupt, superseded: decision.supersede };
      });
    } catch (err) {
      if (err instanceof Refused) return { ok: false, reason: err.reason };
      throw err;
    }
  }

  async claim(turnId: string, instanceId: string, now: number): Promise<ClaimResult> {
    return this.#db.transaction().execute(async (tx): Promise<ClaimResult> => {
      const owner = await tx.selectFrom('turns').select('session_id').where('id', '=', turnId).executeTakeFirst();
      if (owner === undefined) throw new StoreNotFoundError(`turn ${turnId} not found`);
      // Session row first, as every writer here does, then the turns under it.
      const session = await tx
        .selectFrom('sessions')
        .select(['status', 'runner_instance'])
        .where('id', '=', owner.session_id)
        .forUpdate()
        .executeTakeFirst();
      const turn = await this.#turn(tx, turnId);
      if (turn.status !== 'queued') return turn.status === 'running' ? { state: 'waiting' } : { state: 'ended', turn };
      if (session === undefined || !isNext(await this.#active(tx, turn.sessionId), turnId)) return { state: 'waiting' };
      const row = await tx
        .updateTable('turns')
        .set({ status: 'running', instance_id: instanceId })
        .where('id', '=', turnId)
        .returningAll()
        .executeTakeFirstOrThrow();
      const claimed = await tx
        .updateTable('sessions')
        .set({ status: keepArchived(session.status as SessionStatus, 'running'), last_active_at: now, runner_instance: instanceId })
        .where('id', '=', turn.sessionId)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { state: 'claimed', turn: turnFromRow(row), session: sessionFromRow(claimed), previousRunner: session.runner_instance };
    });
  }

  async active(sessionId: string): Promise<ActiveTurn[]> {
    return runOrder(await this.#active(this.#db, sessionId));
  }

  async registerInstance(id: string, home: string, now: number): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      // Heartbeat -1: dead to any sweep, so their turns fail at once (not a lease later).
      await tx.updateTable('instances').set({ heartbeat_at: -1 }).where('home', '=', home).where('id', '!=', id).execute();
      await tx
        .insertInto('instances')
        .values({ id, home, started_at: now, heartbeat_at: now })
        .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_at: now }))
        .execute();
    });
  }

  async heartbeat(id: string, now: number): Promise<boolean> {
    const r = await this.#db.updateTable('instances').set({ heartbeat_at: now }).where('id', '=', id).executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async deregisterInstance(id: string): Promise<void> {
    await this.#db.deleteFrom('instances').where('id', '=', id).execute();
  }

  async failLost(liveSince: number, error: { code: string; message: string }, now: number): Promise<LostTurn[]> {
    return this.#db.transaction().execute(async (tx) => {
      const candidates = await lostTurnsQuery(tx, liveSince).execute();
      const sessionIds = [...new Set(candidates.map((t) => t.session_id))].sort();
      if (sessionIds.length === 0) {
        await tx.deleteFrom('instances').where('heartbeat_at', '<', liveSince).execute();
        return [];
      }
      // Lock the sessions (in id order: every instance sweeps, and they must not deadlock), then
      // re-select under the locks: a turn may have finished since.
      await tx.selectFrom('sessions').select('id').where('id', 'in', sessionIds).orderBy('id').forUpdate().execute();
      const lost = (await lostTurnsQuery(tx, liveSince).where('turns.session_id', 'in', sessionIds).execute()).map(lostTurnFromRow);
      if (lost.length > 0) {
        await tx
          .updateTable('turns')
          .set({ status: 'failed', error_code: error.code, error_message: error.message, finished_at: now })
          .where('id', 'in', lost.map((t) => t.turnId))
          .execute();
        await idleSessionsWithoutTurns(tx, sessionIds).execute();
      }
      await tx.deleteFrom('instances').where('heartbeat_at', '<', liveSince).execute();
      return lost;
    });
  }

  async #active(db: Kysely<Database>, sessionId: string): Promise<ActiveTurn[]> {
    return activeFromRows(await pgAll(db, ACTIVE_TURNS, [sessionId]));
  }

  async #turn(tx: Tx, id: string): Promise<TurnRecord> {
    const row = await tx.selectFrom('turns').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) throw new StoreNotFoundError(`turn ${id} not found`);
    return turnFromRow(row);
  }
}
