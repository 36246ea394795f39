import type { Logger } from 'pino';
import type { TurnErrorCode } from '../errors.js';
import {
  fairShare,
  idleExpired,
  overBudget,
  planRoomFor,
  type EvictionReason,
  type PoolLimits,
  type PoolMember,
} from './pool-policy.js';
import type { WarmSession } from './warm-session.js';

export interface PoolStats {
  warm: number;
  busy: number;
  rssBytes: number;
  maxWarm: number;
  memoryBudgetBytes: number;
  spawns: number;
  evictions: Record<EvictionReason, number>;
  crashes: number;
  sessions: { id: string; pid: number | null; busy: boolean; rss_bytes: number; idle_ms: number; turns: number }[];
  accountMaxWarm: number;
  /** Per account: processes held in use (running a turn, or waiting on an approval) and turns waiting for one. */
  accounts: { account_id: string; in_use: number; waiting: number; share: number }[];
}

const SWEEP_MS = 5_000;

/**
 * The bounded set of warm sessions: at most `maxWarm` processes and `memoryBudgetBytes` of RSS.
 * Room is made by evicting the least recently used idle session; a session in use is never
 * evicted, and a newcomer that cannot fit waits until one frees up.
 */
export class WarmPool {
  private readonly sessions = new Map<string, WarmSession>();
  /** Leases taken by turns (running, or about to run) per session id. */
  private readonly leases = new Map<string, number>();
  private readonly rss = new Map<string, number>();
  private waiters: { accountId: string; wake: () => void }[] = [];
  /** The account of each leased session (a lease is a process held in use, approval waits included). */
  private readonly leaseAccount = new Map<string, string>();
  /** Turns waiting for a process (room or their account's share), per account. */
  private readonly waitingBy = new Map<string, number>();
  private spawns = 0;
  private crashes = 0;
  private readonly evictions: Record<EvictionReason, number> = {
    capacity: 0,
    memory: 0,
    idle_timeout: 0,
    settings_changed: 0,
    budget_spent: 0,
    stale: 0,
    deleted: 0,
  };
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly limits: PoolLimits,
    private readonly log: Logger,
  ) {
    this.sweeper = setInterval(() => void this.sweep(), Math.min(SWEEP_MS, limits.idleTimeoutMs)).unref();
  }

  /**
   * The warm session for `id`, leased for one turn (release it with `release`). Reuses the live
   * process when its settings match; otherwise makes room and spawns one with `spawn`.
   */
  async acquire(
    id: string,
    want: { accountId: string; fingerprint: string; turnBudgetUsd: number; stale: boolean },
    spawn: () => Promise<WarmSession>,
  ): Promise<WarmSession> {
    this.leases.set(id, (this.leases.get(id) ?? 0) + 1);
    try {
      await this.waitForShare(id, want.accountId);
      this.leaseAccount.set(id, want.accountId);
      const existing = this.sessions.get(id);
      if (existing?.alive && want.stale) await this.evict(id, 'stale');
      else if (existing?.alive && existing.fingerprint !== want.fingerprint) await this.evict(id, 'settings_changed');
      else if (existing?.alive && !existing.canAfford(want.turnBudgetUsd)) await this.evict(id, 'budget_spent');
      else if (existing?.alive) {
        this.wakeIfDoneWaiting(want.accountId);
        return existing;
      }
      await this.makeRoom(id, want.accountId);
      this.wakeIfDoneWaiting(want.accountId);
      const session = await spawn();
      this.sessions.set(id, session);
      this.spawns++;
      const reason = existing ? 'rebuild' : session.resumed ? 'resume' : 'new_session';
      this.log.info({ session_id: id, agent_pid: session.pid, reason, warm: this.sessions.size }, 'agent process spawned');
      return session;
    } catch (err) {
      this.release(id);
      throw err;
    }
  }

  release(id: string): void {
    const n = (this.leases.get(id) ?? 1) - 1;
    if (n <= 0) {
      this.leases.delete(id);
      this.leaseAccount.delete(id);
    } else this.leases.set(id, n);
    this.wake();
  }

  get(id: string): WarmSession | undefined {
    return this.sessions.get(id);
  }

  /** Called by a session whose process exited, for whatever reason. */
  onExit(session: WarmSession): void {
    if (this.sessions.get(session.sessionId) === session) this.sessions.delete(session.sessionId);
    this.rss.delete(session.sessionId);
    if (session.crashed) {
      this.crashes++;
      this.log.warn({ session_id: session.sessionId, agent_pid: session.pid }, 'agent process exited unexpectedly');
    }
    this.wake();
  }

  async evict(id: string, reason: EvictionReason): Promise<void> {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    this.rss.delete(id);
    this.evictions[reason]++;
    this.log.info({ session_id: id, agent_pid: session.pid, reason, turns: session.turnsServed }, 'agent process evicted');
    await session.close();
  }

  async stats(): Promise<PoolStats> {
    await this.measure();
    const now = Date.now();
    const list = [...this.sessions.values()].map((s) => ({
      id: s.sessionId,
      pid: s.pid,
      busy: s.busy,
      rss_bytes: this.rss.get(s.sessionId) ?? 0,
      idle_ms: s.busy ? 0 : now - s.lastUsedAt,
      turns: s.turnsServed,
    }));
    return {
      warm: list.length,
      busy: list.filter((s) => s.busy).length,
      rssBytes: list.reduce((sum, s) => sum + s.rss_bytes, 0),
      maxWarm: this.limits.maxWarm,
      memoryBudgetBytes: this.limits.memoryBudgetBytes,
      spawns: this.spawns,
      evictions: { ...this.evictions },
      crashes: this.crashes,
      sessions: list,
      accountMaxWarm: this.limits.accountMaxWarm,
      accounts: [...new Set([...this.holders().keys(), ...this.waitingBy.keys()])].sort().map((a) => ({
        account_id: a,
        in_use: this.holders().get(a) ?? 0,
        waiting: this.waitingBy.get(a) ?? 0,
        share: fairShare(a, this.holders(), new Set(this.waitingBy.keys()), this.limits),
      })),
    };
  }

  /** Processes held in use per account. */
  private holders(except?: string): Map<string, number> {
    const by = new Map<string, number>();
    for (const [sessionId, account] of this.leaseAccount) if (sessionId !== except) by.set(account, (by.get(account) ?? 0) + 1);
    return by;
  }

  /**
   * Waits while the account holds its fair share already (see pool-policy.ts `fairShare`), so
   * one tenant's turns — approval waits included, which hold a process at almost no cost —
   * cannot take the whole pool while others wait.
   */
  private async waitForShare(id: string, accountId: string): Promise<void> {
    for (;;) {
      const holders = this.holders(id);
      if ((holders.get(accountId) ?? 0) < fairShare(accountId, holders, new Set(this.waitingBy.keys()), this.limits)) return;
      await this.wait(accountId);
    }
  }

  private async wait(accountId: string): Promise<void> {
    this.waitingBy.set(accountId, (this.waitingBy.get(accountId) ?? 0) + 1);
    try {
      await new Promise<void>((resolve) => this.waiters.push({ accountId, wake: resolve }));
    } finally {
      const n = (this.waitingBy.get(accountId) ?? 1) - 1;
      if (n > 0) this.waitingBy.set(accountId, n);
      else this.waitingBy.delete(accountId);
    }
  }

  /** Ends every process; turns still running end with `failure`. */
  async close(failure: { code: TurnErrorCode; message: string }): Promise<void> {
    clearInterval(this.sweeper);
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.close(failure)));
  }

  private async makeRoom(forId: string, accountId: string): Promise<void> {
    for (;;) {
      const members = (await this.members()).filter((m) => m.id !== forId);
      const plan = planRoomFor(members, this.limits);
      for (const { id, reason } of plan.evict) await this.evict(id, reason);
      if (plan.fits) return;
      await this.wait(accountId);
    }
  }

  private async sweep(): Promise<void> {
    const members = await this.members();
    for (const id of idleExpired(members, Date.now(), this.limits.idleTimeoutMs)) await this.evict(id, 'idle_timeout');
    for (const id of overBudget(await this.members(), this.limits.memoryBudgetBytes)) await this.evict(id, 'memory');
  }

  private async members(): Promise<PoolMember[]> {
    await this.measure();
    return [...this.sessions.values()].map((s) => ({
      id: s.sessionId,
      inUse: s.busy || this.leases.has(s.sessionId),
      lastUsedAt: s.lastUsedAt,
      rssBytes: this.rss.get(s.sessionId) ?? 0,
    }));
  }

  private async measure(): Promise<void> {
    await Promise.all([...this.sessions.values()].map(async (s) => this.rss.set(s.sessionId, await s.rssBytes())));
  }

  /**
   * An account that got its process no longer waits, so the shares of the accounts it held back
   * may have grown: they look again. Only on success, so waiters that look again and still cannot
   * go never wake each other in a loop.
   */
  private wakeIfDoneWaiting(accountId: string): void {
    if (!this.waitingBy.has(accountId) && this.waiters.length > 0) this.wake();
  }

  /** Every waiter looks again; those of the accounts holding least look first. */
  private wake(): void {
    const held = this.holders();
    const waiters = this.waiters.sort((a, b) => (held.get(a.accountId) ?? 0) - (held.get(b.accountId) ?? 0));
    this.waiters = [];
    for (const w of waiters) w.wake();
  }
}
