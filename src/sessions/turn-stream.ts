import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { turnKey, type Hub } from '../cluster/hub.js';
import type { Catalog, EventLog, StoredEvent } from '../store/types.js';
import { terminalEvent } from './views.js';

export const TERMINAL_EVENTS = new Set(['turn.finished', 'turn.failed']);

/**
 * How long a write waits for more events when the stream is busy (the previous write ended less
 * than this ago). A bursting model sends a delta every ~1 ms, each its own event-loop turn: without
 * the linger each became a transaction and a wake-up of every reader. An event after a quiet spell
 * is not delayed at all; a busy stream's events at most this long.
 */
export const LINGER_MS = 2;

/**
 * Writes one turn's events to the log, in order, numbering them 1, 2, …; readers are woken after
 * each write, so a client only ever sees an event already durable. Group commit: a write starts
 * one event-loop turn after the first pending event (setImmediate), so the events the SDK parsed
 * from one chunk of the CLI's output go in one statement — and, while the stream is busy, only
 * after a bounded linger (LINGER_MS), so a burst of chunks goes in one; events arriving while a
 * write is in flight go in the next one.
 * The events still pending when the turn ends are written with its outcome (`takePending`).
 */
export class TurnStream {
  private seq = 0;
  private pending: StoredEvent[] = [];
  private writing: Promise<void> | null = null;
  /** Set from takePending() to written()/restore(): the caller writes the pending events. */
  private held = false;
  /** When the last write ended (monotonic ms): a stream written to this recently is busy. */
  private lastWriteEnd = -Infinity;
  /** Ends the linger early: the caller takes the pending events over (takePending). */
  private stopLinger: (() => void) | null = null;

  constructor(
    readonly turnId: string,
    private readonly log: EventLog,
    private readonly hub: Hub,
    private readonly now: () => number,
    /** The turn's own logger (its bindings carry turn_id). */
    private readonly logger: Logger,
  ) {}

  emit(type: string, data: Record<string, unknown>): void {
    this.pending.push({ seq: ++this.seq, type, data });
    if (!this.held) this.writing ??= this.drain();
  }

  /** The first `n` events were logged elsewhere (turn.started, with the admission): number on after them. */
  loggedBefore(n: number): void {
    this.seq = Math.max(this.seq, n);
  }

  /** Resolves once everything emitted so far is in the log. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /**
   * Waits for the write in flight and hands over the events not yet written; the caller logs
   * them (with the turn's outcome, in one transaction: see TurnService) and calls `written()`,
   * or gives them back with `restore()` when that failed.
   */
  async takePending(): Promise<StoredEvent[]> {
    // Held first: a write still lingering then leaves its batch to the caller; one under way
    // finishes. Later events wait too (a reader that saw one first would skip these for good).
    this.held = true;
    this.stopLinger?.();
    await this.flush();
    const events = this.pending;
    this.pending = [];
    return events;
  }

  /** Numbers an event for the caller to log itself (the closing one, written with the outcome). */
  number(type: string, data: Record<string, unknown>): StoredEvent {
    return { seq: ++this.seq, type, data };
  }

  /** The events `takePending` returned are in the log: wake the readers. */
  written(): void {
    this.held = false;
    this.hub.notify(turnKey(this.turnId));
    if (this.pending.length > 0) this.writing ??= this.drain();
  }

  /** Gives back events `takePending` returned that could not be written with the outcome. */
  restore(events: StoredEvent[]): void {
    this.held = false;
    this.pending = [...events, ...this.pending];
    if (this.pending.length > 0) this.writing ??= this.drain();
  }

  private async drain(): Promise<void> {
    try {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (performance.now() - this.lastWriteEnd < LINGER_MS && !this.held) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, LINGER_MS);
          this.stopLinger = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.stopLinger = null;
      }
      while (this.pending.length > 0 && !this.held) {
        const batch = this.pending;
        this.pending = [];
        try {
          await this.log.append(this.turnId, batch, this.now());
        } catch (err) {
          // The turn goes on and is recorded; only its replay has a hole. Say so loudly.
          this.logger.error({ err, lost: batch.length }, 'could not write turn events');
        }
        this.lastWriteEnd = performance.now();
        this.hub.notify(turnKey(this.turnId));
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
  hub: Hub;
  now: () => number;
}

/** A turn that ended this long ago without a terminal event never gets one (its server died). */
const TERMINAL_GRACE_MS = 2_000;

/**
 * Replays a turn's events after `afterSeq`, then follows it live until its terminal event,
 * yielding a heartbeat whenever nothing happened for `heartbeatMs`. Reads the log only — no
 * per-client buffer — so a slow reader holds back nobody but itself. Every event it yields is in
 * the log, so its id is one a reconnect can name.
 */
export async function* followTurn(
  { accountId, sessionId, turnId }: { accountId: string; sessionId: string; turnId: string },
  afterSeq: number,
  deps: FollowDeps,
  opts: { heartbeatMs: number; signal?: AbortSignal },
): AsyncGenerator<FollowItem> {
  let cursor = afterSeq;
  let quietSince = deps.now();
  // Whether the catalog was asked if the turn ended since the log last went quiet: asked at once,
  // so a stream that is complete but lacks its end (its server died) ends now, not after a heartbeat.
  let askedEnd = false;
  while (!opts.signal?.aborted) {
    const batch = await deps.events.read(turnId, cursor, 500);
    for (const event of batch) {
      cursor = event.seq;
      yield { kind: 'event', event };
      if (TERMINAL_EVENTS.has(event.type)) return;
    }
    if (batch.length > 0) {
      quietSince = deps.now();
      askedEnd = false;
      continue;
    }
    const quietFor = deps.now() - quietSince;
    if (!askedEnd || quietFor >= opts.heartbeatMs) {
      askedEnd = true;
      if (await closeIfEnded({ accountId, sessionId, turnId }, deps)) continue;
    }
    if (quietFor < opts.heartbeatMs) {
      // Woken or not (a wake-up from another instance may be lost), look at the log again.
      await deps.hub.wait(turnKey(turnId), opts.heartbeatMs - quietFor, opts.signal);
      continue;
    }
    quietSince = deps.now();
    yield { kind: 'heartbeat' };
  }
}

/**
 * A turn that ended a while ago without its terminal event in the log (its instance died before
 * writing it) gets it written now, from its record, as the log's next event; true if so.
 */
async function closeIfEnded(target: { accountId: string; sessionId: string; turnId: string }, deps: FollowDeps): Promise<boolean> {
  const turn = await deps.catalog.getTurn(target.accountId, target.sessionId, target.turnId);
  if (!turn || turn.finishedAt === null || deps.now() - turn.finishedAt <= TERMINAL_GRACE_MS) return false;
  const { type, data } = terminalEvent(turn);
  // Idempotent on (turn, seq): two readers closing the same stream write one event.
  await deps.events.append(target.turnId, [{ seq: (await deps.events.lastSeq(target.turnId)) + 1, type, data }], deps.now());
  return true;
}
