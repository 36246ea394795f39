import type { Logger } from 'pino';
import type { Catalog, EventLog, StoredEvent } from '../store/types.js';
import { turnView } from './views.js';

/** Wakes readers of a turn's event log when it grows. In-process here; across instances later. */
export interface EventHub {
  notify(turnId: string): void;
  /** Resolves true when `turnId` gets new events, false after `timeoutMs` or on abort. */
  wait(turnId: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
}

export class LocalEventHub implements EventHub {
  private readonly waiters = new Map<string, Set<() => void>>();

  notify(turnId: string): void {
    const set = this.waiters.get(turnId);
    if (!set) return;
    this.waiters.delete(turnId);
    for (const wake of set) wake();
  }

  wait(turnId: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const set = this.waiters.get(turnId) ?? new Set();
      this.waiters.set(turnId, set);
      const done = (woken: boolean) => {
        clearTimeout(timer);
        set.delete(wake);
        signal?.removeEventListener('abort', onAbort);
        resolve(woken);
      };
      const wake = () => done(true);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      set.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

export const TERMINAL_EVENTS = new Set(['turn.finished', 'turn.failed']);

/**
 * Writes one turn's events to the log, in order, numbering them 1, 2, …; readers are woken after
 * each write. Events that arrive while a write is in flight go together in the next one, so a
 * fast token stream costs one store round trip per batch, not per token.
 */
export class TurnStream {
  private seq = 0;
  private pending: StoredEvent[] = [];
  private writing: Promise<void> | null = null;

  constructor(
    readonly turnId: string,
    private readonly log: EventLog,
    private readonly hub: EventHub,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  emit(type: string, data: Record<string, unknown>): void {
    this.pending.push({ seq: ++this.seq, type, data });
    this.writing ??= this.drain();
  }

  /** Resolves once everything emitted so far is in the log. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        try {
          await this.log.append(this.turnId, batch, this.now());
        } catch (err) {
          // The turn goes on and is recorded; only its replay has a hole. Say so loudly.
          this.logger.error({ err, turn_id: this.turnId, lost: batch.length }, 'could not write turn events');
        }
        this.hub.notify(this.turnId);
      }
    } finally {
      this.writing = null;
    }
  }
}

export type FollowItem = { kind: 'event'; event: StoredEvent } | { kind: 'heartbeat' };

export interface FollowDeps {
  events: EventLog;
  catalog: Catalog;
  hub: EventHub;
  now: () => number;
}

/** A turn that ended this long ago without a terminal event never gets one (its server died). */
const TERMINAL_GRACE_MS = 2_000;

/**
 * Replays a turn's events after `afterSeq`, then follows it live until its terminal event,
 * yielding a heartbeat whenever nothing happened for `heartbeatMs`. Reads the log only — no
 * per-client buffer — so a slow reader holds back nobody but itself.
 */
export async function* followTurn(
  sessionId: string,
  turnId: string,
  afterSeq: number,
  deps: FollowDeps,
  opts: { heartbeatMs: number; signal?: AbortSignal },
): AsyncGenerator<FollowItem> {
  let cursor = afterSeq;
  while (!opts.signal?.aborted) {
    const batch = await deps.events.read(turnId, cursor, 500);
    for (const event of batch) {
      cursor = event.seq;
      yield { kind: 'event', event };
      if (TERMINAL_EVENTS.has(event.type)) return;
    }
    if (batch.length > 0) continue;
    const woken = await deps.hub.wait(turnId, opts.heartbeatMs, opts.signal);
    if (woken || opts.signal?.aborted) continue;
    const turn = await deps.catalog.getTurn(sessionId, turnId);
    if (turn && turn.finishedAt !== null && deps.now() - turn.finishedAt > TERMINAL_GRACE_MS) {
      // Ended without its stream being closed (e.g. failed at start-up recovery): close it now.
      const view = turnView(turn);
      const type = turn.status === 'failed' ? 'turn.failed' : 'turn.finished';
      const data = turn.status === 'failed' ? { code: view.error?.code, message: view.error?.message, turn: view } : { turn: view };
      yield { kind: 'event', event: { seq: cursor + 1, type, data } };
      return;
    }
    yield { kind: 'heartbeat' };
  }
}
