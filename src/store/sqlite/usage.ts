import type { Kysely } from 'kysely';
import { spentFromRow, usageFromRow } from '../account-rows.js';
import type { Database } from '../schema.js';
import type { UsageLedger, UsageRow } from '../types.js';
import type { SqliteRunner } from './runner.js';

/** Reads the usage ledger over SQLite (`finishTurn` writes it). Days are YYYY-MM-DD, so text order is date order. */
export class SqliteUsageLedger implements UsageLedger {
  readonly #db: Kysely<Database>;
  readonly #run: SqliteRunner;

  constructor(db: Kysely<Database>, runner: SqliteRunner) {
    this.#db = db;
    this.#run = runner;
  }

  async report(accountId: string | null, fromDay: string, toDay: string): Promise<UsageRow[]> {
    let query = this.#db.selectFrom('usage_daily').selectAll().where('day', '>=', fromDay).where('day', '<=', toDay);
    if (accountId !== null) query = query.where('account_id', '=', accountId);
    const rows = this.#run.all(query.orderBy('day').orderBy('account_id').orderBy('model').compile());
    return rows.map(usageFromRow);
  }

  async spentSince(accountId: string, fromDay: string): Promise<{ costUsd: number; tokens: number }> {
    const row = this.#run.first(
      this.#db
        .selectFrom('usage_daily')
        .select((eb) => [
          eb.fn.sum<number | string | null>('cost_usd').as('cost'),
          eb.fn.sum<number | string | null>(eb('input_tokens', '+', eb.ref('output_tokens'))).as('tokens'),
        ])
        .where('account_id', '=', accountId)
        .where('day', '>=', fromDay)
        .compile(),
    );
    return spentFromRow(row);
  }
}
