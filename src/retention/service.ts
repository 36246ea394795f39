import type { Logger } from 'pino';
import type { Limits } from '../accounts/limits.js';
import type { Accounts, PurgeReport, RetentionCutoffs, RetentionStore, StorageStats } from '../store/types.js';
import { sweepLocalTranscripts } from './local-files.js';

const DAY_MS = 86_400_000;
/** Sessions purged per store call; a long backlog goes in several. */
const BATCH = 200;
/** Purged session ids named in the purge's log line (`sessions` counts them all). */
const MAX_LOGGED_IDS = 50;

export interface RetentionDeps {
  store: RetentionStore;
  accounts: Accounts;
  defaults: Limits;
  projectKey(accountId: string): string;
  /** Ends warm processes of purged sessions here and on other instances, and removes local copies. */
  forget(accountId: string, sessionId: string): Promise<void>;
  /** The CLI's config dir: local transcript files of sessions that no longer exist are swept from it. */
  claudeConfigDir: string;
  now(): number;
  log: Logger;
}

export type PurgeResult = Omit<PurgeReport, 'purged'> & { dryRun: boolean; localFiles: number; sessionIds: string[] };

/**
 * Retention: sessions idle for longer than their account's retention (RETENTION_DAYS, or an
 * account's shorter one) are purged with their turns, events and transcripts, in the store and on
 * disk. Sessions with a queued or running turn are never touched.
 */
export class RetentionService {
  private running: Promise<PurgeResult> | null = null;

  constructor(private readonly deps: RetentionDeps) {}

  /** Purges now (or, dry, reports what would go). One purge at a time per instance. */
  purge(opts: { dryRun: boolean; accountId?: string }): Promise<PurgeResult> {
    if (opts.dryRun) return this.run(opts);
    this.running ??= this.run(opts)
      .then((r) => this.logged(r, opts.accountId))
      .finally(() => (this.running = null));
    return this.running;
  }

  /** What is stored (one account's, or everything) and how much of it is due for purge. */
  async stats(accountId: string | null): Promise<StorageStats & { retentionDays: number }> {
    const { cutoffs, days } = await this.cutoffs();
    const retentionDays = (accountId && days[accountId]) || this.deps.defaults.retentionDays;
    return { ...(await this.deps.store.stats(accountId, cutoffs)), retentionDays };
  }

  /** Runs the purge every `intervalMs` (unref'd); returns a stop function. */
  schedule(intervalMs: number): () => void {
    const tick = () =>
      void this.purge({ dryRun: false }).catch((err: unknown) => this.deps.log.error({ err }, 'retention purge failed'));
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** A purge that removed anything is logged, whoever started it (the schedule, the admin API, the CLI). */
  private logged(r: PurgeResult, accountId: string | undefined): PurgeResult {
    if (r.sessions > 0 || r.localFiles > 0) {
      const { sessions, turns, events, entries, bytes, localFiles, sessionIds } = r;
      const account = accountId ? { account_id: accountId } : {};
      const ids = sessionIds.slice(0, MAX_LOGGED_IDS);
      this.deps.log.info({ sessions, turns, events, entries, bytes, local_files: localFiles, ...account, session_ids: ids }, 'retention purge');
    }
    return r;
  }

  private async run({ dryRun, accountId }: { dryRun: boolean; accountId?: string }): Promise<PurgeResult> {
    const { cutoffs } = await this.cutoffs();
    const total: PurgeResult = { dryRun, sessions: 0, turns: 0, events: 0, entries: 0, bytes: 0, localFiles: 0, sessionIds: [] };
    for (;;) {
      const r = await this.deps.store.purge(cutoffs, { dryRun, limit: dryRun ? 100_000 : BATCH, ...(accountId ? { accountId } : {}) });
      total.sessions += r.sessions;
      total.turns += r.turns;
      total.events += r.events;
      total.entries += r.entries;
      total.bytes += r.bytes;
      for (const p of r.purged) {
        total.sessionIds.push(p.sessionId);
        if (!dryRun) await this.deps.forget(p.accountId, p.sessionId);
      }
      if (dryRun || r.sessions < BATCH) break;
    }
    if (!dryRun && this.deps.defaults.retentionDays > 0) {
      // Copies this instance kept of sessions that are gone (purged by another instance, say).
      total.localFiles = await sweepLocalTranscripts(this.deps.claudeConfigDir, cutoffs.defaultCutoff, (ids) =>
        this.deps.store.existing(ids),
      );
    }
    return total;
  }

  /** Cutoffs now, and the accounts whose own retention is shorter than the server's. */
  private async cutoffs(): Promise<{ cutoffs: RetentionCutoffs; days: Record<string, number> }> {
    const now = this.deps.now();
    const serverDays = this.deps.defaults.retentionDays;
    const perAccount: Record<string, number> = {};
    const days: Record<string, number> = {};
    for (const a of await this.deps.accounts.list()) {
      const own = a.limits.retentionDays;
      if (!own || (serverDays > 0 && own >= serverDays)) continue;
      perAccount[a.id] = now - own * DAY_MS;
      days[a.id] = own;
    }
    // 0 = keep forever: a cutoff before any session could have been active.
    const defaultCutoff = serverDays > 0 ? now - serverDays * DAY_MS : 0;
    return { cutoffs: { defaultCutoff, perAccount, projectKey: this.deps.projectKey }, days };
  }
}
