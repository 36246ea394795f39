import type { Kysely } from 'kysely';
import {
  addToReport,
  busyTurn,
  checkLimit,
  cutoffGroups,
  dueCandidates,
  dueCount,
  emptyReport,
  entryTotals,
  eventCount,
  existingIds,
  ID_CHUNK,
  oldestFirst,
  purgeStatements,
  sessionRow,
  statsFrom,
  statsSessions,
  statsTurns,
  stillDue,
  totalsFrom,
  turnCount,
  type Candidate,
  type SessionTotals,
} from '../retention-sql.js';
import type { Database } from '../schema.js';
import type { PurgeReport, RetentionCutoffs, RetentionStore, StorageStats } from '../types.js';
import type { SqliteRunner } from './runner.js';

/**
 * Retention over SQLite. Each session is re-checked and deleted inside one `write()` (BEGIN
 * IMMEDIATE), which every turn-starting transaction also takes, so a turn cannot slip in between
 * the check and the delete.
 */
export class SqliteRetention implements RetentionStore {
  readonly #db: Kysely<Database>;
  readonly #run: SqliteRunner;

  constructor(db: Kysely<Database>, runner: SqliteRunner) {
    this.#db = db;
    this.#run = runner;
  }

  async purge(
    cutoffs: RetentionCutoffs,
    opts: { dryRun: boolean; limit: number; accountId?: string },
  ): Promise<PurgeReport> {
    checkLimit(opts.limit);
    const report = emptyReport();
    if (opts.limit === 0) return report;
    const groups = cutoffGroups(cutoffs, opts.accountId);
    const picked = groups.map((g) => this.#run.all(dueCandidates(this.#db, g, opts.limit).compile()));
    for (const c of oldestFirst(picked, opts.limit)) {
      // One transaction per session: a crash leaves each session whole or entirely gone.
      const totals = this.#run.write(() => this.#purgeOne(c.id, cutoffs, opts.dryRun));
      if (totals !== null) addToReport(report, c, totals);
    }
    return report;
  }

  async stats(accountId: string | null, cutoffs: RetentionCutoffs): Promise<StorageStats> {
    const projectKey = accountId === null ? null : cutoffs.projectKey(accountId);
    return statsFrom(
      this.#run.first(statsSessions(this.#db, accountId).compile()),
      this.#run.first(statsTurns(this.#db, accountId).compile()),
      this.#run.first(entryTotals(this.#db, 'sqlite', projectKey).compile()),
      cutoffGroups(cutoffs, accountId ?? undefined).map((g) => this.#run.first(dueCount(this.#db, g).compile())),
    );
  }

  async existing(sessionIds: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < sessionIds.length; i += ID_CHUNK) {
      const rows = this.#run.all(existingIds(this.#db, sessionIds.slice(i, i + ID_CHUNK)).compile());
      for (const r of rows) found.add(r.id);
    }
    return found;
  }

  /** Counts (and unless dry, deletes) one session; null when it is no longer due. */
  #purgeOne(id: string, cutoffs: RetentionCutoffs, dryRun: boolean): SessionTotals | null {
    const row: Candidate | undefined = this.#run.first(sessionRow(this.#db, id).compile());
    const busy = this.#run.first(busyTurn(this.#db, id).compile()) !== undefined;
    if (!stillDue(row, busy, cutoffs)) return null;
    const projectKey = cutoffs.projectKey(row.account_id);
    const totals = totalsFrom(
      this.#run.first(turnCount(this.#db, id).compile()),
      this.#run.first(eventCount(this.#db, id).compile()),
      this.#run.first(entryTotals(this.#db, 'sqlite', projectKey, id).compile()),
    );
    if (!dryRun) for (const q of purgeStatements(this.#db, projectKey, id)) this.#run.run(q.compile());
    return totals;
  }
}
