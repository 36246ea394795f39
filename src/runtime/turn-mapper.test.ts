import { describe, expect, it } from 'vitest';
import type { AgentEvent } from './events.js';
import { AgentEventSchema } from './events.js';
import { TurnMapper } from './turn-mapper.js';

const SID = '6f1c1f9e-9c55-4a43-8d1b-3c8d2a4a1e01';

function run(messages: unknown[]) {
  const events: AgentEvent[] = [];
  const mapper = new TurnMapper((e) => events.push(e));
  let result = null;
  for (const m of messages) result = mapper.handle(m as never) ?? result;
  return { events, result, mapper };
}

const init = { type: 'system', subtype: 'init', session_id: SID, model: 'claude-sonnet-4-5', tools: [] };
const streamText = (text: string, parent: string | null = null) => ({
  type: 'stream_event',
  parent_tool_use_id: parent,
  event: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
});
const assistant = (content: unknown[], parent: string | null = null) => ({
  type: 'assistant',
  parent_tool_use_id: parent,
  message: { role: 'assistant', content },
});
const toolResult = (id: string, text: string, isError = false) => ({
  type: 'user',
  parent_tool_use_id: null,
  message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, is_error: isError, content: [{ type: 'text', text }] }] },
});
const success = (over: Record<string, unknown> = {}) => ({
  type: 'result',
  subtype: 'success',
  is_error: false,
  session_id: SID,
  result: 'done',
  num_turns: 2,
  total_cost_usd: 0.0123,
  duration_ms: 42,
  usage: { input_tokens: 100, output_tokens: 20, cache_read_input_tokens: 5, cache_creation_input_tokens: 0 },
  ...over,
});

describe('TurnMapper', () => {
  it('maps a tool-using turn to events and a result', () => {
    const { events, result } = run([
      init,
      { type: 'stream_event', parent_tool_use_id: null, event: { type: 'message_start', message: { usage: { input_tokens: 50, output_tokens: 1 } } } },
      assistant([{ type: 'tool_use', id: 'toolu_1', name: 'mcp__weather__get_weather', input: { city: 'Paris' } }]),
      { type: 'stream_event', parent_tool_use_id: null, event: { type: 'message_delta', usage: { output_tokens: 12 } } },
      toolResult('toolu_1', 'Sunny, 20°C'),
      streamText('The weather '),
      streamText('is sunny.'),
      assistant([{ type: 'text', text: 'The weather is sunny.' }]),
      success(),
    ]);
    expect(events.map((e) => e.type)).toEqual(['tool.started', 'usage', 'tool.finished', 'text.delta', 'text.delta']);
    for (const e of events) expect(AgentEventSchema.safeParse(e).success).toBe(true);
    expect(events[1]).toEqual({
      type: 'usage',
      usage: { input_tokens: 50, output_tokens: 12, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    });
    expect(events[2]).toMatchObject({ tool_use_id: 'toolu_1', name: 'mcp__weather__get_weather', result: 'Sunny, 20°C' });
    expect(result).toMatchObject({
      status: 'succeeded',
      sessionId: SID,
      model: 'claude-sonnet-4-5',
      responseText: 'The weather is sunny.',
      cumulativeCostUsd: 0.0123,
      numTurns: 2,
      error: null,
      toolCalls: [{ id: 'toolu_1', name: 'mcp__weather__get_weather', input: { city: 'Paris' }, result: 'Sunny, 20°C', is_error: false }],
    });
    expect(result!.usage.input_tokens).toBe(100);
  });

  it('keeps tool errors and joins the texts of several assistant messages', () => {
    const { result } = run([
      assistant([{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 't2', name: 'x', input: {} }]),
      toolResult('t2', 'boom', true),
      assistant([{ type: 'text', text: 'It failed.' }]),
      success(),
    ]);
    expect(result!.responseText).toBe('Let me check.\n\nIt failed.');
    expect(result!.toolCalls[0]).toMatchObject({ result: 'boom', is_error: true });
  });

  it('ignores subagent traffic and unknown frames', () => {
    const { events, result } = run([
      streamText('sub', 'toolu_parent'),
      assistant([{ type: 'text', text: 'from a subagent' }], 'toolu_parent'),
      { type: 'command_lifecycle', command_uuid: 'x', state: 'started' },
      assistant([{ type: 'text', text: 'top' }]),
      success(),
    ]);
    expect(events).toEqual([]);
    expect(result!.responseText).toBe('top');
  });

  it('emits thinking deltas and model retries', () => {
    const { events } = run([
      { type: 'system', subtype: 'api_retry', attempt: 1, max_retries: 2, retry_delay_ms: 500, error_status: 529, error: 'overloaded' },
      { type: 'stream_event', parent_tool_use_id: null, event: { type: 'content_block_delta', delta: { type: 'thinking_delta', thinking: 'hmm' } } },
    ]);
    expect(events).toEqual([
      { type: 'model.retry', attempt: 1, max_retries: 2, delay_ms: 500, error_status: 529 },
      { type: 'thinking.delta', text: 'hmm' },
    ]);
  });

  it.each([
    [{ api_error_status: 529 }, 'model_overloaded'],
    [{ api_error_status: 429 }, 'rate_limited'],
    [{ api_error_status: 500 }, 'model_error'],
    [{ api_error_status: 401 }, 'model_auth_failed'],
    [{ api_error_status: null }, 'model_error'],
  ])('classifies a failed model call %j as %s', (over, code) => {
    const { result } = run([success({ is_error: true, result: 'API Error: boom', ...over })]);
    expect(result).toMatchObject({ status: 'failed', error: { code } });
    expect(result!.error!.message).toContain('API Error: boom');
  });

  it('uses the retry status when the result has none', () => {
    const { result } = run([
      { type: 'system', subtype: 'api_retry', attempt: 1, max_retries: 1, retry_delay_ms: 1, error_status: 429, error: 'rate_limit' },
      success({ is_error: true, result: 'API Error' }),
    ]);
    expect(result!.error!.code).toBe('rate_limited');
  });

  it.each([
    ['error_max_turns', 'max_turns'],
    ['error_max_budget_usd', 'budget_exceeded'],
    ['error_during_execution', 'agent_error'],
  ])('maps result subtype %s to %s', (subtype, code) => {
    const { result } = run([success({ subtype, is_error: true, errors: ['x'] })]);
    expect(result).toMatchObject({ status: 'failed', error: { code } });
  });

  it('reports what a turn produced before it ended without a result', () => {
    const { mapper } = run([assistant([{ type: 'text', text: 'partial answer' }])]);
    const r = mapper.partial({ code: 'agent_crashed', message: 'gone' });
    expect(r).toMatchObject({ status: 'failed', responseText: 'partial answer', error: { code: 'agent_crashed' } });
  });
});
