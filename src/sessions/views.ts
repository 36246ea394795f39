import type { TurnRecord } from '../store/types.js';

/**
 * The public shape of a turn: what the blocking call returns and what `turn.finished` carries.
 * It lives with the domain because the event log stores it too (a stream is self-contained).
 */
export interface TurnView {
  id: string;
  session_id: string;
  seq: number;
  status: TurnRecord['status'];
  prompt: string;
  response_text: string;
  tool_calls: TurnRecord['toolCalls'];
  usage: TurnRecord['usage'];
  cost_usd: number;
  duration_ms: number;
  num_turns: number;
  error: { code: string; message: string } | null;
  created_at: string;
  finished_at: string | null;
}

export const iso = (ms: number) => new Date(ms).toISOString();

export function turnView(t: TurnRecord): TurnView {
  return {
    id: t.id,
    session_id: t.sessionId,
    seq: t.seq,
    status: t.status,
    prompt: t.prompt,
    response_text: t.responseText,
    tool_calls: t.toolCalls,
    usage: t.usage,
    cost_usd: t.costUsd,
    duration_ms: t.durationMs,
    num_turns: t.numTurns,
    error: t.errorCode ? { code: t.errorCode, message: t.errorMessage ?? '' } : null,
    created_at: iso(t.createdAt),
    finished_at: t.finishedAt === null ? null : iso(t.finishedAt),
  };
}


/** The event that closes a turn's stream, from its record. */
export function terminalEvent(turn: TurnRecord): { type: 'turn.finished' | 'turn.failed'; data: Record<string, unknown> } {
  const view = turnView(turn);
  return turn.status === 'failed'
    ? { type: 'turn.failed', data: { code: view.error?.code, message: view.error?.message, turn: view } }
    : { type: 'turn.finished', data: { turn: view } };
}
