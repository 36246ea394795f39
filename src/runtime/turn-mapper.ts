import type { SDKMessage, SDKResultMessage } from '@anthropic-ai/claude-agent-sdk';
import type { TurnErrorCode } from '../errors.js';
import type { TokenUsage, ToolCall } from '../store/types.js';
import type { AgentEvent } from './events.js';

/** What one turn produced, read from the SDK's messages. */
export interface TurnResult {
  status: 'succeeded' | 'failed';
  sessionId: string | null;
  model: string | null;
  responseText: string;
  toolCalls: ToolCall[];
  usage: TokenUsage;
  /** The SDK's `total_cost_usd`: cumulative over the session, not per turn (see cost.ts). */
  cumulativeCostUsd: number | null;
  numTurns: number;
  error: { code: TurnErrorCode; message: string } | null;
}

export const zeroUsage = (): TokenUsage => ({
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
});

type ContentBlock = { type: string; [k: string]: unknown };

/**
 * Maps the SDK's message stream of ONE turn to our events and accumulates the turn's result.
 * Deterministic and free of I/O so it is unit-tested on recorded message sequences.
 * Subagent traffic (`parent_tool_use_id` set) is not part of the top-level answer and is skipped.
 */
export class TurnMapper {
  private sessionId: string | null = null;
  private model: string | null = null;
  private texts: string[] = [];
  private toolCalls = new Map<string, ToolCall>();
  private usage = zeroUsage();
  private pendingInput = zeroUsage(); // input side of the model call now streaming
  private lastModelError: { status: number | null; kind: string | null } = { status: null, kind: null };

  constructor(private readonly emit: (event: AgentEvent) => void) {}

  /** Feeds one SDK message; returns the turn's result when `msg` is the turn's `result`. */
  handle(msg: SDKMessage | { type: string }): TurnResult | null {
    const m = msg as SDKMessage;
    switch (m.type) {
      case 'system':
        if (m.subtype === 'init') {
          this.sessionId = m.session_id;
          this.model = m.model;
        } else if (m.subtype === 'api_retry') {
          this.lastModelError = { status: m.error_status, kind: m.error ?? null };
          this.emit({
            type: 'model.retry',
            attempt: m.attempt,
            max_retries: m.max_retries,
            delay_ms: m.retry_delay_ms,
            error_status: m.error_status,
          });
        }
        return null;
      case 'stream_event':
        if (m.parent_tool_use_id === null) this.onStreamEvent(m.event as unknown as ContentBlock);
        return null;
      case 'assistant':
        if (m.parent_tool_use_id !== null) return null;
        if (m.error) this.lastModelError = { ...this.lastModelError, kind: m.error };
        for (const block of m.message.content as unknown as ContentBlock[]) this.onAssistantBlock(block);
        return null;
      case 'user':
        if (m.parent_tool_use_id !== null) return null;
        if (Array.isArray(m.message.content)) {
          for (const block of m.message.content as unknown as ContentBlock[]) this.onToolResult(block);
        }
        return null;
      case 'result':
        return this.finish(m);
      default:
        // Frames outside the SDKMessage union (e.g. command_lifecycle) carry nothing we report.
        return null;
    }
  }

  /** What the turn had produced so far; used when it ends without a `result` (crash, timeout). */
  partial(error: { code: TurnErrorCode; message: string }): TurnResult {
    return {
      status: 'failed',
      sessionId: this.sessionId,
      model: this.model,
      responseText: this.texts.join('\n\n'),
      toolCalls: [...this.toolCalls.values()],
      usage: this.usage,
      cumulativeCostUsd: null,
      numTurns: 0,
      error,
    };
  }

  private onStreamEvent(ev: ContentBlock): void {
    if (ev.type === 'message_start') {
      const usage = (ev.message as { usage?: Partial<TokenUsage> } | undefined)?.usage ?? {};
      this.pendingInput = { ...zeroUsage(), ...pickUsage(usage), output_tokens: 0 };
    } else if (ev.type === 'content_block_delta') {
      const delta = ev.delta as { type: string; text?: string; thinking?: string };
      if (delta.type === 'text_delta' && delta.text) this.emit({ type: 'text.delta', text: delta.text });
      if (delta.type === 'thinking_delta' && delta.thinking) {
        this.emit({ type: 'thinking.delta', text: delta.thinking });
      }
    } else if (ev.type === 'message_delta') {
      const out = (ev.usage as Partial<TokenUsage> | undefined) ?? {};
      this.emit({ type: 'usage', usage: { ...this.pendingInput, ...pickUsage(out), ...inputOf(this.pendingInput) } });
    }
  }

  private onAssistantBlock(block: ContentBlock): void {
    if (block.type === 'text' && typeof block.text === 'string' && block.text !== '') {
      this.texts.push(block.text);
    } else if (block.type === 'tool_use') {
      const call: ToolCall = {
        id: String(block.id),
        name: String(block.name),
        input: block.input ?? {},
        result: null,
        is_error: false,
      };
      this.toolCalls.set(call.id, call);
      this.emit({ type: 'tool.started', tool_use_id: call.id, name: call.name, input: call.input });
    }
  }

  private onToolResult(block: ContentBlock): void {
    if (block.type !== 'tool_result') return;
    const id = String(block.tool_use_id);
    const call = this.toolCalls.get(id);
    const result = toolResultText(block.content);
    const isError = block.is_error === true;
    if (call) {
      call.result = result;
      call.is_error = isError;
    }
    this.emit({ type: 'tool.finished', tool_use_id: id, name: call?.name ?? 'unknown', result, is_error: isError });
  }

  private finish(r: SDKResultMessage): TurnResult {
    this.sessionId = r.session_id ?? this.sessionId;
    this.usage = { ...zeroUsage(), ...pickUsage(r.usage as Partial<TokenUsage>) };
    for (const d of r.permission_denials ?? []) {
      const call = this.toolCalls.get(d.tool_use_id);
      if (call) call.denied = true;
    }
    const error = classifyResult(r, this.lastModelError);
    // With an output schema the answer is the validated object the CLI hands back, not prose.
    const structured = (r as { structured_output?: unknown }).structured_output;
    const text = structured !== undefined && !error ? JSON.stringify(structured) : this.texts.join('\n\n');
    return {
      status: error ? 'failed' : 'succeeded',
      sessionId: this.sessionId,
      model: this.model,
      // A failed result's `result` text is the CLI's error line, not an answer.
      responseText: text,
      toolCalls: [...this.toolCalls.values()],
      usage: this.usage,
      cumulativeCostUsd: typeof r.total_cost_usd === 'number' ? r.total_cost_usd : null,
      numTurns: r.num_turns ?? 0,
      error,
    };
  }
}

function pickUsage(u: Partial<TokenUsage> | undefined): Partial<TokenUsage> {
  const out: Partial<TokenUsage> = {};
  for (const k of ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'] as const) {
    const v = u?.[k];
    if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  }
  return out;
}

// message_delta may repeat input counts as 0; the input side is known from message_start.
function inputOf(u: TokenUsage): Partial<TokenUsage> {
  return {
    input_tokens: u.input_tokens,
    cache_read_input_tokens: u.cache_read_input_tokens,
    cache_creation_input_tokens: u.cache_creation_input_tokens,
  };
}

function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return content == null ? '' : JSON.stringify(content);
  return content
    .map((c: { type?: string; text?: string }) => (c.type === 'text' ? (c.text ?? '') : `[${c.type ?? 'content'}]`))
    .join('\n');
}

/** Turns a result into our error code, or null for a real success. */
export function classifyResult(
  r: SDKResultMessage,
  lastModelError: { status: number | null; kind: string | null },
): { code: TurnErrorCode; message: string } | null {
  if (r.subtype === 'error_max_turns') {
    return { code: 'max_turns', message: `The agent stopped after ${r.num_turns} steps (max_turns reached).` };
  }
  if (r.subtype === 'error_max_budget_usd') {
    return { code: 'budget_exceeded', message: 'The agent stopped: this turn reached its cost budget (max_budget_usd).' };
  }
  if (r.subtype !== 'success') {
    const detail = r.errors?.filter(Boolean).join('; ');
    return { code: 'agent_error', message: detail ? `The agent failed: ${detail}` : 'The agent failed during execution.' };
  }
  if (!r.is_error) return null;
  const status = r.api_error_status ?? lastModelError.status;
  const code = modelErrorCode(status, lastModelError.kind);
  const detail = (r.result ?? '').trim().slice(0, 500);
  return { code, message: detail || `The model call failed${status ? ` (HTTP ${status})` : ''}.` };
}

function modelErrorCode(status: number | null, kind: string | null): TurnErrorCode {
  if (status === 429 || kind === 'rate_limit') return 'rate_limited';
  if (status === 529 || kind === 'overloaded') return 'model_overloaded';
  if (status === 401 || status === 403 || kind === 'authentication_failed') return 'model_auth_failed';
  if (status === 400 || kind === 'invalid_request') return 'invalid_request';
  return 'model_error';
}
