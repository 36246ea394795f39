import type { Kysely, Updateable } from 'kysely';
import type { AccountsTable, Database } from './schema.js';
import type { AccountPatch } from './types.js';

/**
 * Account and usage-ledger statements built once for both backends (see queue-sql.ts): SQLite
 * compiles and runs them synchronously, PostgreSQL executes them.
 */
type Db = Kysely<Database>;

/** The columns an account patch changes; empty when it changes nothing. */
export function accountPatchValues(patch: AccountPatch): Updateable<AccountsTable> {
  return {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.limits !== undefined ? { limits: JSON.stringify(patch.limits) } : {}),
    ...(patch.toolPolicy !== undefined ? { tool_policy: JSON.stringify(patch.toolPolicy) } : {}),
  };
}

/** Ledger rows from `fromDay` to `toDay` (YYYY-MM-DD: text order is date order), one account or all. */
export function usageReportQuery(db: Db, accountId: string | null, fromDay: string, toDay: string) {
  let query = db.selectFrom('usage_daily').selectAll().where('day', '>=', fromDay).where('day', '<=', toDay);
  if (accountId !== null) query = query.where('account_id', '=', accountId);
  return query.orderBy('day').orderBy('account_id').orderBy('model');
}

/** The account's cost and input+output tokens from `fromDay` on (sums; NULL over no rows). */
export const spentSinceQuery = (db: Db, accountId: string, fromDay: string) =>
  db
    .selectFrom('usage_daily')
    .select((eb) => [
      eb.fn.sum<number | string | null>('cost_usd').as('cost'),
      eb.fn.sum<number | string | null>(eb('input_tokens', '+', eb.ref('output_tokens'))).as('tokens'),
    ])
    .where('account_id', '=', accountId)
    .where('day', '>=', fromDay);
