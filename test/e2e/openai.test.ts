import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyOf, startTestServer, type TestServer } from '../helpers/harness.js';

/**
 * The OpenAI-compatible APIs driven by the official `openai` package (a client nobody here wrote),
 * against the real service, the real `claude` binary and mock-model/.
 */
describe('OpenAI-compatible APIs through the official openai client', () => {
  let t: TestServer;
  let client: OpenAI;
  let key: string;
  const MODEL = 'claude-sonnet-4-5';

  beforeAll(async () => {
    t = await startTestServer({ CLAUDE_MODEL: MODEL, CLAUDE_MODELS: 'claude-haiku-4-5' });
    const a = await t.server.accounts.createAccount({ name: 'openai-client', limits: {} });
    key = (await t.server.accounts.createKey(a.id, null)).key;
    // No retries: a refused request must surface as the client's own error at once.
    client = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: key, maxRetries: 0 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists the configured models', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([MODEL, 'claude-haiku-4-5']);
    expect((await client.models.retrieve('claude-haiku-4-5')).id).toBe('claude-haiku-4-5');
  });

  it('answers a completion with usage, and names its session and turn', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'hello there' }], max_tokens: 50, temperature: 0.2 })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe(MODEL);
    expect(data.choices[0]!.message.content).toBe('Echo: hello there [history: 1 messages]');
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(data.usage!.completion_tokens).toBeGreaterThan(0);
    expect(data.usage!.total_tokens).toBe(data.usage!.prompt_tokens + data.usage!.completion_tokens);
    const sessionId = response.headers.get('x-session-id')!;
    const turnId = response.headers.get('x-turn-id')!;
    expect(data.id).toBe(`chatcmpl-${turnId}`);
    // The same turn on our own routes, with the model the request chose.
    const turn = await t.json('GET', `/v1/sessions/${sessionId}/turns/${turnId}`, undefined, { authorization: `Bearer ${key}` });
    expect(turn.body).toMatchObject({ status: 'succeeded', response_text: data.choices[0]!.message.content });
    expect(t.mock.requests.at(-1)!.body.model).toBe(MODEL);
  });

  it('streams chunks ending in [DONE], with usage when asked', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'stream me some words' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Echo: stream me some words [history: 1 messages]');
    // More than one content chunk: the words arrived as they were generated.
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBeGreaterThan(1);
    expect(chunks.find((c) => c.choices[0]?.finish_reason)!.choices[0]!.finish_reason).toBe('stop');
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage!.completion_tokens).toBeGreaterThan(0);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it('a turn the model fails is an error the client raises, blocking (502) or mid-stream, never retried', async () => {
    const before = t.mock.requests.length;
    const err = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'MOCK fail 500' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err).toMatchObject({ status: 502, code: 'model_error', type: 'server_error' });
    expect(err.headers.get('x-should-retry')).toBe('false');
    // The CLI's own retry (CLAUDE_MAX_RETRIES=1): two model requests, one turn.
    expect(t.mock.requests.length - before).toBe(2);
    const stream = await client.chat.completions.create({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'MOCK fail 529' }] });
    const failed = await (async () => {
      for await (const _ of stream) void _;
    })().catch((e) => e);
    expect(failed).toBeInstanceOf(OpenAI.APIError);
    expect(failed).toMatchObject({ code: 'model_overloaded' });
  });

  it('X-Session-Id continues a session made on our own routes, applying a changed system prompt and model', async () => {
    const auth = { authorization: `Bearer ${key}` };
    const session = await t.json('POST', '/v1/sessions', { title: 'made here' }, auth);
    await t.json('POST', `/v1/sessions/${session.body.id}/messages`, { message: 'ours first' }, auth);
    const c = await client.chat.completions.create(
      { model: 'claude-haiku-4-5', messages: [{ role: 'system', content: 'Speak like a pirate.' }, { role: 'user', content: 'then openai' }] },
      { headers: { 'X-Session-Id': session.body.id } },
    );
    expect(c.choices[0]!.message.content).toBe('Echo: then openai [history: 3 messages]');
    const body = t.mock.requests.at(-1)!.body;
    expect(body.model).toBe('claude-haiku-4-5');
    expect(JSON.stringify(body.system)).toContain('Speak like a pirate.');
    expect((await t.json('GET', `/v1/sessions/${session.body.id}`, undefined, auth)).body).toMatchObject({ model: 'claude-haiku-4-5', system_prompt: 'Speak like a pirate.' });
  });

  it('store: false keeps no response id; malformed bodies get OpenAI-shaped errors too', async () => {
    const r = await client.responses.create({ model: MODEL, input: 'forget me', store: false });
    expect(r.status).toBe('completed');
    expect(await client.responses.retrieve(r.id).catch((e) => e)).toMatchObject({ status: 404, code: 'response_not_found' });
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const broken = await fetch(`${t.url}/v1/chat/completions`, { method: 'POST', headers, body: '{"model":' });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', code: 'invalid_json', param: null } });
    const text = await fetch(`${t.url}/v1/responses`, { method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, body: 'hi' });
    expect(text.status).toBe(415);
    expect(((await text.json()) as any).error).toMatchObject({ code: 'unsupported_media_type', type: 'invalid_request_error' });
    const badHeader = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }, { headers: { 'X-Session-Id': 'not-a-uuid' } })
      .catch((e) => e);
    expect(badHeader).toMatchObject({ status: 400, code: 'invalid_value', param: 'x-session-id' });
  });

  it('a client resending the whole history continues one session; only the new message reaches the model', async () => {
    const system = { role: 'system' as const, content: 'You are terse.' };
    const first = await client.chat.completions.create({ model: MODEL, messages: [system, { role: 'user', content: 'first question' }] });
    const a1 = first.choices[0]!.message.content!;
    expect(historyOf(a1)).toBe(1);
    const second = await client.chat.completions
      .create({ model: MODEL, messages: [system, { role: 'user', content: 'first question' }, { role: 'assistant', content: a1 }, { role: 'user', content: 'second question' }] })
      .withResponse();
    const a2 = second.data.choices[0]!.message.content!;
    // The model saw one session: the first turn, its answer, then only the new message.
    expect(a2).toBe('Echo: second question [history: 3 messages]');
    expect((second.data as any).agent.session_id).toBe((first as any).agent.session_id);
    expect(JSON.stringify(t.mock.requests.at(-1)!.body.system)).toContain('You are terse.');
    // Streamed, a third message still continues the same session.
    const stream = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [system, { role: 'user', content: 'first question' }, { role: 'assistant', content: a1 }, { role: 'user', content: 'second question' }, { role: 'assistant', content: a2 }, { role: 'user', content: 'third' }],
    });
    let a3 = '';
    for await (const c of stream) a3 += c.choices[0]?.delta.content ?? '';
    expect(a3).toBe('Echo: third [history: 5 messages]');

  });
});
