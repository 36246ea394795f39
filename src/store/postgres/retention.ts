import type { Kysely, Transaction } from 'kysely';
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
  type SessionTotals,
} from '../retention-sql.js';
import type { Database } from '../schema.js';
import type { PurgeReport, RetentionCutoffs, RetentionStore, StorageStats } from '../types.js';

/**
 * Retention over PostgreSQL. Each session is purged in its own transaction that first locks the
 * session row (`FOR UPDATE`), as the turn admitter does before inserting a turn: a turn admitted
 * concurrently either committed first (the re-check sees it and skips the session) or waits for
 * the lock and then finds no session.
 */
export class PostgresRetention implements RetentionStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async purge(
    cutoffs: RetentionCutoffs,
    opts: { dryRun: boolean; limit: number; accountId?: string },
  ): Promise<PurgeReport> {
    checkLimit(opts.limit);
    const report = emptyReport();
    if (opts.limit === 0) return report;
    const groups = cutoffGroups(cutoffs, opts.accountId);
    const picked = await Promise.all(groups.map((g) => dueCandidates(this.#db, g, opts.limit).execute()));
    for (const c of oldestFirst(picked, opts.limit)) {
      // One transaction per session: a crash leaves each session whole or entirely gone.
      const totals = await this.#db.transaction().execute((tx) => this.#purgeOne(tx, c.id, cutoffs, opts.dryRun));
      if (totals !== null) addToReport(report, c, totals);
    }
    return report;
  }

  async stats(accountId: string | null, cutoffs: RetentionCutoffs): Promise<StorageStats> {
    const projectKey = accountId === null ? null : cutoffs.projectKey(accountId);
    const [sessions, turns, entries, due] = await Promise.all([
      statsSessions(this.#db, accountId).executeTakeFirst(),
      statsTurns(this.#db, accountId).executeTakeFirst(),
      entryTotals(this.#db, 'postgres', projectKey).executeTakeFirst(),
      Promise.all(cutoffGroups(cutoffs, accountId ?? undefined).map((g) => dueCount(this.#db, g).executeTakeFirst())),
    ]);
    return statsFrom(sessions, turns, entries, due);
  }

  async existing(sessionIds: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < sessionIds.length; i += ID_CHUNK) {
      const rows = await existingIds(this.#db, sessionIds.slice(i, i + ID_CHUNK)).execute();
      for (const r of rows) found.add(r.id);
    }
    return found;
  }

  /** Counts (and unless dry, deletes) one session; null when it is no longer due. */
  async #purgeOne(
    tx: Transaction<Database>,
    id: string,
    cutoffs: RetentionCutoffs,
    dryRun: boolean,
  ): Promise<SessionTotals | null> {
    // A dry run changes nothing, so it need not hold up the admitter.
    const select = sessionRow(tx, id);
    const row = await (dryRun ? select : select.forUpdate()).executeTakeFirst();
    const busy = (await busyTurn(tx, id).executeTakeFirst()) !== undefined;
    if (!stillDue(row, busy, cutoffs)) return null;
    const projectKey = cutoffs.projectKey(row.account_id);
    const totals = totalsFrom(
      await turnCount(tx, id).executeTakeFirst(),
      await eventCount(tx, id).executeTakeFirst(),
      await entryTotals(tx, 'postgres', projectKey, id).executeTakeFirst(),
    );
    if (!dryRun) for (const q of purgeStatements(tx, projectKey, id)) await q.execute();
    return totals;
  }
}
