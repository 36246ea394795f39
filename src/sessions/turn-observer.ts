import type { TokenUsage } from '../store/types.js';

/** How one turn ended, as an observer (metrics) sees it. Only bounded facts: no ids but the account's. */
export interface TurnEnd {
  accountId: string;
  /** The status the catalog recorded (another instance may have failed the turn meanwhile). */
  status: 'succeeded' | 'failed' | 'interrupted';
  /** The model that answered; null when the turn never reached it. */
  model: string | null;
  /** What the turn spent here (also when the catalog kept another outcome). */
  usage: TokenUsage;
  costUsd: number;
  /** The agent's run time (the turn's `duration_ms`); null when the turn ended before it ran (queued). */
  durationMs: number | null;
  errorCode: string | null;
  /** From the turn starting to run to its first `text.delta`; null when no text came. */
  firstTokenMs: number | null;
}

/** Told about every turn this instance admitted, once, when it has ended. Must not throw (it is guarded anyway). */
export interface TurnObserver {
  onTurnEnd(end: TurnEnd): void;
}
