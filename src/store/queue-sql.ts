import type { Kysely } from 'kysely';
import { toInt } from './rows.js';
import type { Database } from './schema.js';
import type { ActiveTurn, LostTurn } from './types.js';
import { ACTIVE_TURN } from './values.js';

/**
 * The statements of the turn queue, built once for both backends: SQLite compiles and runs them
 * synchronously inside BEGIN IMMEDIATE, PostgreSQL executes them in a transaction that holds the
 * session row. Only how they are run differs.
 */
type Db = Kysely<Database>;

export function activeFromRows(rows: { id: string; status: string; instance_id: string | null; priority: number | string; seq: number | string }[]): ActiveTurn[] {
  return rows.map((r) => ({
    turnId: r.id,
    status: r.status as ActiveTurn['status'],
    instanceId: r.instance_id,
    priority: toInt(r.priority),
    seq: toInt(r.seq),
  }));
}

export const supersedeTurns = (db: Db, ids: string[], message: string, now: number) =>
  db
    .updateTable('turns')
    .set({ status: 'interrupted', error_message: message, finished_at: now })
    .where('id', 'in', ids)
    .where('status', '=', 'queued');

/**
 * Turns held by no live instance (none recorded, or one whose heartbeat is older than
 * `liveSince`), with their session's account.
 */
export const lostTurnsQuery = (db: Db, liveSince: number) =>
  db
    .selectFrom('turns')
    .innerJoin('sessions', 'sessions.id', 'turns.session_id')
    .select(['turns.id', 'turns.session_id', 'sessions.account_id', 'turns.instance_id'])
    .where('turns.status', 'in', ACTIVE_TURN)
    .where((eb) =>
      eb.or([
        eb('turns.instance_id', 'is', null),
        eb('turns.instance_id', 'not in', eb.selectFrom('instances').select('instances.id').where('instances.heartbeat_at', '>=', liveSince)),
      ]),
    );

export const lostTurnFromRow = (r: { id: string; session_id: string; account_id: string; instance_id: string | null }): LostTurn => ({
  turnId: r.id,
  sessionId: r.session_id,
  accountId: r.account_id,
  instanceId: r.instance_id,
});

/** Sessions among `ids` that are `running` but have no active turn left: back to idle. */
export const idleSessionsWithoutTurns = (db: Db, ids: string[]) =>
  db
    .updateTable('sessions')
    .set({ status: 'idle' })
    .where('id', 'in', ids)
    .where('status', '=', 'running')
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('turns').select('id').whereRef('turns.session_id', '=', 'sessions.id').where('status', 'in', ACTIVE_TURN))),
    );
