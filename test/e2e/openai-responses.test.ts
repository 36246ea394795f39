import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyOf, startTestServer, type TestServer } from '../helpers/harness.js';
import { waitFor } from '../helpers/procs.js';

/** The Responses API (stateful) and the refusals of both APIs, through the official `openai` client. */
describe('OpenAI Responses API and refusals through the official openai client', () => {
  let t: TestServer;
  let client: OpenAI;
  let key: string;
  const MODEL = 'claude-sonnet-4-5';
  const auth = () => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    t = await startTestServer({ CLAUDE_MODEL: MODEL, APPROVAL_REQUIRED_TOOLS: 'mcp__weather' });
    const a = await t.server.accounts.createAccount({ name: 'responses', limits: {} });
    key = (await t.server.accounts.createKey(a.id, null)).key;
    client = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: key, maxRetries: 0 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('previous_response_id chains one session; instructions are its system prompt; an older id branches', async () => {
    const r1 = await client.responses.create({ model: MODEL, input: 'one', instructions: 'Be brief.', metadata: { ticket: 'T-1' } });
    expect(r1).toMatchObject({ object: 'response', status: 'completed', model: MODEL, metadata: { ticket: 'T-1' }, instructions: 'Be brief.' });
    expect(r1.output_text).toBe('Echo: one [history: 1 messages]');
    expect(r1.usage!.output_tokens).toBeGreaterThan(0);
    expect(JSON.stringify(t.mock.requests.at(-1)!.body.system)).toContain('Be brief.');
    const r2 = await client.responses.create({ model: MODEL, input: 'two', previous_response_id: r1.id });
    expect(r2.output_text).toBe('Echo: two [history: 3 messages]');
    expect(r2.previous_response_id).toBe(r1.id);
    const s1 = (r1 as any).agent.session_id;
    expect((r2 as any).agent.session_id).toBe(s1);
    // Back to r1: a branch (a fork through r1's turn), so the agent never sees "two".
    const r3 = await client.responses.create({ model: MODEL, input: 'branch', previous_response_id: r1.id });
    expect(r3.output_text).toBe('Echo: branch [history: 3 messages]');
    expect((r3 as any).agent.session_id).not.toBe(s1);
    expect(JSON.stringify(t.mock.requests.at(-1)!.body.messages)).not.toContain('two');
    // And retrieving gives the same object back.
    const again = await client.responses.retrieve(r2.id);
    expect(again).toMatchObject({ id: r2.id, status: 'completed', output_text: r2.output_text });
  });

  it('streams Responses events in order, readable by the client’s stream helper', async () => {
    const types: string[] = [];
    const stream = client.responses.stream({ model: MODEL, input: 'stream this please' });
    let deltas = '';
    for await (const e of stream) {
      types.push(e.type);
      if (e.type === 'response.output_text.delta') deltas += e.delta;
    }
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('Echo: stream this please [history: 1 messages]');
    expect(deltas).toBe(final.output_text);
    expect(types[0]).toBe('response.created');
    expect(types).toContain('response.output_item.added');
    expect(types.filter((x) => x === 'response.output_text.delta').length).toBeGreaterThan(1);
    expect(types.at(-1)).toBe('response.completed');
  });

  it('a dropped Responses stream resumes through the client after the last sequence_number it saw', async () => {
    const first = await client.responses.create({ model: MODEL, input: 'MOCK slow 30 one two three four five six seven eight', stream: true });
    const seen: Array<{ type: string; sequence_number: number; delta?: string }> = [];
    let id = '';
    for await (const e of first) {
      seen.push(e as never);
      if (e.type === 'response.created') id = e.response.id;
      if (seen.filter((x) => x.type === 'response.output_text.delta').length === 3) break; // the connection drops
    }
    const rest = await client.responses.retrieve(id, { stream: true, starting_after: seen.at(-1)!.sequence_number });
    const after: typeof seen = [];
    for await (const e of rest) after.push(e as never);
    const all = [...seen, ...after];
    expect(all.map((e) => e.sequence_number)).toEqual(all.map((_, i) => i));
    expect(all.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('')).toBe('one two three four five six seven eight');
    expect(after.at(-1)!.type).toBe('response.completed');
  });

  it('background: answers at once, retrieves in progress, cancels (interrupt), and shows cancelled', async () => {
    const r = await client.responses.create({ model: MODEL, input: 'MOCK slow 300 ' + 'word '.repeat(40), background: true });
    expect(['queued', 'in_progress']).toContain(r.status);
    const running = await waitFor(() => client.responses.retrieve(r.id), (x) => x.status === 'in_progress', 30_000);
    expect(running.status).toBe('in_progress');
    const cancelled = await client.responses.cancel(r.id);
    expect(cancelled.status).toBe('cancelled');
    expect((cancelled as any).agent.status).toBe('interrupted');
    expect((await client.responses.retrieve(r.id)).status).toBe('cancelled');
  });

  it('a turn waiting for approval is in_progress with pending_approval, and our permissions API approves it', async () => {
    const r = await client.responses.create({ model: MODEL, input: 'What is the weather in Paris?', background: true });
    const waiting = await waitFor(() => client.responses.retrieve(r.id), (x: any) => x.agent.pending_approval !== null, 30_000);
    expect(waiting.status).toBe('in_progress');
    const pending = (waiting as any).agent.pending_approval;
    expect(pending).toMatchObject({ tool: 'mcp__weather__get_weather', input: { city: 'Paris' } });
    const decided = await t.json('POST', pending.approve, { decision: 'allow' }, auth());
    expect(decided.status).toBe(200);
    const done = await waitFor(() => client.responses.retrieve(r.id), (x) => x.status === 'completed', 30_000);
    expect(done.output_text).toContain('The weather in Paris');
    expect((done as any).agent.tool_calls[0]).toMatchObject({ name: 'mcp__weather__get_weather', is_error: false });
    expect((done as any).agent.pending_approval).toBeNull();
  });

  it('structured output: response_format json_schema and text.format both answer JSON matching the schema', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' }, count: { type: 'integer' } }, required: ['city', 'count'], additionalProperties: false };
    const chat = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Oslo' }],
      response_format: { type: 'json_schema', json_schema: { name: 'place', schema, strict: true } },
    });
    expect(JSON.parse(chat.choices[0]!.message.content!)).toEqual({ city: 'Oslo', count: 1 });
    const resp = await client.responses.create({ model: MODEL, input: 'Bergen', text: { format: { type: 'json_schema', name: 'place', schema } } });
    expect(JSON.parse(resp.output_text)).toEqual({ city: 'Bergen', count: 1 });
    // Streamed, the JSON arrives whole before [DONE].
    const stream = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: 'Tromsø' }],
      response_format: { type: 'json_schema', json_schema: { name: 'place', schema } },
    });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(JSON.parse(text)).toEqual({ city: 'Tromsø', count: 1 });
  });

  it('regenerating an answer (resending an older history) forks, so the agent never sees the dropped turn', async () => {
    const u1 = { role: 'user' as const, content: 'regen one' };
    const first = await client.chat.completions.create({ model: MODEL, messages: [u1] });
    const a1 = { role: 'assistant' as const, content: first.choices[0]!.message.content! };
    const second = await client.chat.completions.create({ model: MODEL, messages: [u1, a1, { role: 'user', content: 'regen two' }] });
    const again = await client.chat.completions.create({ model: MODEL, messages: [u1, a1, { role: 'user', content: 'regen two, better' }] });
    expect(historyOf(again.choices[0]!.message.content!)).toBe(3);
    expect((again as any).agent.session_id).not.toBe((second as any).agent.session_id);
    expect(JSON.stringify(t.mock.requests.at(-1)!.body.messages)).not.toContain('"regen two"');
  });

  it('a dropped stream can be followed on our own events route, by the turn id it named', async () => {
    const res = await fetch(`${t.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'MOCK slow 50 a b c d e f' }] }),
    });
    const sessionId = res.headers.get('x-session-id')!;
    const turnId = res.headers.get('x-turn-id')!;
    await res.body!.cancel(); // the client's connection drops
    const events = await fetch(`${t.url}/v1/sessions/${sessionId}/turns/${turnId}/events`, { headers: auth() });
    const text = await events.text();
    expect(text).toContain('event: text.delta');
    expect(text).toContain('event: turn.finished');
    expect(text).toContain('a b c d e f');
  });

  describe('refusals are OpenAI-shaped errors the client raises as its own classes', () => {
    it('a bad key: AuthenticationError 401', async () => {
      const bad = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: 'caa_not-a-real-key-at-all', maxRetries: 0 });
      const err = await bad.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(err).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'authentication_error' });
    });

    it('a spent budget: RateLimitError 429 insufficient_quota / budget_exceeded, not retried', async () => {
      const a = await t.server.accounts.createAccount({ name: 'poor', limits: { dailyBudgetUsd: 0.0005 } });
      const poor = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: (await t.server.accounts.createKey(a.id, null)).key });
      await poor.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'spend it' }] });
      const before = t.mock.requests.length;
      const err = await poor.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'more' }] }).catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      expect(err).toMatchObject({ status: 429, code: 'budget_exceeded', type: 'insufficient_quota' });
      expect(err.headers.get('x-should-retry')).toBe('false');
      expect(t.mock.requests.length).toBe(before);
    });

    it('a busy session: ConflictError 409 session_busy', async () => {
      const r = await client.responses.create({ model: MODEL, input: 'MOCK slow 200 ' + 'busy '.repeat(30), background: true });
      const sessionId = (r as any).agent.session_id;
      const err = await client.chat.completions
        .create({ model: MODEL, messages: [{ role: 'user', content: 'me too' }] }, { headers: { 'X-Session-Id': sessionId } })
        .catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.ConflictError);
      expect(err).toMatchObject({ status: 409, code: 'session_busy' });
      await client.responses.cancel(r.id);
    });

    it('unknown and malformed fields name the field; unsupported features are refused', async () => {
      const hi = [{ role: 'user' as const, content: 'hi' }];
      const cases: Array<[Record<string, unknown>, string, string]> = [
        [{ model: MODEL, messages: hi, frobnicate: true }, 'unknown_parameter', 'frobnicate'],
        [{ model: MODEL, messages: hi, temperature: 'hot' }, 'invalid_value', 'temperature'],
        [{ model: MODEL }, 'missing_required_parameter', 'messages'],
        [{ model: MODEL, messages: hi, n: 2 }, 'unsupported_parameter', 'n'],
        [{ model: MODEL, messages: hi, logprobs: true }, 'unsupported_parameter', 'logprobs'],
        [{ model: MODEL, messages: hi, tools: [{ type: 'function', function: { name: 'f' } }] }, 'unsupported_parameter', 'tools'],
        [{ model: MODEL, messages: [{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } }] }] }, 'unsupported_attachment', 'messages[0].content[1]'],
        [{ model: MODEL, messages: [...hi, { role: 'tool', content: 'x', tool_call_id: 'c' }] }, 'unsupported_value', 'messages[1].role'],
        [{ model: MODEL, messages: [{ role: 'assistant', content: 'only me' }] }, 'invalid_value', 'messages'],
      ];
      for (const [body, code, param] of cases) {
        const err = await client.chat.completions.create(body as never).catch((e) => e);
        expect(err, JSON.stringify(body)).toBeInstanceOf(OpenAI.BadRequestError);
        expect(err, JSON.stringify(body)).toMatchObject({ status: 400, code, param, type: 'invalid_request_error' });
      }
      const model = await client.chat.completions.create({ model: 'gpt-4o', messages: hi }).catch((e) => e);
      expect(model).toBeInstanceOf(OpenAI.NotFoundError);
      expect(model).toMatchObject({ code: 'model_not_found', param: 'model' });
      const resp = await client.responses.create({ model: MODEL, input: 'x', tools: [{ type: 'web_search' }] } as never).catch((e) => e);
      expect(resp).toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'tools' });
      const missing = await client.responses.retrieve('resp_nope').catch((e) => e);
      expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
      expect(missing).toMatchObject({ code: 'response_not_found' });
      const chained = await client.responses.create({ model: MODEL, input: 'x', previous_response_id: 'resp_nope' }).catch((e) => e);
      expect(chained).toMatchObject({ status: 404, code: 'response_not_found' });
      // Another account's response id is not found, whether retrieved or chained on.
      const mine = await client.responses.create({ model: MODEL, input: 'mine alone' });
      const b = await t.server.accounts.createAccount({ name: 'other-tenant', limits: {} });
      const intruder = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: (await t.server.accounts.createKey(b.id, null)).key, maxRetries: 0 });
      expect(await intruder.responses.retrieve(mine.id).catch((e) => e)).toMatchObject({ status: 404, code: 'response_not_found' });
      const hijack = await intruder.responses.create({ model: MODEL, input: 'x', previous_response_id: mine.id }).catch((e) => e);
      expect(hijack).toMatchObject({ status: 404, code: 'response_not_found', param: null });
      expect(await intruder.responses.cancel(mine.id).catch((e) => e)).toMatchObject({ status: 404, code: 'response_not_found' });
      // Resending another account's exact conversation does not reach its session: keys are per account.
      const u1 = { role: 'user' as const, content: 'a private conversation' };
      const a1 = { role: 'assistant' as const, content: (await client.chat.completions.create({ model: MODEL, messages: [u1] })).choices[0]!.message.content! };
      const replay = await intruder.chat.completions.create({ model: MODEL, messages: [u1, a1, { role: 'user', content: 'go on' }] });
      const ownSessions = await t.json('GET', '/v1/sessions', undefined, auth());
      expect(ownSessions.body.sessions.map((x: { id: string }) => x.id)).not.toContain((replay as any).agent.session_id);
      // The intruder's agent got the history as context in a new session of its own (one message).
      expect(historyOf(replay.choices[0]!.message.content!)).toBe(1);
      const other = await client.chat.completions
        .create({ model: MODEL, messages: hi }, { headers: { 'X-Session-Id': '00000000-0000-4000-8000-000000000000' } })
        .catch((e) => e);
      expect(other).toMatchObject({ status: 404, code: 'session_not_found' });
    });
  });
});
