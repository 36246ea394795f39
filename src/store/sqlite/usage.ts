import type { Kysely } from 'kysely';
import { spentFromRow, usageFromRow } from '../account-rows.js';
import { spentSinceQuery, usageReportQuery } from '../account-sql.js';
import type { Database } from '../schema.js';
import type { UsageLedger, UsageRow } from '../types.js';
import type { SqliteRunner } from './runner.js';

/** Reads the usage ledger over SQLite (`finishTurn` writes it). */
export class SqliteUsageLedger implements UsageLedger {
  readonly #db: Kysely<Database>;
  readonly #run: SqliteRunner;

  constructor(db: Kysely<Database>, runner: SqliteRunner) {
    this.#db = db;
    this.#run = runner;
  }

  async report(accountId: string | null, fromDay: string, toDay: string): Promise<UsageRow[]> {
    return this.#run.all(usageReportQuery(this.#db, accountId, fromDay, toDay).compile()).map(usageFromRow);
  }

  async spentSince(accountId: string, fromDay: string): Promise<{ costUsd: number; tokens: number }> {
    return spentFromRow(this.#run.first(spentSinceQuery(this.#db, accountId, fromDay).compile()));
  }
}
