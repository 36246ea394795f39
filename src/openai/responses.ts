import type { IfBusy, TurnRecord } from '../store/types.js';
import type { ResponseRecord } from '../store/openai-index.js';
import { agentInfo } from './chat.js';
import { splitConversation, type Said } from './conversation.js';
import { OpenAiRequestError } from './errors.js';
import type { ResponseCreateBody } from './responses-schema.js';

/** Pure translation between the OpenAI Responses API and our turns (see chat.ts for Chat Completions). */

export interface ResponsesRequest {
  model: string;
  instructions: string | null;
  prior: Said[];
  fresh: string[];
  previousResponseId: string | null;
  sessionId: string | null;
  ifBusy: IfBusy | undefined;
  stream: boolean;
  background: boolean;
  store: boolean;
  metadata: Record<string, string>;
  outputSchema: Record<string, unknown> | null;
  /** Request fields the response object echoes. */
  echo: Record<string, unknown>;
}

const refuse = (param: string, what: string) =>
  new OpenAiRequestError('unsupported_parameter', param, `'${param}' is not supported: ${what}`);

export function readResponsesRequest(body: ResponseCreateBody, offeredModels: readonly string[]): ResponsesRequest {
  if (!offeredModels.includes(body.model)) {
    throw new OpenAiRequestError('model_not_found', 'model', `The model '${body.model}' does not exist on this server; GET /v1/models lists the ones it offers.`);
  }
  if (body.tools?.length) throw refuse('tools', 'the agent runs its own tools server-side; configure them on the server.');
  if (body.tool_choice != null && body.tool_choice !== 'none' && body.tool_choice !== 'auto') throw refuse('tool_choice', 'the agent chooses its own tools.');
  if (body.conversation != null) throw refuse('conversation', 'use previous_response_id, or X-Session-Id for a session.');
  if (body.prompt != null) throw refuse('prompt', 'prompt templates are not supported.');
  if (body.top_logprobs != null) throw refuse('top_logprobs', 'the agent does not expose token log probabilities.');
  if (body.background && body.store === false) {
    throw new OpenAiRequestError('unsupported_value', 'store', 'A background response must be stored (store: true) to be retrieved.');
  }
  const ifBusy = body.metadata?.if_busy;
  if (ifBusy !== undefined && !['reject', 'enqueue', 'interrupt'].includes(ifBusy)) {
    throw new OpenAiRequestError('invalid_value', 'metadata.if_busy', "metadata.if_busy must be 'reject', 'enqueue' or 'interrupt'.");
  }
  let system: string | null = null;
  let prior: Said[] = [];
  let fresh: string[];
  if (typeof body.input === 'string') {
    fresh = [body.input];
  } else {
    body.input.forEach((item, i) => {
      if (item.type !== undefined && item.type !== 'message') {
        throw new OpenAiRequestError('unsupported_value', `input[${i}].type`, `Input items of type '${item.type}' are not supported; send messages.`);
      }
    });
    ({ system, prior, fresh } = splitConversation(body.input, 'input'));
  }
  const instructions = [body.instructions, system].filter((s): s is string => typeof s === 'string' && s !== '').join('\n\n') || null;
  const format = body.text?.format;
  const outputSchema = format?.type === 'json_schema' ? format.schema : format?.type === 'json_object' ? { type: 'object' } : null;
  return {
    model: body.model,
    instructions,
    prior,
    fresh,
    previousResponseId: body.previous_response_id ?? null,
    sessionId: body.metadata?.session_id ?? null,
    ifBusy: ifBusy as IfBusy | undefined,
    stream: body.stream === true,
    background: body.background === true,
    store: body.store !== false,
    metadata: body.metadata ?? {},
    outputSchema,
    echo: {
      background: body.background === true,
      store: body.store !== false,
      temperature: body.temperature ?? null,
      top_p: body.top_p ?? null,
      max_output_tokens: body.max_output_tokens ?? null,
      text: { format: format ?? { type: 'text' } },
    },
  };
}

/** Our turn ids are UUIDs; a response id carries the same 128 bits. */
export const responseId = (turnId: string) => `resp_${turnId.replace(/-/g, '')}`;
const messageId = (turnId: string) => `msg_${turnId.replace(/-/g, '')}`;

type ResponseStatus = 'queued' | 'in_progress' | 'completed' | 'failed' | 'cancelled';

const STATUS: Record<TurnRecord['status'], ResponseStatus> = {
  queued: 'queued',
  running: 'in_progress',
  succeeded: 'completed',
  failed: 'failed',
  interrupted: 'cancelled',
};

/** A tool call waiting for a person, as the response shows it (from the turn's event log). */
export interface PendingApproval {
  request_id: string;
  tool: string;
  input: unknown;
  expires_at: string;
}

/** The permission request of a turn still waiting, from its events in order; null when none waits. */
export function pendingApproval(events: Array<{ type: string; data: Record<string, unknown> }>): PendingApproval | null {
  const open = new Map<string, PendingApproval>();
  for (const e of events) {
    if (e.type === 'permission.requested') {
      const d = e.data as unknown as PendingApproval;
      open.set(d.request_id, { request_id: d.request_id, tool: d.tool, input: d.input, expires_at: d.expires_at });
    } else if (e.type === 'permission.resolved') {
      open.delete(String(e.data.request_id));
    }
  }
  return [...open.values()].at(-1) ?? null;
}

function outputMessage(turn: TurnRecord, text: string, status: 'in_progress' | 'completed' | 'incomplete') {
  return {
    type: 'message' as const,
    id: messageId(turn.id),
    status,
    role: 'assistant' as const,
    content: [{ type: 'output_text' as const, text, annotations: [], logprobs: [] }],
  };
}

/** A response object for the record's turn, as it is now. */
export function responseObject(record: ResponseRecord, turn: TurnRecord, pending: PendingApproval | null = null) {
  const status = STATUS[turn.status];
  const ended = turn.finishedAt !== null;
  const text = turn.responseText;
  const u = turn.usage;
  const input = u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens;
  const agent = agentInfo(turn);
  return {
    id: record.id,
    object: 'response' as const,
    created_at: Math.floor(record.createdAt / 1000),
    status,
    model: record.model,
    output: ended && (text !== '' || status === 'completed') ? [outputMessage(turn, text, status === 'completed' ? 'completed' : 'incomplete')] : [],
    output_text: text,
    error: status === 'failed' ? { code: turn.errorCode ?? 'agent_error', message: turn.errorMessage ?? 'The turn failed.' } : null,
    incomplete_details: null,
    usage: ended
      ? {
          input_tokens: input,
          input_tokens_details: { cached_tokens: u.cache_read_input_tokens },
          output_tokens: u.output_tokens,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: input + u.output_tokens,
        }
      : null,
    previous_response_id: record.previousResponseId,
    instructions: record.instructions,
    metadata: record.metadata,
    parallel_tool_calls: false,
    tool_choice: 'auto' as const,
    tools: [],
    truncation: 'disabled' as const,
    ...record.options,
    agent: {
      ...agent,
      pending_approval: pending
        ? { ...pending, approve: `/v1/sessions/${turn.sessionId}/permissions/${pending.request_id}` }
        : null,
    },
  };
}

/**
 * Our turn events as Responses stream events (`response.created`, `response.output_text.delta`,
 * …, `response.completed`), numbered by `sequence_number`. One message output item with one text
 * part; tool calls and approval requests go out as `response.agent.*` extension events.
 */
export class ResponseEventWriter {
  private seq = 0;
  private opened = false;
  private text = '';

  constructor(
    private readonly record: ResponseRecord,
    /** Structured output: the answer is the final JSON, not the streamed prose. */
    private readonly structured: boolean,
  ) {}

  private ev(type: string, data: Record<string, unknown>) {
    return { type, sequence_number: this.seq++, ...data };
  }

  start(turn: TurnRecord) {
    // As it was when it started, also when replayed after the turn ended.
    const begun = { ...turn, status: turn.status === 'queued' ? ('queued' as const) : ('running' as const), finishedAt: null, responseText: '' };
    const response = responseObject(this.record, begun);
    return [this.ev('response.created', { response }), this.ev('response.in_progress', { response: { ...response, status: 'in_progress' } })];
  }

  private open(turn: TurnRecord) {
    if (this.opened) return [];
    this.opened = true;
    const item = { ...outputMessage(turn, '', 'in_progress'), content: [] };
    return [
      this.ev('response.output_item.added', { output_index: 0, item }),
      this.ev('response.content_part.added', { item_id: item.id, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }),
    ];
  }

  private delta(turn: TurnRecord, text: string) {
    this.text += text;
    return [...this.open(turn), this.ev('response.output_text.delta', { item_id: messageId(turn.id), output_index: 0, content_index: 0, delta: text, logprobs: [] })];
  }

  event(turn: TurnRecord, type: string, data: Record<string, unknown>) {
    switch (type) {
      case 'text.delta':
        return this.structured ? [] : this.delta(turn, String(data.text));
      case 'tool.started':
      case 'tool.finished':
        return [this.ev('response.agent.tool_call', { status: type === 'tool.started' ? 'started' : 'finished', ...data })];
      case 'permission.requested':
        return [this.ev('response.agent.permission_requested', { ...data, approve: `/v1/sessions/${turn.sessionId}/permissions/${String(data.request_id)}` })];
      default:
        return [];
    }
  }

  end(turn: TurnRecord) {
    const out = [];
    const final = turn.responseText;
    // Structured output (or a turn whose text never streamed) sends its answer now, in one delta.
    if (final !== this.text && final.startsWith(this.text)) out.push(...this.delta(turn, final.slice(this.text.length)));
    const response = responseObject(this.record, turn);
    if (this.opened) {
      const item = outputMessage(turn, this.text, response.status === 'completed' ? 'completed' : 'incomplete');
      const at = { item_id: item.id, output_index: 0, content_index: 0 };
      out.push(this.ev('response.output_text.done', { ...at, text: this.text, logprobs: [] }));
      out.push(this.ev('response.content_part.done', { ...at, part: item.content[0] }));
      out.push(this.ev('response.output_item.done', { output_index: 0, item }));
    }
    const type = response.status === 'completed' ? 'response.completed' : response.status === 'failed' ? 'response.failed' : 'response.incomplete';
    out.push(this.ev(type, { response }));
    return out;
  }
}
