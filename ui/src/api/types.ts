/** The API's shapes, as the server sends them (see src/http/schemas.ts). */

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export type SessionStatus = 'idle' | 'running' | 'crashed' | 'archived';

export interface Session {
  id: string;
  title: string | null;
  tags: string[];
  status: SessionStatus;
  model: string | null;
  created_at: string;
  last_active_at: string;
  turn_count: number;
  usage: Usage;
  cost_usd: number;
  forked_from: string | null;
}

export interface SessionPage {
  sessions: Session[];
  next_cursor: string | null;
}

export interface ToolCall {
  id: string;
  name: string;
  input: unknown;
  result: string | null;
  is_error: boolean;
  denied?: boolean;
}

export type TurnStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'interrupted';
export type FinishedStatus = 'succeeded' | 'failed' | 'interrupted';

export interface TurnError {
  code: string;
  message: string;
}

export interface Turn {
  id: string;
  session_id: string;
  seq: number;
  status: TurnStatus;
  prompt: string;
  response_text: string;
  tool_calls: ToolCall[];
  usage: Usage;
  cost_usd: number;
  duration_ms: number;
  num_turns: number;
  error: TurnError | null;
  created_at: string;
  finished_at: string | null;
}

export interface UserMessage {
  role: 'user';
  turn_id: string;
  content: string;
  created_at: string;
}

export interface AssistantMessage {
  role: 'assistant';
  turn_id: string;
  status: TurnStatus;
  content: string;
  tool_calls: ToolCall[];
  error: TurnError | null;
  cost_usd: number;
  duration_ms: number;
  usage: Usage;
  created_at: string | null;
}

export interface History {
  session_id: string;
  messages: (UserMessage | AssistantMessage)[];
}

export interface Health {
  status: string;
  demo: boolean;
  warning?: string;
  model: string;
  version: string;
}

type Ev<T extends string, P> = { id: number; type: T } & P;

export type StreamEvent =
  | Ev<'turn.started', { turn_id: string; session_id: string }>
  | Ev<'text.delta', { text: string }>
  | Ev<'thinking.delta', { text: string }>
  | Ev<'tool.started', { tool_use_id: string; name: string; input: unknown }>
  | Ev<'tool.finished', { tool_use_id: string; name: string; result: string; is_error: boolean }>
  | Ev<
      'permission.requested',
      { request_id: string; tool_use_id: string; tool: string; input: Record<string, unknown>; expires_at: string }
    >
  | Ev<'permission.resolved', { request_id: string; decision: 'allow' | 'deny'; reason: 'user' | 'timeout' | 'interrupted' }>
  | Ev<'usage', { usage: Usage }>
  | Ev<'model.retry', { attempt: number; max_retries: number; delay_ms: number; error_status: number | null }>
  | Ev<'turn.finished', { turn: Turn }>
  | Ev<'turn.failed', { code: string; message: string; turn: Turn }>;

export const isTerminal = (e: StreamEvent): e is Extract<StreamEvent, { type: 'turn.finished' | 'turn.failed' }> =>
  e.type === 'turn.finished' || e.type === 'turn.failed';
