import type { Selectable } from 'kysely';
import type { SessionsTable, TurnsTable } from './schema.js';
import { encodeCursor } from './cursor.js';
import type {
  SessionPage,
  SessionRecord,
  SessionStatus,
  TokenUsage,
  ToolCall,
  TurnRecord,
  TurnStatus,
} from './types.js';

/**
 * The single place where database rows become domain records. Every backend selects the same
 * columns, so every backend maps through here.
 */

export type SessionRow = Selectable<SessionsTable>;
export type TurnRow = Selectable<TurnsTable>;

export const ZERO_USAGE: TokenUsage = Object.freeze({
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
});

/** int8 arrives as a string from node-postgres; anything else would be a schema bug. */
export function toInt(value: number | string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new TypeError(`expected an integer column, got ${String(value)}`);
  return n;
}

function toIntOrNull(value: number | string | null): number | null {
  return value === null ? null : toInt(value);
}

/** Maps a `sessions` row to a `SessionRecord`. */
export function sessionFromRow(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    title: row.title,
    tags: JSON.parse(row.tags) as string[],
    status: row.status as SessionStatus,
    model: row.model,
    systemPrompt: row.system_prompt,
    approvalTools: row.approval_tools === null ? null : (JSON.parse(row.approval_tools) as string[]),
    builtinTools: row.builtin_tools == null ? null : (JSON.parse(row.builtin_tools) as string[]),
    createdAt: toInt(row.created_at),
    lastActiveAt: toInt(row.last_active_at),
    turnCount: toInt(row.turn_count),
    usage: {
      input_tokens: toInt(row.input_tokens),
      output_tokens: toInt(row.output_tokens),
      cache_read_input_tokens: toInt(row.cache_read_tokens),
      cache_creation_input_tokens: toInt(row.cache_write_tokens),
    },
    costUsd: Number(row.cost_usd),
    inheritedCostUsd: Number(row.inherited_cost_usd),
    forkedFrom: row.forked_from,
  };
}

/** Maps a `turns` row to a `TurnRecord`. */
export function turnFromRow(row: TurnRow): TurnRecord {
  return {
    id: row.id,
    sessionId: row.session_id,
    seq: toInt(row.seq),
    status: row.status as TurnStatus,
    prompt: row.prompt,
    responseText: row.response_text,
    toolCalls: JSON.parse(row.tool_calls) as ToolCall[],
    usage: JSON.parse(row.usage) as TokenUsage,
    costUsd: Number(row.cost_usd),
    durationMs: toInt(row.duration_ms),
    numTurns: toInt(row.num_turns),
    errorCode: row.error_code,
    errorMessage: row.error_message,
    createdAt: toInt(row.created_at),
    finishedAt: toIntOrNull(row.finished_at),
  };
}

/** A page of the session list from up to `limit + 1` rows: the extra row says another page follows. */
export function sessionPage(rows: SessionRow[], limit: number): SessionPage {
  const sessions = rows.slice(0, limit).map(sessionFromRow);
  const last = sessions.at(-1);
  const nextCursor =
    rows.length > limit && last !== undefined ? encodeCursor({ lastActiveAt: last.lastActiveAt, id: last.id }) : null;
  return { sessions, nextCursor };
}
