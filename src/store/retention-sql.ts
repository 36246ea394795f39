import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Backend } from './migrations/index.js';
import { toInt } from './rows.js';
import type { Database } from './schema.js';
import type { PurgeReport, RetentionCutoffs, StorageStats } from './types.js';
import { ACTIVE_TURN } from './values.js';

/**
 * The statements of retention, built once for both backends (like queue-sql.ts): SQLite runs
 * them synchronously inside BEGIN IMMEDIATE, PostgreSQL in a transaction holding the session row.
 */
type Db = Kysely<Database>;
type Num = number | string;

/** The cutoff that applies to an account's sessions. */
export function cutoffFor(cutoffs: RetentionCutoffs, accountId: string): number {
  // hasOwn: an account id such as "constructor" must not pick up an Object.prototype member.
  return Object.hasOwn(cutoffs.perAccount, accountId) ? cutoffs.perAccount[accountId]! : cutoffs.defaultCutoff;
}

/** One cutoff and the accounts it covers: `only` these, or every account `except` these. */
export interface CutoffGroup {
  cutoff: number;
  only?: string[];
  except?: string[];
}

/**
 * One group per distinct cutoff, so each becomes a plain range scan of sessions_last_active_idx
 * (a per-row CASE over accounts could not use the index).
 */
export function cutoffGroups(cutoffs: RetentionCutoffs, accountId?: string): CutoffGroup[] {
  if (accountId !== undefined) return [{ cutoff: cutoffFor(cutoffs, accountId), only: [accountId] }];
  const byCutoff = new Map<number, string[]>();
  for (const [account, cutoff] of Object.entries(cutoffs.perAccount)) {
    byCutoff.set(cutoff, [...(byCutoff.get(cutoff) ?? []), account]);
  }
  const own = Object.keys(cutoffs.perAccount);
  return [
    ...[...byCutoff].map(([cutoff, only]) => ({ cutoff, only })),
    { cutoff: cutoffs.defaultCutoff, ...(own.length > 0 ? { except: own } : {}) },
  ];
}

/** Sessions of the group last active before its cutoff with no queued or running turn. */
export function dueSessions(db: Db, g: CutoffGroup) {
  let q = db
    .selectFrom('sessions')
    .where('last_active_at', '<', g.cutoff)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb.selectFrom('turns').select('turns.id').whereRef('turns.session_id', '=', 'sessions.id').where('turns.status', 'in', ACTIVE_TURN),
        ),
      ),
    );
  if (g.only !== undefined) q = q.where('account_id', 'in', g.only);
  if (g.except !== undefined) q = q.where('account_id', 'not in', g.except);
  return q;
}

export interface Candidate {
  id: string;
  account_id: string;
  last_active_at: Num;
}

/** The group's oldest `limit` due sessions. */
export const dueCandidates = (db: Db, g: CutoffGroup, limit: number) =>
  dueSessions(db, g).select(['id', 'account_id', 'last_active_at']).orderBy('last_active_at').orderBy('id').limit(limit);

export const dueCount = (db: Db, g: CutoffGroup) => dueSessions(db, g).select((eb) => eb.fn.countAll<Num>().as('n'));

/** Merges the groups' candidates: the oldest `limit` overall (ties by id, so runs repeat). */
export function oldestFirst(groups: Candidate[][], limit: number): Candidate[] {
  return groups
    .flat()
    .sort((a, b) => toInt(a.last_active_at) - toInt(b.last_active_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, limit);
}

/** Bytes of a stored entry: its UTF-8 length, not its character count. */
export function entryBytes(backend: Backend): RawBuilder<number> {
  return backend === 'postgres' ? sql<number>`octet_length(entry)` : sql<number>`length(cast(entry as blob))`;
}

/** The session row, for re-checking it inside the purge transaction. */
export const sessionRow = (db: Db, id: string) =>
  db.selectFrom('sessions').select(['id', 'account_id', 'last_active_at']).where('id', '=', id);

export const busyTurn = (db: Db, sessionId: string) =>
  db.selectFrom('turns').select('id').where('session_id', '=', sessionId).where('status', 'in', ACTIVE_TURN).limit(1);

export const turnCount = (db: Db, sessionId: string) =>
  db.selectFrom('turns').select((eb) => eb.fn.countAll<Num>().as('n')).where('session_id', '=', sessionId);

const turnIds = (db: Db, sessionId: string) => db.selectFrom('turns').select('id').where('session_id', '=', sessionId);

export const eventCount = (db: Db, sessionId: string) =>
  db
    .selectFrom('turn_events')
    .select((eb) => eb.fn.countAll<Num>().as('n'))
    .where('turn_id', 'in', turnIds(db, sessionId));

/** Count and bytes of transcript entries, of one session (every subpath) or of a whole project. */
export function entryTotals(db: Db, backend: Backend, projectKey: string | null, sessionId?: string) {
  let q = db
    .selectFrom('transcript_entries')
    .select((eb) => [eb.fn.countAll<Num>().as('n'), sql<Num>`coalesce(sum(${entryBytes(backend)}), 0)`.as('bytes')]);
  if (projectKey !== null) q = q.where('project_key', '=', projectKey);
  if (sessionId !== undefined) q = q.where('session_id', '=', sessionId);
  return q;
}

/** Deletes in child-to-parent order (the cascades would do the catalog part; explicit is clearer). */
export const purgeStatements = (db: Db, projectKey: string, sessionId: string) => [
  db.deleteFrom('transcript_entries').where('project_key', '=', projectKey).where('session_id', '=', sessionId),
  db.deleteFrom('session_summaries').where('project_key', '=', projectKey).where('session_id', '=', sessionId),
  db.deleteFrom('turn_events').where('turn_id', 'in', turnIds(db, sessionId)),
  db.deleteFrom('turns').where('session_id', '=', sessionId),
  db.deleteFrom('sessions').where('id', '=', sessionId),
];

/** What one session holds, as counted inside its purge transaction. */
export interface SessionTotals {
  turns: number;
  events: number;
  entries: number;
  bytes: number;
}

/**
 * The purge transaction's re-check: the selection ran outside it, so the session may be gone,
 * touched since (a new turn moves last_active_at) or busy with a turn admitted meanwhile.
 */
export function stillDue(row: Candidate | undefined, busy: boolean, cutoffs: RetentionCutoffs): row is Candidate {
  return row !== undefined && !busy && toInt(row.last_active_at) < cutoffFor(cutoffs, row.account_id);
}

type Count = { n: Num } | undefined;

export function totalsFrom(turns: Count, events: Count, entries: { n: Num; bytes: Num } | undefined): SessionTotals {
  return {
    turns: toInt(turns?.n ?? 0),
    events: toInt(events?.n ?? 0),
    entries: toInt(entries?.n ?? 0),
    bytes: toInt(entries?.bytes ?? 0),
  };
}

export function statsFrom(
  sessions: { n: Num; oldest: Num | null } | undefined,
  turns: Count,
  entries: { n: Num; bytes: Num } | undefined,
  due: Count[],
): StorageStats {
  const oldest = sessions?.oldest ?? null;
  return {
    sessions: toInt(sessions?.n ?? 0),
    turns: toInt(turns?.n ?? 0),
    entries: toInt(entries?.n ?? 0),
    bytes: toInt(entries?.bytes ?? 0),
    oldestActivityAt: oldest === null ? null : toInt(oldest),
    dueForPurge: due.reduce((sum, d) => sum + toInt(d?.n ?? 0), 0),
  };
}

export const emptyReport = (): PurgeReport => ({ sessions: 0, turns: 0, events: 0, entries: 0, bytes: 0, purged: [] });

export function addToReport(report: PurgeReport, c: Candidate, t: SessionTotals): void {
  report.sessions += 1;
  report.turns += t.turns;
  report.events += t.events;
  report.entries += t.entries;
  report.bytes += t.bytes;
  report.purged.push({ accountId: c.account_id, sessionId: c.id });
}

export function checkLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
}

/** Session ids per `IN (…)`: far below either database's bound-parameter limit. */
export const ID_CHUNK = 500;

export const existingIds = (db: Db, ids: string[]) => db.selectFrom('sessions').select('id').where('id', 'in', ids);

export const statsSessions = (db: Db, accountId: string | null) => {
  const q = db
    .selectFrom('sessions')
    .select((eb) => [eb.fn.countAll<Num>().as('n'), eb.fn.min<Num | null>('last_active_at').as('oldest')]);
  return accountId === null ? q : q.where('account_id', '=', accountId);
};

export const statsTurns = (db: Db, accountId: string | null) => {
  const q = db.selectFrom('turns').select((eb) => eb.fn.countAll<Num>().as('n'));
  return accountId === null
    ? q
    : q.where('session_id', 'in', db.selectFrom('sessions').select('id').where('account_id', '=', accountId));
};
