import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { SessionCursor } from './cursor.js';
import type { Database } from './schema.js';
import type { SessionListQuery } from './types.js';
import { ACTIVE_TURN } from './values.js';

/**
 * Catalog statements built once for both backends (see queue-sql.ts for the same idea): SQLite
 * compiles and runs them synchronously, PostgreSQL executes them. The few dialect forks (case-
 * insensitive LIKE, JSON array membership) take the dialect explicitly.
 */
type Db = Kysely<Database>;
export type Dialect = 'sqlite' | 'postgres';

/** Sessions the account holds, archived ones included: what `maxSessions` limits. */
export const accountSessionCountQuery = (db: Db, accountId: string) =>
  db
    .selectFrom('sessions')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('account_id', '=', accountId);

/** A queued or running turn of the session, if any. */
export const anyActiveTurnQuery = (db: Db, sessionId: string) =>
  db.selectFrom('turns').select('id').where('session_id', '=', sessionId).where('status', 'in', ACTIVE_TURN).limit(1);

/** The session's turns, only if the session belongs to the account. */
export const accountTurnsQuery = (db: Db, accountId: string, sessionId: string) =>
  db
    .selectFrom('turns')
    .innerJoin('sessions', 'sessions.id', 'turns.session_id')
    .selectAll('turns')
    .where('turns.session_id', '=', sessionId)
    .where('sessions.account_id', '=', accountId);

/** The finished turns a fork copies: up to `throughSeq` (all when null), in seq order. */
export function forkableTurnsQuery(db: Db, sessionId: string, throughSeq: number | null) {
  let q = db.selectFrom('turns').selectAll().where('session_id', '=', sessionId).where('status', 'not in', ACTIVE_TURN);
  if (throughSeq !== null) q = q.where('seq', '<=', throughSeq);
  return q.orderBy('seq');
}

/** Rows per multi-row insert: well under SQLite's and PostgreSQL's bound-parameter limits. */
/** See Catalog.recoverResponseText: only a failed turn, only when it has no text of its own. */
export const recoverTextQuery = (db: Db, turnId: string, text: string) =>
  db.updateTable('turns').set({ response_text: text }).where('id', '=', turnId).where('status', '=', 'failed').where('response_text', '=', '');

export const INSERT_CHUNK = 100;

export function chunks<T>(items: T[], size = INSERT_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Escapes LIKE's metacharacters so user text matches only itself (used with ESCAPE '\'). */
export const escapeLike = (text: string): string => text.replace(/[\\%_]/g, '\\$&');

/** Title contains `text`, ignoring case (SQLite's LIKE already ignores ASCII case; PostgreSQL needs ILIKE). */
function titleContains(dialect: Dialect, text: string): Expression<SqlBool> {
  const op = dialect === 'postgres' ? sql`ilike` : sql`like`;
  return sql<SqlBool>`sessions.title ${op} ${`%${escapeLike(text)}%`} escape '\\'`;
}

/**
 * `tags` (a JSON text array) holds `tag` exactly. Asked of the JSON rather than by LIKE on the
 * text: SQLite's LIKE ignores case, and a substring test on the encoded array also matches a
 * tag inside another one that contains quotes (`x"a` is stored as `"x\"a"`, which holds `"a"`).
 */
function hasTag(dialect: Dialect, tag: string): Expression<SqlBool> {
  return dialect === 'postgres'
    ? sql<SqlBool>`sessions.tags::jsonb @> jsonb_build_array(${tag}::text)`
    : sql<SqlBool>`exists (select 1 from json_each(sessions.tags) where json_each.value = ${tag})`;
}

/** One page (plus one row, to tell whether another follows) of the account's filtered session list. */
export function sessionListQuery(db: Db, dialect: Dialect, query: SessionListQuery, after: SessionCursor | null) {
  let select = db
    .selectFrom('sessions')
    .selectAll()
    .where('account_id', '=', query.accountId)
    .where('status', query.archived === true ? '=' : '!=', 'archived');
  if (query.search !== undefined && query.search !== '') select = select.where(titleContains(dialect, query.search));
  if (query.tag !== undefined) select = select.where(hasTag(dialect, query.tag));
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
  return select.orderBy('last_active_at', 'desc').orderBy('id', 'asc').limit(query.limit + 1);
}
