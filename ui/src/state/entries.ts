import type { AssistantMessage, FinishedStatus, History, StreamEvent, ToolCall, Turn, TurnError, Usage, UserMessage } from '../api/types';

/** What the conversation shows: the history and the live turn, in one shape. */

export interface ToolView {
  id: string;
  name: string;
  input: unknown;
  result: string | null;
  isError: boolean;
  denied: boolean;
}

export interface ApprovalView {
  requestId: string;
  toolUseId: string;
  tool: string;
  input: unknown;
  expiresAt: string;
}

export interface UserEntry {
  kind: 'user';
  key: string;
  turnId: string | null;
  text: string;
}

export interface AssistantEntry {
  kind: 'assistant';
  key: string;
  turnId: string | null;
  status: 'running' | FinishedStatus;
  text: string;
  thinking: string;
  tools: ToolView[];
  approvals: ApprovalView[];
  error: TurnError | null;
  costUsd: number;
  durationMs: number;
  usage: Usage | null;
  /** "the model is busy, retrying" while it lasts. */
  retry: string | null;
}

export type Entry = UserEntry | AssistantEntry;

let counter = 0;
/** React keys for entries that do not know their turn id yet. */
export const localKey = (prefix: string) => `${prefix}-local-${++counter}`;

export const userEntry = (text: string, turnId: string | null = null): UserEntry => ({
  kind: 'user',
  key: turnId ? `u-${turnId}` : localKey('u'),
  turnId,
  text,
});

export const runningEntry = (turnId: string | null = null): AssistantEntry => ({
  kind: 'assistant',
  key: turnId ? `a-${turnId}` : localKey('a'),
  turnId,
  status: 'running',
  text: '',
  thinking: '',
  tools: [],
  approvals: [],
  error: null,
  costUsd: 0,
  durationMs: 0,
  usage: null,
  retry: null,
});

const toolView = (c: ToolCall): ToolView => ({
  id: c.id,
  name: c.name,
  input: c.input,
  result: c.result,
  isError: c.is_error,
  denied: c.denied === true,
});

function finishedEntry(m: AssistantMessage): AssistantEntry {
  return {
    ...runningEntry(m.turn_id),
    status: m.status === 'queued' || m.status === 'running' ? 'running' : m.status,
    text: m.content,
    tools: m.tool_calls.map(toolView),
    error: m.error,
    costUsd: m.cost_usd,
    durationMs: m.duration_ms,
    usage: m.usage,
  };
}

/** The history as entries; a turn still queued or running gets a running answer to stream into. */
export function fromHistory(h: History): { entries: Entry[]; runningTurn: string | null } {
  const entries: Entry[] = h.messages.map((m) => (m.role === 'user' ? userEntry(m.content, m.turn_id) : finishedEntry(m)));
  const last = h.messages.at(-1);
  if (last?.role !== 'user') return { entries, runningTurn: null };
  return { entries: [...entries, runningEntry(last.turn_id)], runningTurn: last.turn_id };
}

/** The newest message the person sent, to tell our own new turn from an old one. */
export const lastUserMessage = (h: History): UserMessage | undefined =>
  h.messages.findLast((m): m is UserMessage => m.role === 'user');

/** One stream event applied to the live answer. */
export function applyEvent(a: AssistantEntry, ev: StreamEvent): AssistantEntry {
  switch (ev.type) {
    case 'turn.started':
      return { ...a, turnId: ev.turn_id };
    case 'text.delta':
      return { ...a, text: a.text + ev.text, retry: null };
    case 'thinking.delta':
      return { ...a, thinking: a.thinking + ev.text, retry: null };
    case 'tool.started':
      return {
        ...a,
        retry: null,
        tools: [...a.tools, { id: ev.tool_use_id, name: ev.name, input: ev.input, result: null, isError: false, denied: false }],
      };
    case 'tool.finished':
      return {
        ...a,
        tools: a.tools.map((t) => (t.id === ev.tool_use_id ? { ...t, result: ev.result, isError: ev.is_error } : t)),
      };
    case 'permission.requested':
      return {
        ...a,
        approvals: [
          ...a.approvals,
          { requestId: ev.request_id, toolUseId: ev.tool_use_id, tool: ev.tool, input: ev.input, expiresAt: ev.expires_at },
        ],
      };
    case 'permission.resolved': {
      const req = a.approvals.find((p) => p.requestId === ev.request_id);
      const denied = ev.decision === 'deny' && req ? req.toolUseId : null;
      return {
        ...a,
        approvals: a.approvals.filter((p) => p.requestId !== ev.request_id),
        tools: a.tools.map((t) => (t.id === denied ? { ...t, denied: true } : t)),
      };
    }
    case 'usage':
      return a; // the totals come with the terminal event
    case 'model.retry':
      return { ...a, retry: `The model did not answer; retrying (attempt ${ev.attempt} of ${ev.max_retries})…` };
    case 'turn.finished':
      return finish(a, ev.turn, ev.turn.error);
    case 'turn.failed':
      return finish(a, ev.turn, { code: ev.code, message: ev.message });
  }
}

/** The terminal event's turn is the truth: the same text, tool calls and totals a reload shows. */
function finish(a: AssistantEntry, turn: Turn, error: TurnError | null): AssistantEntry {
  const status: FinishedStatus = turn.status === 'succeeded' || turn.status === 'interrupted' ? turn.status : 'failed';
  return {
    ...a,
    turnId: turn.id,
    status,
    text: turn.response_text || a.text,
    tools: turn.tool_calls.length ? turn.tool_calls.map(toolView) : a.tools,
    approvals: [],
    error,
    costUsd: turn.cost_usd,
    durationMs: turn.duration_ms,
    usage: turn.usage,
    retry: null,
  };
}

/** A live answer that could not be followed to its end. */
export const failLocally = (a: AssistantEntry, code: string, message: string): AssistantEntry =>
  a.status === 'running' ? { ...a, status: 'failed', approvals: [], retry: null, error: { code, message } } : a;

export type ToolState = 'running' | 'done' | 'error' | 'denied';

export function toolState(t: ToolView, turnRunning: boolean): ToolState {
  if (t.denied) return 'denied';
  if (t.isError) return 'error';
  if (t.result !== null) return 'done';
  // A finished turn whose tool never returned (interrupted, crashed): it did not complete.
  return turnRunning ? 'running' : 'error';
}
