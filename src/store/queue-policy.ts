import type { ActiveTurn, AdmissionRefusal, IfBusy } from './types.js';

/**
 * The queue rules every backend applies inside its admit/claim transactions, as pure functions
 * of a session's active turns, so SQLite and PostgreSQL cannot disagree on them.
 */

export type Decision =
  | { kind: 'run' }
  | { kind: 'queue'; priority: number; supersede: string[]; interrupt: ActiveTurn | null }
  | { kind: 'refuse'; reason: AdmissionRefusal };

export interface DecisionInput {
  /** The session is archived: read-only until unarchived. */
  archived: boolean;
  active: ActiveTurn[];
  ifBusy: IfBusy;
  maxQueued: number;
  /** Turns of the account running now, on every instance. */
  accountRunning: number;
  accountMaxConcurrent: number;
}

export function decideAdmission({ archived, active, ifBusy, maxQueued, accountRunning, accountMaxConcurrent }: DecisionInput): Decision {
  if (archived) return { kind: 'refuse', reason: 'archived' };
  if (active.length === 0) {
    return accountRunning >= accountMaxConcurrent ? { kind: 'refuse', reason: 'too_many_turns' } : { kind: 'run' };
  }
  if (ifBusy === 'reject') return { kind: 'refuse', reason: 'busy' };
  const queued = active.filter((t) => t.status === 'queued');
  if (ifBusy === 'enqueue') {
    return queued.length >= maxQueued
      ? { kind: 'refuse', reason: 'queue_full' }
      : { kind: 'queue', priority: 0, supersede: [], interrupt: null };
  }
  // The newest interrupting message wins: earlier ones still waiting are dropped, and it runs next.
  return {
    kind: 'queue',
    priority: 1,
    supersede: queued.filter((t) => t.priority > 0).map((t) => t.turnId),
    interrupt: active.find((t) => t.status === 'running') ?? null,
  };
}

/** Whether an account holding `count` sessions is at its limit (none when `maxSessions` is undefined). */
export function atSessionLimit(count: number, maxSessions: number | undefined): boolean {
  return maxSessions !== undefined && count >= maxSessions;
}

/** Running first, then waiting turns in the order they will run. */
export function runOrder(active: ActiveTurn[]): ActiveTurn[] {
  return [...active].sort(
    (a, b) => (a.status === 'running' ? -1 : 0) - (b.status === 'running' ? -1 : 0) || b.priority - a.priority || a.seq - b.seq,
  );
}

/** Whether `turnId` may start now: nothing runs and it is first in line. */
export function isNext(active: ActiveTurn[], turnId: string): boolean {
  const [first] = runOrder(active);
  return first?.status === 'queued' && first.turnId === turnId;
}

/** Why a waiting turn replaced by a newer `interrupt` message ended (as `interrupted`). */
export const SUPERSEDED_MESSAGE = 'A newer message interrupted this one before it ran.';

/** Thrown inside an admit transaction to roll it back (a new session included); admit returns the reason. */
export class Refused extends Error {
  constructor(readonly reason: AdmissionRefusal) {
    super(reason);
  }
}
