import { QueueFullError, SessionBusyError, TooManyTurnsError } from '../errors.js';

/** What to do with a message for a session that is already running a turn. */
export type IfBusy = 'reject' | 'enqueue' | 'interrupt';

/** Raised to a waiting ticket when a newer `interrupt` message takes its place. */
export class SupersededError extends Error {
  constructor() {
    super('A newer message interrupted this one before it ran.');
  }
}

export interface Ticket {
  readonly turnId: string;
  readonly mode: IfBusy;
  /** True when the turn may start at once; otherwise it waits in the session's queue. */
  readonly immediate: boolean;
  /** Resolves when it is this turn's go; rejects with SupersededError if it was dropped. */
  readonly ready: Promise<void>;
  /** Set by an interrupt that came before the turn reached the agent. */
  interruptRequested: boolean;
  /** Frees the lane for the next queued turn. Call exactly once, when the turn has ended. */
  done(): void;
}

interface Waiting {
  ticket: Ticket;
  go: () => void;
  drop: (err: Error) => void;
}

interface Lane {
  accountId: string;
  running: Ticket | null;
  queue: Waiting[];
}

export interface LaneLimits {
  maxQueued: number;
  accountMaxConcurrent: number;
}

/**
 * One lane per session: at most one turn runs, the others wait in order. This is what keeps a
 * transcript well-formed (every user message followed by its own answer), and it holds the
 * per-account cap on turns running at once.
 */
export class TurnLanes {
  private readonly lanes = new Map<string, Lane>();

  constructor(private readonly limits: LaneLimits) {}

  /**
   * Admits a turn or throws (SessionBusyError, QueueFullError, TooManyTurnsError) before anything
   * is written. `onInterrupt` is called when an `interrupt` message must stop the running turn.
   */
  admit(
    sessionId: string,
    accountId: string,
    turnId: string,
    mode: IfBusy,
    onInterrupt: (running: Ticket) => void,
  ): Ticket {
    const lane = this.lanes.get(sessionId) ?? { accountId, running: null, queue: [] };
    if (lane.running === null) {
      if (this.runningFor(accountId) >= this.limits.accountMaxConcurrent) {
        throw new TooManyTurnsError(this.limits.accountMaxConcurrent);
      }
      const ticket = this.ticket(sessionId, lane, turnId, mode, true, Promise.resolve());
      lane.running = ticket;
      this.lanes.set(sessionId, lane);
      return ticket;
    }
    if (mode === 'reject') throw new SessionBusyError(sessionId);
    if (mode === 'enqueue' && lane.queue.length >= this.limits.maxQueued) {
      throw new QueueFullError(sessionId, this.limits.maxQueued);
    }
    let go!: () => void;
    let drop!: (err: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      go = resolve;
      drop = reject;
    });
    ready.catch(() => {}); // a dropped ticket whose caller stopped listening is not an unhandled error
    const ticket = this.ticket(sessionId, lane, turnId, mode, false, ready);
    const waiting: Waiting = { ticket, go, drop };
    if (mode === 'interrupt') {
      // The newest interrupting message wins: earlier ones still waiting are dropped, and it runs next.
      for (const w of lane.queue.filter((q) => q.ticket.mode === 'interrupt')) w.drop(new SupersededError());
      lane.queue = [waiting, ...lane.queue.filter((q) => q.ticket.mode !== 'interrupt')];
      lane.running.interruptRequested = true;
      onInterrupt(lane.running);
    } else {
      lane.queue.push(waiting);
    }
    return ticket;
  }

  /** The ticket of the turn now running in a session, if any. */
  running(sessionId: string): Ticket | null {
    return this.lanes.get(sessionId)?.running ?? null;
  }

  /** Turns waiting behind running ones, over all sessions. */
  queuedCount(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.queue.length;
    return n;
  }

  /** Turns running now, over all sessions. */
  runningCount(): number {
    let n = 0;
    for (const lane of this.lanes.values()) if (lane.running) n++;
    return n;
  }

  private runningFor(accountId: string): number {
    let n = 0;
    for (const lane of this.lanes.values()) if (lane.accountId === accountId && lane.running) n++;
    return n;
  }

  private ticket(sessionId: string, lane: Lane, turnId: string, mode: IfBusy, immediate: boolean, ready: Promise<void>): Ticket {
    let finished = false;
    const ticket: Ticket = {
      turnId,
      mode,
      immediate,
      ready,
      interruptRequested: false,
      done: () => {
        if (finished) return;
        finished = true;
        this.release(sessionId, lane, ticket);
      },
    };
    return ticket;
  }

  private release(sessionId: string, lane: Lane, ticket: Ticket): void {
    const i = lane.queue.findIndex((w) => w.ticket === ticket);
    if (i >= 0) lane.queue.splice(i, 1); // a dropped or abandoned waiter
    if (lane.running !== ticket) return;
    const next = lane.queue.shift();
    lane.running = next?.ticket ?? null;
    if (next) next.go();
    else this.lanes.delete(sessionId);
  }
}
