import { describe, expect, it } from 'vitest';
import type { TurnRecord } from '../store/types.js';
import type { ResponseRecord } from '../store/openai-index.js';
import { ChatCompletionBody } from './chat-schema.js';
import { ChunkWriter, chatCompletion, readChatRequest } from './chat.js';
import { conversationKey, promptWithHistory, splitConversation } from './conversation.js';
import { fromZodIssue, OpenAiRequestError, toOpenAiError } from './errors.js';
import { pendingApproval, readResponsesRequest, ResponseEventWriter, responseId, responseObject } from './responses.js';
import { ResponseCreateBody } from './responses-schema.js';

const MODELS = ['claude-a', 'claude-b'];
const turn = (over: Partial<TurnRecord> = {}): TurnRecord => ({
  id: '11111111-2222-4333-8444-555555555555',
  sessionId: '99999999-2222-4333-8444-555555555555',
  seq: 1,
  status: 'succeeded',
  prompt: 'hi',
  responseText: 'Hello!',
  toolCalls: [{ id: 'toolu_1', name: 'mcp__w__get', input: { city: 'Oslo' }, result: 'sunny', is_error: false }],
  usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 3, cache_creation_input_tokens: 2 },
  costUsd: 0.01,
  durationMs: 100,
  numTurns: 2,
  errorCode: null,
  errorMessage: null,
  createdAt: 1_700_000_000_000,
  finishedAt: 1_700_000_001_000,
  ...over,
});
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof OpenAiRequestError) return { code: e.code, param: e.details?.param };
    throw e;
  }
  throw new Error('not refused');
};
const chat = (body: Record<string, unknown>) => readChatRequest(ChatCompletionBody.parse({ model: 'claude-a', ...body }), MODELS);

describe('conversations', () => {
  it('splits system, history and the trailing user messages', () => {
    const s = splitConversation(
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'one' },
        { role: 'assistant', content: [{ type: 'text', text: 'uno' }] },
        { role: 'developer', content: 'And kind.' },
        { role: 'user', content: 'two' },
        { role: 'user', content: [{ type: 'text', text: 'three' }] },
      ],
      'messages',
    );
    expect(s).toEqual({
      system: 'Be brief.\n\nAnd kind.',
      prior: [{ role: 'user', content: 'one' }, { role: 'assistant', content: 'uno' }],
      fresh: ['two', 'three'],
    });
  });

  it('keys are stable across trimming, and differ by account, system prompt and content', () => {
    const said = [{ role: 'user' as const, content: 'hi' }, { role: 'assistant' as const, content: 'Hello' }];
    const k = conversationKey('acct', 'sys', said);
    expect(conversationKey('acct', ' sys ', [{ role: 'user', content: ' hi\n' }, { role: 'assistant', content: 'Hello ' }])).toBe(k);
    expect(conversationKey('other', 'sys', said)).not.toBe(k);
    expect(conversationKey('acct', null, said)).not.toBe(k);
    expect(conversationKey('acct', 'sys', [said[0]!, { role: 'assistant', content: 'Hi' }])).not.toBe(k);
    expect(k).toMatch(/^[0-9a-f]{64}$/);
  });

  it('history no session saw goes to the agent as context', () => {
    expect(promptWithHistory([], ['q'])).toBe('q');
    expect(promptWithHistory([{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }], ['q'])).toContain('User: a\n\nAssistant: b');
  });
});

describe('chat completion requests', () => {
  it('reads what is offered: model, stream, usage, structured output, session and if_busy', () => {
    const r = chat({
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } },
      metadata: { session_id: 's1', if_busy: 'enqueue' },
      temperature: 0.3,
      max_tokens: 10,
    });
    expect(r).toMatchObject({ model: 'claude-a', stream: true, includeUsage: true, outputSchema: { type: 'object' }, sessionId: 's1', ifBusy: 'enqueue', fresh: ['hi'] });
    expect(chat({ messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_object' } }).outputSchema).toEqual({ type: 'object' });
    expect(chat({ messages: [{ role: 'user', content: 'hi' }], tool_choice: 'none', n: 1 }).outputSchema).toBeNull();
  });

  it('refuses what it does not do, naming the field', () => {
    const hi = [{ role: 'user', content: 'hi' }];
    expect(refusal(() => chat({ model: 'gpt-4o', messages: hi }))).toEqual({ code: 'model_not_found', param: 'model' });
    expect(refusal(() => chat({ messages: hi, n: 3 }))).toEqual({ code: 'unsupported_parameter', param: 'n' });
    expect(refusal(() => chat({ messages: hi, stop: ['\n'] }))).toEqual({ code: 'unsupported_parameter', param: 'stop' });
    expect(refusal(() => chat({ messages: hi, tool_choice: 'required' }))).toEqual({ code: 'unsupported_parameter', param: 'tool_choice' });
    expect(refusal(() => chat({ messages: hi, metadata: { if_busy: 'later' } }))).toEqual({ code: 'invalid_value', param: 'metadata.if_busy' });
    expect(refusal(() => chat({ messages: [{ role: 'user', content: [{ type: 'input_audio' }] }] }))).toEqual({
      code: 'unsupported_attachment',
      param: 'messages[0].content[0]',
    });
    expect(refusal(() => chat({ messages: [{ role: 'assistant', content: '', tool_calls: [{ id: 'c' }] }, ...hi] }))).toEqual({
      code: 'unsupported_parameter',
      param: 'messages[0].tool_calls',
    });
    expect(refusal(() => chat({ messages: [{ role: 'user', content: '  ' }] }))).toEqual({ code: 'invalid_value', param: 'messages' });
  });

  it('zod issues become OpenAI codes with the field', () => {
    const unknown = ChatCompletionBody.safeParse({ model: 'm', messages: [{ role: 'user', content: 'x' }], colour: 'red' });
    expect(fromZodIssue(unknown.error!.issues[0] as never)).toMatchObject({ code: 'unknown_parameter', param: 'colour' });
    const missing = ChatCompletionBody.safeParse({ model: 'm' });
    expect(fromZodIssue(missing.error!.issues[0] as never)).toMatchObject({ code: 'missing_required_parameter', param: 'messages' });
    const wrong = ChatCompletionBody.safeParse({ model: 'm', messages: [{ role: 'user', content: 'x' }], top_p: 7 });
    expect(fromZodIssue(wrong.error!.issues[0] as never)).toMatchObject({ code: 'invalid_value', param: 'top_p' });
  });

  it('errors take OpenAI’s shape, type from our code or status', () => {
    expect(toOpenAiError('budget_exceeded', 'spent', 429)).toEqual({ error: { message: 'spent', type: 'insufficient_quota', code: 'budget_exceeded', param: null } });
    expect(toOpenAiError('invalid_api_key', 'no', 401).error.type).toBe('authentication_error');
    expect(toOpenAiError('queue_full', 'wait', 429).error.type).toBe('rate_limit_error');
    expect(toOpenAiError('validation_error', 'bad', 400, { issues: [{ path: 'a.b' }] }).error.param).toBe('a.b');
    expect(toOpenAiError('internal_error', 'oops', 500).error.type).toBe('server_error');
  });
});

describe('completions and chunks', () => {
  it('a turn as a completion: text, usage with cached input, the agent’s own tools in an extension', () => {
    const c = chatCompletion(turn(), 'claude-a');
    expect(c).toMatchObject({
      id: 'chatcmpl-11111111-2222-4333-8444-555555555555',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'claude-a',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Hello!' } }],
      usage: { prompt_tokens: 15, completion_tokens: 5, total_tokens: 20 },
      agent: { session_id: turn().sessionId, status: 'succeeded', num_turns: 2 },
    });
    expect(c.choices[0]!.message.agent_tool_calls[0]).toMatchObject({ name: 'mcp__w__get', result: 'sunny' });
    expect(c.choices[0]!.message).not.toHaveProperty('tool_calls');
  });

  it('events as chunks: text deltas, tool calls as extension deltas, nothing for the rest', () => {
    const w = new ChunkWriter('t1', 'claude-a', 5);
    expect(w.start().choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    expect(w.event('text.delta', { text: 'Hel' })!.choices[0]!.delta).toEqual({ content: 'Hel' });
    const tool = w.event('tool.started', { tool_use_id: 'u', name: 'get', input: {} })!;
    expect(tool.choices[0]!.delta).toEqual({ agent_tool_call: { id: 'u', name: 'get', input: {}, status: 'started' } });
    expect(w.event('usage', { usage: {} })).toBeNull();
    expect(w.finish(turn()).choices[0]!.finish_reason).toBe('stop');
    expect(w.usage(turn())).toMatchObject({ choices: [], usage: { total_tokens: 20 } });
  });
});

describe('responses', () => {
  const record: ResponseRecord = {
    id: responseId(turn().id),
    accountId: 'a',
    sessionId: turn().sessionId,
    turnId: turn().id,
    previousResponseId: null,
    model: 'claude-a',
    instructions: 'Be brief.',
    metadata: { k: 'v' },
    options: { background: false, store: true },
    createdAt: 1_700_000_000_000,
  };

  it('reads a request: string or messages input, instructions, chaining, format; refuses the rest', () => {
    const r = readResponsesRequest(
      ResponseCreateBody.parse({
        model: 'claude-b',
        input: [{ role: 'developer', content: 'Extra.' }, { role: 'user', content: [{ type: 'input_text', text: 'hi' }] }],
        instructions: 'Be brief.',
        previous_response_id: 'resp_x',
        text: { format: { type: 'json_schema', name: 'n', schema: { type: 'object' } } },
      }),
      MODELS,
    );
    expect(r).toMatchObject({ instructions: 'Be brief.\n\nExtra.', fresh: ['hi'], previousResponseId: 'resp_x', outputSchema: { type: 'object' }, store: true });
    const parse = (b: Record<string, unknown>) => () => readResponsesRequest(ResponseCreateBody.parse({ model: 'claude-a', input: 'x', ...b }), MODELS);
    expect(refusal(parse({ background: true, store: false }))).toEqual({ code: 'unsupported_value', param: 'store' });
    expect(refusal(parse({ tools: [{ type: 'web_search' }] }))).toEqual({ code: 'unsupported_parameter', param: 'tools' });
    expect(refusal(parse({ input: [{ type: 'function_call_output', role: 'user' }] }))).toEqual({ code: 'unsupported_value', param: 'input[0].type' });
  });

  it('a turn as a response, by status', () => {
    const done = responseObject(record, turn());
    expect(done).toMatchObject({ id: `resp_${turn().id.replaceAll('-', '')}`, status: 'completed', output_text: 'Hello!', usage: { input_tokens: 15, total_tokens: 20 } });
    expect(done.output[0]).toMatchObject({ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hello!' }] });
    expect(responseObject(record, turn({ status: 'running', finishedAt: null, responseText: '' }))).toMatchObject({ status: 'in_progress', output: [], usage: null });
    expect(responseObject(record, turn({ status: 'failed', errorCode: 'rate_limited', errorMessage: 'slow down' })).error).toEqual({ code: 'rate_limited', message: 'slow down' });
    expect(responseObject(record, turn({ status: 'interrupted' })).status).toBe('cancelled');
  });

  it('a pending approval is the last request not yet resolved', () => {
    const req = (id: string) => ({ type: 'permission.requested', data: { request_id: id, tool: 't', input: {}, expires_at: 'x', tool_use_id: 'u' } });
    expect(pendingApproval([req('a')])).toMatchObject({ request_id: 'a' });
    expect(pendingApproval([req('a'), { type: 'permission.resolved', data: { request_id: 'a' } }])).toBeNull();
  });

  it('stream events in order with sequence numbers; structured output sends its JSON at the end', () => {
    const w = new ResponseEventWriter(record, false);
    const running = turn({ status: 'running', finishedAt: null, responseText: '' });
    const events = [...w.start(running), ...w.event(running, 'text.delta', { text: 'Hel' }), ...w.event(running, 'text.delta', { text: 'lo!' }), ...w.end(turn({ responseText: 'Hello!' }))];
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const s = new ResponseEventWriter(record, true);
    const out = [...s.start(running), ...s.event(running, 'text.delta', { text: 'prose' }), ...s.end(turn({ responseText: '{"a":1}' }))];
    expect(out.filter((e) => e.type === 'response.output_text.delta').map((e) => (e as { delta?: string }).delta)).toEqual(['{"a":1}']);
    expect(new ResponseEventWriter(record, false).end(turn({ status: 'failed', responseText: '' })).at(-1)!.type).toBe('response.failed');
  });
});
