import type { Kysely } from 'kysely';
import { spentFromRow, usageFromRow } from '../account-rows.js';
import type { Database } from '../schema.js';
import type { UsageLedger, UsageRow } from '../types.js';

/** Reads the usage ledger over PostgreSQL (`finishTurn` writes it). Days are YYYY-MM-DD, so text order is date order. */
export class PostgresUsageLedger implements UsageLedger {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async report(accountId: string | null, fromDay: string, toDay: string): Promise<UsageRow[]> {
    let query = this.#db.selectFrom('usage_daily').selectAll().where('day', '>=', fromDay).where('day', '<=', toDay);
    if (accountId !== null) query = query.where('account_id', '=', accountId);
    const rows = await query.orderBy('day').orderBy('account_id').orderBy('model').execute();
    return rows.map(usageFromRow);
  }

  async spentSince(accountId: string, fromDay: string): Promise<{ costUsd: number; tokens: number }> {
    const row = await this.#db
      .selectFrom('usage_daily')
      .select((eb) => [
        eb.fn.sum<number | string | null>('cost_usd').as('cost'),
        eb.fn.sum<number | string | null>(eb('input_tokens', '+', eb.ref('output_tokens'))).as('tokens'),
      ])
      .where('account_id', '=', accountId)
      .where('day', '>=', fromDay)
      .executeTakeFirst();
    return spentFromRow(row);
  }
}
