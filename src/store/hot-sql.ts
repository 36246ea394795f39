import { ZERO_USAGE } from './rows.js';
import type { ActiveTurn, Admission, StoredEvent, TurnOutcome } from './types.js';
import { utcDay } from './values.js';

/**
 * The statements of a warm turn's path (admit, log events, finish), written once as SQL text and
 * prepared once per connection, instead of being built by Kysely on every call (building alone was
 * ~11% of the server's CPU on that path). `?` placeholders; PostgreSQL's copy numbers them.
 * Each comes with the function that orders its parameters, so text and values cannot drift apart.
 */
export interface Statement {
  readonly sqlite: string;
  readonly postgres: string;
}

/** One text for both dialects (no `?` inside literals: they would be renumbered too). */
export function statement(text: string, postgres?: string): Statement {
  const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
  let n = 0;
  return { sqlite: oneLine(text), postgres: oneLine(postgres ?? text).replace(/\?/g, () => `$${++n}`) };
}

const ACTIVE = `('queued', 'running')`;

/** The session of the account (PostgreSQL: locked, see turn-queue.ts). */
export const SESSION_OF_ACCOUNT = statement(
  `select * from sessions where id = ? and account_id = ?`,
  `select * from sessions where id = ? and account_id = ? for update`,
);

const ACTIVE_JSON = {
  sqlite: `(select json_group_array(json_array(t.id, t.status, t.instance_id, t.priority, t.seq))
    from turns t where t.session_id = ? and t.status in ${ACTIVE})`,
  postgres: `(select coalesce(json_agg(json_build_array(t.id, t.status, t.instance_id, t.priority, t.seq)), '[]'::json)::text
    from turns t where t.session_id = ? and t.status in ${ACTIVE})`,
};
const ACCOUNT_RUNNING = `(select count(*) from turns r join sessions rs on rs.id = r.session_id
  where rs.account_id = ? and r.status = 'running')`;

/**
 * What admission decides on, in one statement: the session of the account, its active turns (a
 * JSON array, see activeFromJson) and the account's running turns. SQLite only: its BEGIN IMMEDIATE
 * holds every writer off, so nothing changes between the parts. PostgreSQL locks the session row
 * first (SESSION_OF_ACCOUNT) and then reads ADMISSION_STATE, whose snapshot starts after the lock.
 */
export const ADMISSION_SESSION = statement(
  `select s.*, ${ACTIVE_JSON.sqlite} as active_turns, ${ACCOUNT_RUNNING} as account_running
   from sessions s where s.id = ? and s.account_id = ?`,
);
export const admissionSessionParams = (a: Admission) => [a.turn.sessionId, a.accountId, a.turn.sessionId, a.accountId];

export const ADMISSION_STATE = statement(
  `select ${ACTIVE_JSON.sqlite} as active_turns, ${ACCOUNT_RUNNING} as account_running`,
  `select ${ACTIVE_JSON.postgres} as active_turns, ${ACCOUNT_RUNNING} as account_running`,
);
export const admissionStateParams = (a: Admission) => [a.turn.sessionId, a.accountId];

export interface AdmissionState {
  active_turns: string;
  account_running: number | string;
}

/** The active turns ADMISSION_* return as `[id, status, instance_id, priority, seq]` arrays. */
export function activeFromJson(text: string): ActiveTurn[] {
  return (JSON.parse(text) as [string, ActiveTurn['status'], string | null, number, number][]).map(
    ([turnId, status, instanceId, priority, seq]) => ({ turnId, status, instanceId, priority: Number(priority), seq: Number(seq) }),
  );
}

/** The session's running and waiting turns. */
export const ACTIVE_TURNS = statement(
  `select id, status, instance_id, priority, seq from turns where session_id = ? and status in ${ACTIVE}`,
);

/** A new turn numbered after the session's last one (the session row is held, so no one else numbers). */
export const INSERT_TURN = statement(
  `insert into turns (id, session_id, seq, status, prompt, response_text, tool_calls, usage, cost_usd,
     duration_ms, num_turns, error_code, error_message, created_at, finished_at, instance_id, priority)
   values (?, ?, (select coalesce(max(seq), 0) + 1 from turns where session_id = ?), ?, ?, '', '[]', ?, 0,
     0, 0, null, null, ?, null, ?, ?)
   returning *`,
);
export const insertTurnParams = (
  t: { id: string; sessionId: string; prompt: string },
  status: 'running' | 'queued',
  zeroUsage: string,
  now: number,
  instanceId: string,
  priority: number,
) => [t.id, t.sessionId, t.sessionId, status, t.prompt, zeroUsage, now, instanceId, priority];

/** The session once a turn was admitted: running (unless archived), touched, titled if it had none. */
export const ZERO_USAGE_JSON = JSON.stringify(ZERO_USAGE);

const admittedSession = (setRunner: boolean) =>
  statement(
    `update sessions set status = case when status = 'archived' then 'archived' else 'running' end,
       last_active_at = ?, title = coalesce(title, ?)${setRunner ? ', runner_instance = ?' : ''}
     where id = ? returning *`,
  );
const ADMITTED_SESSION_RUNNING = admittedSession(true);
const ADMITTED_SESSION_QUEUED = admittedSession(false);

/** The session update of an admission, and its parameters: a turn that runs now records its instance. */
export function admittedSessionUpdate(a: Admission, runsNow: boolean, now: number): [Statement, unknown[]] {
  return runsNow
    ? [ADMITTED_SESSION_RUNNING, [now, a.title, a.instanceId, a.turn.sessionId]]
    : [ADMITTED_SESSION_QUEUED, [now, a.title, a.turn.sessionId]];
}

/** Writes a turn's outcome, only while it is still active (else 0 rows: finished elsewhere, or gone). */
export const FINISH_TURN = statement(
  `update turns set status = ?, response_text = ?, tool_calls = ?, usage = ?, cost_usd = ?, duration_ms = ?,
     num_turns = ?, error_code = ?, error_message = ?, finished_at = ?
   where id = ? and status in ${ACTIVE}
   returning *`,
);
export const finishTurnParams = (turnId: string, o: TurnOutcome, now: number) => [
  o.status,
  o.responseText,
  JSON.stringify(o.toolCalls),
  JSON.stringify(o.usage),
  o.costUsd,
  o.durationMs,
  o.numTurns,
  o.errorCode,
  o.errorMessage,
  now,
  turnId,
];

/**
 * Folds a finished turn into its session: totals incremented in SQL (exact however many finish at
 * once), status running while another turn waits, else crashed or idle; archived stays archived.
 * Returns what the usage ledger needs: the account, and the model (the outcome's, else the session's).
 */
export const FINISHED_SESSION = statement(
  `update sessions set
     status = case when status = 'archived' then 'archived'
       when exists (select 1 from turns where turns.session_id = sessions.id and turns.status in ${ACTIVE}) then 'running'
       else ? end,
     last_active_at = ?, turn_count = turn_count + 1, input_tokens = input_tokens + ?,
     output_tokens = output_tokens + ?, cache_read_tokens = cache_read_tokens + ?,
     cache_write_tokens = cache_write_tokens + ?, cost_usd = cost_usd + ?, model = coalesce(?, model)
   where id = ?
   returning account_id, model`,
);
export const finishedSessionParams = (sessionId: string, o: TurnOutcome, now: number) => [
  o.crashed ? 'crashed' : 'idle',
  now,
  o.usage.input_tokens,
  o.usage.output_tokens,
  o.usage.cache_read_input_tokens,
  o.usage.cache_creation_input_tokens,
  o.costUsd,
  o.model,
  sessionId,
];

/** Adds a finished turn to the account's ledger row for its UTC day and model (`excluded` = this row). */
export const ADD_USAGE = statement(
  `insert into usage_daily (account_id, day, model, turns, input_tokens, output_tokens, cache_read_tokens,
     cache_write_tokens, cost_usd)
   values (?, ?, ?, 1, ?, ?, ?, ?, ?)
   on conflict (account_id, day, model) do update set turns = usage_daily.turns + excluded.turns,
     input_tokens = usage_daily.input_tokens + excluded.input_tokens,
     output_tokens = usage_daily.output_tokens + excluded.output_tokens,
     cache_read_tokens = usage_daily.cache_read_tokens + excluded.cache_read_tokens,
     cache_write_tokens = usage_daily.cache_write_tokens + excluded.cache_write_tokens,
     cost_usd = usage_daily.cost_usd + excluded.cost_usd`,
);
export const addUsageParams = (accountId: string, model: string, o: TurnOutcome, now: number) => [
  accountId,
  utcDay(now),
  model,
  o.usage.input_tokens,
  o.usage.output_tokens,
  o.usage.cache_read_input_tokens,
  o.usage.cache_creation_input_tokens,
  o.costUsd,
];

/**
 * Appends a batch of a turn's events in one statement whatever its size: the batch goes as one
 * JSON array parameter, unpacked by the database (one prepared text, no per-size SQL). Idempotent
 * on (turn, seq).
 */
export const APPEND_EVENTS = statement(
  `insert into turn_events (turn_id, seq, type, data, created_at)
   select ?, e.value ->> '$.seq', e.value ->> '$.type', e.value ->> '$.data', ? from json_each(?) as e
   where true
   on conflict (turn_id, seq) do nothing`,
  `insert into turn_events (turn_id, seq, type, data, created_at)
   select ?, e.seq, e.type, e.data, ? from jsonb_to_recordset(?::jsonb) as e(seq integer, type text, data text)
   on conflict (turn_id, seq) do nothing`,
);
export const appendEventsParams = (turnId: string, events: StoredEvent[], now: number) => [
  turnId,
  now,
  JSON.stringify(events.map((e) => ({ seq: e.seq, type: e.type, data: JSON.stringify(e.data) }))),
];

/** The session of a turn, locked for the rest of the transaction (PostgreSQL; SQLite's BEGIN IMMEDIATE holds all). */
export const LOCK_SESSION_OF_TURN = statement(
  `select * from sessions where id = (select session_id from turns where id = ?)`,
  `select * from sessions where id = (select session_id from turns where id = ?) for update`,
);

/** What a turn is now (to say why finishing it was refused). */
export const TURN_STATUS = statement(`select status from turns where id = ?`);
