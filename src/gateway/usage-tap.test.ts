import { describe, expect, it } from 'vitest';
import { UsageTap } from './usage-tap.js';

const sse = (events: Array<[string, object]>) => events.map(([type, data]) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`).join('');

describe('UsageTap', () => {
  it('reads a stream split at arbitrary bytes: input/cache from message_start, output from message_delta', () => {
    const body = sse([
      ['message_start', { message: { model: 'claude-sonnet-4-5', usage: { input_tokens: 120, cache_read_input_tokens: 40, cache_creation_input_tokens: 7, output_tokens: 1 } } }],
      ['content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'usage: {"output_tokens": 999}' } }],
      ['message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 33 } }],
      ['message_stop', {}],
    ]);
    const tap = new UsageTap('text/event-stream; charset=utf-8');
    const bytes = Buffer.from(body);
    for (let i = 0; i < bytes.length; i += 7) tap.write(bytes.subarray(i, i + 7));
    tap.end();
    expect(tap.seen).toBe(true);
    expect(tap.model).toBe('claude-sonnet-4-5');
    expect(tap.stopReason).toBe('end_turn');
    expect(tap.usage).toEqual({ inputTokens: 120, outputTokens: 33, cacheReadTokens: 40, cacheWriteTokens: 7 });
  });

  it('reads a non-streaming JSON response', () => {
    const tap = new UsageTap('application/json');
    const json = JSON.stringify({ type: 'message', model: 'claude-haiku-4-5', stop_reason: 'tool_use', usage: { input_tokens: 10, output_tokens: 4, cache_read_input_tokens: null } });
    tap.write(Buffer.from(json.slice(0, 20)));
    tap.write(Buffer.from(json.slice(20)));
    tap.end();
    expect(tap.usage).toEqual({ inputTokens: 10, outputTokens: 4, cacheReadTokens: 0, cacheWriteTokens: 0 });
    expect(tap.stopReason).toBe('tool_use');
  });

  it('an error body or garbage yields no usage, never a throw', () => {
    for (const [type, body] of [
      ['application/json', '{"type":"error","error":{"type":"overloaded_error"}}'],
      ['application/json', '<html>bad gateway'],
      ['text/event-stream', 'data: {not json\n\n'],
    ] as const) {
      const tap = new UsageTap(type);
      tap.write(Buffer.from(body));
      tap.end();
      expect(tap.seen).toBe(false);
      expect(tap.usage).toEqual({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });
    }
  });
});
