import type { IfBusy, TokenUsage, ToolCall, TurnRecord } from '../store/types.js';
import type { ChatCompletionBody } from './chat-schema.js';
import { splitConversation, type SplitConversation } from './conversation.js';
import { OpenAiRequestError } from './errors.js';

/**
 * Pure translation between OpenAI Chat Completions and our turns: what a request asks for, and a
 * turn (or its events) as a completion (or its chunks). No I/O; unit-tested in chat.test.ts.
 */

export interface ChatRequest extends SplitConversation {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  /** A JSON schema for structured output, or null. */
  outputSchema: Record<string, unknown> | null;
  /** From `metadata.session_id`. */
  sessionId: string | null;
  ifBusy: IfBusy | undefined;
}

const IF_BUSY = new Set<IfBusy>(['reject', 'enqueue', 'interrupt']);

const refuse = (param: string, what: string) =>
  new OpenAiRequestError('unsupported_parameter', param, `'${param}' is not supported: ${what}`);

/** Refuses what this service does not do; everything else becomes a ChatRequest. */
export function readChatRequest(body: ChatCompletionBody, offeredModels: readonly string[]): ChatRequest {
  if (!offeredModels.includes(body.model)) {
    throw new OpenAiRequestError('model_not_found', 'model', `The model '${body.model}' does not exist on this server; GET /v1/models lists the ones it offers.`);
  }
  if (body.n != null && body.n > 1) throw refuse('n', 'the agent gives one answer per turn; send n=1 or leave it out.');
  if (body.logprobs) throw refuse('logprobs', 'the agent does not expose token log probabilities.');
  if (body.top_logprobs != null) throw refuse('top_logprobs', 'the agent does not expose token log probabilities.');
  if (body.tools?.length) throw refuse('tools', 'the agent runs its own tools server-side; configure them on the server.');
  if (body.functions?.length) throw refuse('functions', 'the agent runs its own tools server-side.');
  if (body.function_call != null) throw refuse('function_call', 'the agent runs its own tools server-side.');
  if (body.tool_choice != null && body.tool_choice !== 'none' && body.tool_choice !== 'auto') {
    throw refuse('tool_choice', 'the agent chooses its own tools.');
  }
  if (body.stop != null && body.stop.length > 0) throw refuse('stop', 'stop sequences cannot be applied to an agent turn.');
  if (body.logit_bias && Object.keys(body.logit_bias).length > 0) throw refuse('logit_bias', 'token biases cannot be applied to an agent turn.');
  if (body.audio != null) throw refuse('audio', 'only text is supported.');
  if (body.modalities?.some((m) => m !== 'text')) throw refuse('modalities', 'only text is supported.');
  if (body.prediction != null) throw refuse('prediction', 'predicted outputs are not supported.');
  if (body.web_search_options != null) throw refuse('web_search_options', 'web search is a server-side tool here.');
  const ifBusy = body.metadata?.if_busy;
  if (ifBusy !== undefined && !IF_BUSY.has(ifBusy as IfBusy)) {
    throw new OpenAiRequestError('invalid_value', 'metadata.if_busy', "metadata.if_busy must be 'reject', 'enqueue' or 'interrupt'.");
  }
  const rf = body.response_format;
  const outputSchema =
    rf?.type === 'json_schema' ? (rf.json_schema.schema ?? { type: 'object' }) : rf?.type === 'json_object' ? { type: 'object' } : null;
  return {
    ...splitConversation(body.messages, 'messages'),
    model: body.model,
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    outputSchema,
    sessionId: body.metadata?.session_id ?? null,
    ifBusy: ifBusy as IfBusy | undefined,
  };
}

export const completionId = (turnId: string) => `chatcmpl-${turnId}`;

export function chatUsage(u: TokenUsage) {
  const prompt = u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens;
  return { prompt_tokens: prompt, completion_tokens: u.output_tokens, total_tokens: prompt + u.output_tokens };
}

export const agentToolCalls = (calls: ToolCall[]) =>
  calls.map((t) => ({ id: t.id, name: t.name, input: t.input, result: t.result, is_error: t.is_error }));

/** The agent's own extension block: which session and turn answered, and how to replay it. */
export function agentInfo(turn: TurnRecord) {
  return {
    session_id: turn.sessionId,
    turn_id: turn.id,
    status: turn.status,
    cost_usd: turn.costUsd,
    num_turns: turn.numTurns,
    tool_calls: agentToolCalls(turn.toolCalls),
    events: `/v1/sessions/${turn.sessionId}/turns/${turn.id}/events`,
  };
}

/** A finished (succeeded or interrupted) turn as a completion; a failed one is an error instead. */
export function chatCompletion(turn: TurnRecord, model: string) {
  return {
    id: completionId(turn.id),
    object: 'chat.completion' as const,
    created: Math.floor(turn.createdAt / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant' as const, content: turn.responseText, refusal: null, agent_tool_calls: agentToolCalls(turn.toolCalls) },
        finish_reason: 'stop' as const,
        logprobs: null,
      },
    ],
    usage: chatUsage(turn.usage),
    agent: agentInfo(turn),
  };
}

/** Builds the chunks of one streamed completion; every chunk carries the same id, created and model. */
export class ChunkWriter {
  constructor(
    private readonly turnId: string,
    private readonly model: string,
    private readonly created: number,
  ) {}

  private chunk(delta: Record<string, unknown>, finish: 'stop' | null = null, extra: Record<string, unknown> = {}) {
    return {
      id: completionId(this.turnId),
      object: 'chat.completion.chunk' as const,
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      ...extra,
    };
  }

  /** The first chunk: the role. */
  start() {
    return this.chunk({ role: 'assistant', content: '' });
  }

  /**
   * One of our turn events as a chunk, or null when it has none. Tool calls and approval requests
   * go in extension fields of `delta` (`agent_tool_call`, `agent_permission_request`), which OpenAI
   * clients ignore; they are never `tool_calls`.
   */
  event(type: string, data: Record<string, unknown>) {
    switch (type) {
      case 'text.delta':
        return this.chunk({ content: data.text });
      case 'tool.started':
        return this.chunk({ agent_tool_call: { id: data.tool_use_id, name: data.name, input: data.input, status: 'started' } });
      case 'tool.finished':
        return this.chunk({
          agent_tool_call: { id: data.tool_use_id, name: data.name, result: data.result, is_error: data.is_error, status: 'finished' },
        });
      case 'permission.requested':
        return this.chunk({ agent_permission_request: data });
      default:
        return null;
    }
  }

  /** The last chunk: finish_reason, and (when asked with stream_options.include_usage) usage. */
  finish(turn: TurnRecord) {
    return this.chunk({}, 'stop', { agent: agentInfo(turn) });
  }

  /** The usage-only chunk OpenAI sends last when `stream_options.include_usage` is set. */
  usage(turn: TurnRecord) {
    return { ...this.chunk({}, null, { usage: chatUsage(turn.usage) }), choices: [] };
  }
}
