import type { Logger } from 'pino';
import type { LostTurn, TurnQueue } from '../store/types.js';

const RESTARTED = { code: 'server_restarted', message: 'The server stopped while this turn was running.' };
const LOST = { code: 'instance_lost', message: 'The instance running this turn stopped answering.' };

export interface MembershipOptions {
  queue: TurnQueue;
  instanceId: string;
  /** Host and data directory: what a restarted process of this instance has in common with it. */
  home: string;
  /** Several instances share the store (PostgreSQL); false: this is the only one (SQLite). */
  shared: boolean;
  /** A shared instance that has not heartbeat for this long is dead, and its turns are failed. */
  leaseTtlMs: number;
  now: () => number;
  log: Logger;
  /** Called with the turns failed because their instance was lost, to close their streams. */
  onLost: (turns: LostTurn[]) => Promise<void>;
  /** Called when the others declared this instance dead (it stalled): its own turns were failed. */
  onFenced: () => void;
}

/**
 * This instance's lease on its turns. A turn belongs to the instance that runs it for as long as
 * that instance heartbeats; every instance sweeps, failing the turns of instances silent for
 * longer than the lease (`instance_lost`) so their sessions move on. At start-up the turns of
 * an earlier process with the same home, and with one instance (SQLite) every turn left active,
 * fail at once (`server_restarted`).
 */
export class Membership {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: MembershipOptions) {}

  async start(): Promise<void> {
    const { queue, instanceId, home, now, shared, leaseTtlMs } = this.opts;
    await queue.registerInstance(instanceId, home, now());
    // An earlier process of this instance (same home) is certainly gone: its turns fail now.
    await this.sweep(shared ? 0 : now(), RESTARTED);
    if (!shared) return;
    await this.sweep(now() - leaseTtlMs, LOST);
    // Three heartbeats per lease: one late or lost beat does not cost the lease.
    this.timer = setInterval(() => void this.beat(), Math.max(100, Math.floor(leaseTtlMs / 3)));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.opts.queue.deregisterInstance(this.opts.instanceId).catch(() => {});
  }

  private async beat(): Promise<void> {
    const { queue, instanceId, now, leaseTtlMs, log } = this.opts;
    try {
      if (!(await queue.heartbeat(instanceId, now()))) {
        log.error({ instance_id: instanceId }, 'this instance was declared lost (heartbeats stalled); its turns were failed');
        this.opts.onFenced();
        await queue.registerInstance(instanceId, this.opts.home, now());
        log.info({ instance_id: instanceId }, 'instance registered again; it takes new turns');
      }
      await this.sweep(now() - leaseTtlMs, LOST);
    } catch (err) {
      log.warn({ err, instance_id: instanceId }, 'instance heartbeat failed');
    }
  }

  private async sweep(liveSince: number, error: { code: string; message: string }): Promise<void> {
    const { queue, now, log } = this.opts;
    const lost = await queue.failLost(liveSince, error, now());
    if (lost.length === 0) return;
    const byInstance = new Map<string | null, number>();
    for (const t of lost) byInstance.set(t.instanceId ?? null, (byInstance.get(t.instanceId ?? null) ?? 0) + 1);
    for (const [instance, turns] of byInstance) {
      const what = error.code === LOST.code ? 'instance declared lost' : 'instance gone (an earlier process of this one)';
      log.warn({ instance_id: instance, turns, code: error.code, by_instance_id: this.opts.instanceId }, `${what}: its turns were failed`);
    }
    for (const t of lost) {
      const ids = { session_id: t.sessionId, turn_id: t.turnId, account_id: t.accountId, instance_id: t.instanceId ?? null };
      log.warn({ ...ids, code: error.code }, 'turn failed: its instance is gone');
    }
    await this.opts.onLost(lost);
  }
}
