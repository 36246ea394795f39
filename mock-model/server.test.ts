import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockModel, type MockModel } from './server.js';

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** True when the connection died before the response completed. */
  broken: boolean;
}

// node:http rather than fetch: we need the bytes that arrived before a deliberate connection drop.
function post(mock: MockModel, body: unknown, path = '/v1/messages?beta=true', method = 'POST'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${mock.url}${path}`, { method, headers: { 'content-type': 'application/json' }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      const done = (broken: boolean) => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, broken });
      res.on('end', () => done(false));
      res.on('error', () => done(true));
      res.on('aborted', () => done(true));
    });
    req.on('error', reject);
    // A GET body would be sent without framing and misread as a second request, so GETs send none.
    req.end(method === 'GET' ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
  });
}

interface Event {
  event: string;
  data: Record<string, any>;
}
function parseSse(text: string): Event[] {
  return text
    .split('\n\n')
    .filter((f) => f.trim() !== '')
    .map((f) => {
      const event = /^event: (.*)$/m.exec(f)?.[1] ?? '';
      const data = JSON.parse(/^data: (.*)$/m.exec(f)?.[1] ?? 'null');
      expect(data.type).toBe(event);
      return { event, data };
    });
}
const streamedText = (events: Event[]) =>
  events.filter((e) => e.data.delta?.type === 'text_delta').map((e) => e.data.delta.text as string).join('');

const tools = [{ name: 'mcp__wx__get_weather', description: 'w', input_schema: { type: 'object' } }];
const system = [{ type: 'text', text: 'You are terse.' }];
const user = (text: string) => ({ role: 'user', content: [{ type: 'text', text }] });
const req = (messages: object[], stream = false) => ({ model: 'claude-test-1', max_tokens: 100, system, tools, messages, stream });
const toolRound = (prompt: string, id: string, result: string) => [
  user(prompt),
  { role: 'assistant', content: [{ type: 'tool_use', id, name: 'mcp__wx__get_weather', input: {} }] },
  { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: [{ type: 'text', text: result }] }] },
];

let mock: MockModel;
beforeAll(async () => {
  mock = await startMockModel();
});
afterAll(async () => {
  await mock.close();
});

describe('non-streaming', () => {
  it('echoes with the Message shape and usage = ceil(chars / 4)', async () => {
    const body = req([user('hello'), { role: 'system', content: 'env' }]);
    const r = await post(mock, body);
    expect(r.status).toBe(200);
    const msg = JSON.parse(r.text);
    const text = 'Echo: hello [history: 1 messages]';
    expect(msg).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-test-1',
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: Math.ceil(JSON.stringify({ system, messages: body.messages, tools }).length / 4),
        output_tokens: Math.ceil(text.length / 4),
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    });
    expect(msg.id).toMatch(/^msg_mock_\d+$/);
  });

  it('calls a tool at step 0 and reports its result at step 1', async () => {
    const call = JSON.parse((await post(mock, req([user('MOCK tool get_weather {"city":"Oslo"}')]))).text);
    expect(call.stop_reason).toBe('tool_use');
    expect(call.content[0]).toMatchObject({ type: 'tool_use', name: 'mcp__wx__get_weather', input: { city: 'Oslo' } });
    expect(call.content[0].id).toMatch(/^toolu_mock_/);
    const answer = JSON.parse((await post(mock, req(toolRound('MOCK tool get_weather {"city":"Oslo"}', call.content[0].id, 'Snow')))).text);
    expect(answer.content).toEqual([{ type: 'text', text: 'Tool get_weather returned: Snow' }]);
  });

  it('returns thinking with a signature', async () => {
    const msg = JSON.parse((await post(mock, req([user('MOCK think ponder')]))).text);
    expect(msg.content).toEqual([
      { type: 'thinking', thinking: 'Thinking about: ponder', signature: 'mock-signature' },
      { type: 'text', text: 'ponder' },
    ]);
  });
});

describe('streaming', () => {
  it('emits the full event sequence, one word per text delta', async () => {
    const r = await post(mock, req([user('hi there')], true));
    expect(r.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = parseSse(r.text);
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      ...Array(6).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(streamedText(events)).toBe('Echo: hi there [history: 1 messages]');
    expect(events[0]!.data.message).toMatchObject({ model: 'claude-test-1', content: [], stop_reason: null });
    expect(events.at(-2)!.data).toMatchObject({ delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 9 } });
  });

  it('streams tool_use as input_json_delta, and a chain step by step', async () => {
    const chain = 'MOCK chain [{"name":"get_weather","input":{"city":"A"}},{"name":"get_weather","input":{"city":"B"}}]';
    const e0 = parseSse((await post(mock, req([user(chain)], true))).text);
    expect(e0[1]!.data.content_block).toMatchObject({ type: 'tool_use', name: 'mcp__wx__get_weather', input: {} });
    expect(JSON.parse(e0[2]!.data.delta.partial_json)).toEqual({ city: 'A' });
    expect(e0.at(-2)!.data.delta.stop_reason).toBe('tool_use');

    const step1 = toolRound(chain, 'x1', 'ra');
    const e1 = parseSse((await post(mock, req(step1, true))).text);
    expect(JSON.parse(e1[2]!.data.delta.partial_json)).toEqual({ city: 'B' });
    const step2 = [...step1, ...toolRound(chain, 'x2', 'rb').slice(1)];
    expect(streamedText(parseSse((await post(mock, req(step2, true))).text))).toBe('Chain results: 1) ra 2) rb');
  });

  it('streams thinking_delta then signature_delta', async () => {
    const events = parseSse((await post(mock, req([user('MOCK think hmm')], true))).text);
    const deltas = events.filter((e) => e.event === 'content_block_delta').map((e) => e.data.delta.type);
    expect(deltas).toEqual(['thinking_delta', 'signature_delta', 'text_delta']);
    expect(events[1]!.data.content_block).toEqual({ type: 'thinking', thinking: '', signature: '' });
  });

  it('MOCK long n gives n words; unknown directives are visible', async () => {
    expect(streamedText(parseSse((await post(mock, req([user('MOCK long 120')], true))).text)).split(' ')).toHaveLength(120);
    expect(streamedText(parseSse((await post(mock, req([user('MOCK nope')], true))).text))).toBe('Mock: unknown directive nope');
  });

  it('MOCK slow paces deltas and reports each token', async () => {
    const tokens: Array<[string, number]> = [];
    const m = await startMockModel({ onToken: (t, at) => tokens.push([t, at]) });
    try {
      const t0 = Date.now();
      const r = await post(m, req([user('MOCK slow 40 a b c d')], true));
      expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
      expect(streamedText(parseSse(r.text))).toBe('a b c d');
      expect(tokens.map(([t]) => t)).toEqual(['a ', 'b ', 'c ', 'd']);
      expect(tokens[3]![1] - tokens[0]![1]).toBeGreaterThanOrEqual(110);
    } finally {
      await m.close();
    }
  });

  it('tokenDelayMs paces every text reply and can be changed live', async () => {
    const m = await startMockModel({ tokenDelayMs: 50 });
    try {
      let t0 = Date.now();
      await post(m, req([user('x')], true)); // "Echo: x [history: 1 messages]" = 5 deltas
      expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
      m.setTokenDelay(0);
      t0 = Date.now();
      await post(m, req([user('x')], true));
      expect(Date.now() - t0).toBeLessThan(200);
    } finally {
      await m.close();
    }
  });

  it('survives a client that disconnects mid-stream', async () => {
    const m = await startMockModel({ tokenDelayMs: 20 });
    try {
      await new Promise<void>((resolve) => {
        const r = http.request(`${m.url}/v1/messages`, { method: 'POST', agent: false }, (res) => {
          res.once('data', () => {
            r.destroy();
            resolve();
          });
        });
        r.on('error', () => {});
        r.end(JSON.stringify(req([user('MOCK long 50')], true)));
      });
      expect((await post(m, req([user('still alive')]))).status).toBe(200);
    } finally {
      await m.close();
    }
  });

  it('runs the weather heuristic only when the tool is offered', async () => {
    const e = parseSse((await post(mock, req([user('How is the weather in Paris?')], true))).text);
    expect(JSON.parse(e[2]!.data.delta.partial_json)).toEqual({ city: 'Paris' });
    const answer = await post(mock, req(toolRound('How is the weather in Paris?', 'w1', 'Sunny in Paris'), true));
    expect(streamedText(parseSse(answer.text))).toBe('The weather in Paris: Sunny in Paris');
    const noTool = { ...req([user('weather in Paris')], true), tools: [] };
    expect(streamedText(parseSse((await post(mock, noTool)).text))).toBe('Echo: weather in Paris [history: 1 messages]');
  });
});

describe('faults', () => {
  it.each([
    ['500', 500, 'api_error'],
    ['529', 529, 'overloaded_error'],
    ['429', 429, 'rate_limit_error'],
  ])('MOCK fail %s', async (kind, status, type) => {
    for (const stream of [true, false]) {
      const r = await post(mock, req([user(`MOCK fail ${kind}`)], stream));
      expect(r.status).toBe(status);
      expect(JSON.parse(r.text)).toEqual({ type: 'error', error: { type, message: expect.any(String) } });
      expect(r.headers['retry-after']).toBe(kind === '429' ? '1' : undefined);
    }
  });

  it('times=N fails the first N requests with that prompt, then echoes', async () => {
    const prompt = 'MOCK fail 529 times=2';
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(mock, req([user(prompt)]))).status);
    expect(statuses).toEqual([529, 529, 200, 200]);
    // The counter is per prompt text (after trimming): a second space makes it a different prompt.
    const once = [];
    for (const p of ['MOCK fail 500 times=1', ' MOCK fail 500 times=1 ', 'MOCK fail 500  times=1']) once.push((await post(mock, req([user(p)]))).status);
    expect(once).toEqual([500, 200, 500]);
  });

  it('break: a stream that starts and then loses its connection', async () => {
    const r = await post(mock, req([user('MOCK fail break')], true));
    expect(r.status).toBe(200);
    expect(r.broken).toBe(true);
    expect(r.text).toContain('event: message_start');
    expect(r.text).toContain('"text":"Partial "');
    expect(r.text).not.toContain('message_stop');
    const json = await post(mock, req([user('MOCK fail break')]));
    expect(json.broken).toBe(true);
    const ok = await post(mock, req([user('MOCK fail break times=0')], true));
    expect(ok.broken).toBe(false);
  });

  it('close() ends a hanging request promptly', async () => {
    const m = await startMockModel();
    const pending = post(m, req([user('MOCK fail hang')], true)).then(
      (r) => ({ broken: r.broken }),
      (e: Error) => ({ broken: true, error: e.message }),
    );
    while (m.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    const t0 = Date.now();
    await m.close();
    expect(Date.now() - t0).toBeLessThan(500);
    expect((await pending).broken).toBe(true);
    await m.close(); // idempotent
  });
});

describe('other routes', () => {
  it('count_tokens', async () => {
    const body = req([user('count me')]);
    const r = await post(mock, body, '/v1/messages/count_tokens?beta=true');
    expect(JSON.parse(r.text)).toEqual({ input_tokens: Math.ceil(JSON.stringify({ system, messages: body.messages, tools }).length / 4) });
  });

  it('404 and 400 use the Anthropic error shape', async () => {
    for (const [path, method] of [['/v1/models', 'GET'], ['/v1/messages', 'GET'], ['/nope', 'POST']] as const) {
      const r = await post(mock, {}, path, method);
      expect(r.status).toBe(404);
      expect(JSON.parse(r.text)).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    }
    for (const bad of ['{not json', '[1,2]', '']) {
      const r = await post(mock, bad);
      expect(r.status).toBe(400);
      expect(JSON.parse(r.text)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    }
  });

  it('records the last 200 requests with path, body and time', async () => {
    const m = await startMockModel();
    try {
      await post(m, req([user('first')]));
      expect(m.requests[0]).toMatchObject({ method: 'POST', path: '/v1/messages', url: '/v1/messages?beta=true', body: { model: 'claude-test-1' } });
      expect(typeof m.requests[0]!.at).toBe('number');
      for (let i = 0; i < 205; i++) await post(m, { i }, '/v1/messages/count_tokens');
      expect(m.requests).toHaveLength(200);
      expect(m.requests.at(-1)!.body).toEqual({ i: 204 });
    } finally {
      await m.close();
    }
  });
});
