import type { Logger } from 'pino';
import {
  NotFoundError,
  QueueFullError,
  SessionArchivedError,
  SessionBusyError,
  TooManySessionsError,
  TooManyTurnsError,
  type DomainError,
} from '../errors.js';
import type { Limits } from '../accounts/limits.js';
import { zeroUsage } from '../runtime/turn-mapper.js';
import type { AdmissionRefusal, TurnOutcome, TurnRecord } from '../store/types.js';
import type { TurnEnd, TurnObserver } from './turn-observer.js';

/** How a turn's end is told to the logs and to the observer (metrics); neither can affect the turn. */
export class TurnReporter {
  constructor(private readonly opts: { log: Logger; observer?: TurnObserver; logMessages?: boolean }) {}

  /** `{ [key]: text }` only with LOG_MESSAGES: message text is user data and stays out of logs. */
  text(key: string, text: string): Record<string, string> {
    return this.opts.logMessages ? { [key]: text } : {};
  }

  /** The turn's closing line: how it ended and what it cost (its answer only with LOG_MESSAGES). */
  logEnd(log: Logger, turn: TurnRecord): void {
    const fields = {
      status: turn.status,
      ...(turn.errorCode ? { error_code: turn.errorCode, error_message: turn.errorMessage } : {}),
      duration_ms: turn.durationMs,
      num_turns: turn.numTurns,
      cost_usd: turn.costUsd,
      input_tokens: turn.usage.input_tokens,
      output_tokens: turn.usage.output_tokens,
      ...this.text('response', turn.responseText),
    };
    if (turn.status === 'failed') log.warn(fields, 'turn finished');
    else log.info(fields, 'turn finished');
  }

  /** Tells the observer how a turn ended; an observer's failure never touches the turn. */
  observe(
    turnId: string,
    accountId: string,
    turn: Pick<TurnRecord, 'status' | 'errorCode'>,
    outcome: TurnOutcome | null,
    firstTokenMs: number | null,
  ): void {
    const observer = this.opts.observer;
    if (!observer || (turn.status !== 'succeeded' && turn.status !== 'failed' && turn.status !== 'interrupted')) return;
    const end: TurnEnd = {
      accountId,
      status: turn.status,
      model: outcome?.model ?? null,
      usage: outcome?.usage ?? zeroUsage(),
      costUsd: outcome?.costUsd ?? 0,
      durationMs: outcome ? outcome.durationMs : null,
      errorCode: turn.errorCode,
      firstTokenMs,
    };
    try {
      observer.onTurnEnd(end);
    } catch (err) {
      this.opts.log.warn({ err, turn_id: turnId }, 'turn observer failed');
    }
  }
}

/** The outcome of a turn that never reached the agent (or failed around it). */
export function emptyOutcome(status: 'interrupted' | 'failed', errorCode: string | null, message: string): TurnOutcome {
  return {
    status,
    responseText: '',
    toolCalls: [],
    usage: zeroUsage(),
    costUsd: 0,
    durationMs: 0,
    numTurns: 0,
    errorCode,
    errorMessage: message,
    model: null,
  };
}

/** Why the queue refused a message, as the domain error the caller gets. */
export function refusalError(reason: AdmissionRefusal, sessionId: string, limits: Limits, maxQueued: number): DomainError {
  switch (reason) {
    case 'session_not_found':
      return new NotFoundError('session', sessionId);
    case 'archived':
      return new SessionArchivedError(sessionId);
    case 'too_many_sessions':
      return new TooManySessionsError(limits.maxSessions);
    case 'busy':
      return new SessionBusyError(sessionId);
    case 'queue_full':
      return new QueueFullError(sessionId, maxQueued);
    case 'too_many_turns':
      return new TooManyTurnsError(limits.maxConcurrentTurns);
  }
}

const TITLE_MAX = 80;

/** A new session's title: the first line of its first message, shortened. */
export function titleFrom(message: string): string {
  const line = message.trim().split('\n')[0] ?? '';
  return line.length > TITLE_MAX ? `${line.slice(0, TITLE_MAX - 1)}…` : line || 'New session';
}
