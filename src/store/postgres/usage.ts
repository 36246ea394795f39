import type { Kysely } from 'kysely';
import { spentFromRow, usageFromRow } from '../account-rows.js';
import { spentSinceQuery, usageReportQuery } from '../account-sql.js';
import type { Database } from '../schema.js';
import type { UsageLedger, UsageRow } from '../types.js';

/** Reads the usage ledger over PostgreSQL (`finishTurn` writes it). */
export class PostgresUsageLedger implements UsageLedger {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async report(accountId: string | null, fromDay: string, toDay: string): Promise<UsageRow[]> {
    return (await usageReportQuery(this.#db, accountId, fromDay, toDay).execute()).map(usageFromRow);
  }

  async spentSince(accountId: string, fromDay: string): Promise<{ costUsd: number; tokens: number }> {
    return spentFromRow(await spentSinceQuery(this.#db, accountId, fromDay).executeTakeFirst());
  }
}
