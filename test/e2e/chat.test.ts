import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';

/** Through real HTTP, the real SDK and `claude` binary, the mock model and real SQLite. */
describe('sessions end to end', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  const lastUserTexts = () => {
    const body = t.mock.requests.at(-1)!.body as { messages: { role: string; content: unknown }[] };
    return JSON.stringify(body.messages);
  };

  it('answers a weather question with a real tool call (seed API)', async () => {
    const { status, body } = await t.json('POST', '/chat', { message: 'What is the weather in Paris?' });
    expect(status).toBe(200);
    expect(body.is_error).toBe(false);
    expect(body.tool_calls).toHaveLength(1);
    expect(body.tool_calls[0]).toMatchObject({ tool_name: 'mcp__weather__get_weather', tool_input: { city: 'Paris' } });
    expect(body.tool_calls[0].tool_result).toContain('Paris, France: 18.2°C');
    expect(body.response_text).toContain('18.2°C');
    expect(body.cost_usd).toBeGreaterThan(0);
    expect(body.duration_ms).toBeGreaterThan(0);
    // The tool really called the (fake) weather API.
    expect(t.weather.requests.map((u) => u.pathname)).toEqual(['/v1/search', '/v1/forecast']);
  });

  it('flags a failed tool call in /chat’s tool_calls (is_error)', async () => {
    const ok = await t.json('POST', '/chat', { message: 'What is the weather in Paris?' });
    expect(ok.body.tool_calls[0].is_error).toBe(false);
    t.weather.mode = 'forecast-500';
    try {
      const { body } = await t.json('POST', '/chat', { message: 'What is the weather in Paris?' });
      expect(body.is_error).toBe(false); // the turn itself succeeded: the model relayed the failure
      expect(body.tool_calls[0]).toMatchObject({ tool_name: 'mcp__weather__get_weather', is_error: true });
    } finally {
      t.weather.mode = 'ok';
    }
  });

  it('keeps context: the second message reaches the model with the first in its history', async () => {
    const first = await t.json('POST', '/chat', { message: 'Remember the word avocado.' });
    expect(first.body.response_text).toContain('[history: 1 messages]');
    const second = await t.json('POST', '/chat', { message: 'Which word?', session_id: first.body.session_id });
    expect(second.status).toBe(200);
    expect(second.body.session_id).toBe(first.body.session_id);
    expect(second.body.response_text).toContain('[history: 3 messages]');
    expect(lastUserTexts()).toContain('Remember the word avocado.');

    const convo = await t.json('GET', `/sessions/${first.body.session_id}`);
    expect(convo.body.turn_count).toBe(2);
    expect(convo.body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(convo.body.messages[2].content).toBe('Which word?');
  });

  it('runs the /v1 lifecycle: create, send, read, list, rename, delete', async () => {
    const created = await t.json('POST', '/v1/sessions', { title: 'Planning', tags: ['work'] });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ title: 'Planning', tags: ['work'], status: 'idle', turn_count: 0 });

    const t1 = await t.json('POST', `/v1/sessions/${id}/messages`, { message: 'first' });
    expect(t1.status).toBe(200);
    expect(t1.body).toMatchObject({ session_id: id, seq: 1, status: 'succeeded', error: null, prompt: 'first' });
    expect(t1.body.response_text).toContain('Echo: first');
    const t2 = await t.json('POST', `/v1/sessions/${id}/messages`, { message: 'second' });
    expect(t2.body).toMatchObject({ seq: 2, status: 'succeeded' });
    expect(t2.body.response_text).toContain('[history: 3 messages]');

    // Per-turn cost is the turn's own, not the SDK's running total: the session total is the sum.
    const s = await t.json('GET', `/v1/sessions/${id}`);
    expect(s.body.turn_count).toBe(2);
    expect(t1.body.cost_usd).toBeGreaterThan(0);
    expect(t2.body.cost_usd).toBeGreaterThan(0);
    expect(s.body.cost_usd).toBeCloseTo(t1.body.cost_usd + t2.body.cost_usd, 10);
    expect(s.body.usage.output_tokens).toBe(t1.body.usage.output_tokens + t2.body.usage.output_tokens);
    // claude-sonnet-4-5 list price ($3 / $15 per million tokens) applied to the turn's own usage.
    const price = (u: { input_tokens: number; output_tokens: number }) => (u.input_tokens * 3 + u.output_tokens * 15) / 1e6;
    expect(t1.body.cost_usd).toBeCloseTo(price(t1.body.usage), 9);
    expect(t2.body.cost_usd).toBeCloseTo(price(t2.body.usage), 9);

    const history = await t.json('GET', `/v1/sessions/${id}/messages`);
    expect(history.body.messages.map((m: { content: string }) => m.content.slice(0, 12))).toEqual([
      'first',
      'Echo: first ',
      'second',
      'Echo: second',
    ]);

    const list = await t.json('GET', '/v1/sessions?limit=1');
    expect(list.body.sessions[0].id).toBe(id);
    expect(list.body.next_cursor).toBeTruthy();
    const page2 = await t.json('GET', `/v1/sessions?limit=1&cursor=${encodeURIComponent(list.body.next_cursor)}`);
    expect(page2.body.sessions[0].id).not.toBe(id);

    const renamed = await t.json('PATCH', `/v1/sessions/${id}`, { title: 'Renamed', tags: ['a', 'b'] });
    expect(renamed.body).toMatchObject({ title: 'Renamed', tags: ['a', 'b'] });

    const projectKey = t.server.runtime.projectKey('local');
    const localFile = path.join(t.config.claudeConfigDir, 'projects', projectKey, `${id}.jsonl`);
    expect(existsSync(localFile)).toBe(true);
    expect(await t.server.store.transcripts.exists(projectKey, id)).toBe(true);

    const del = await t.request('DELETE', `/v1/sessions/${id}`);
    expect(del.status).toBe(204);
    expect((await t.json('GET', `/v1/sessions/${id}`)).status).toBe(404);
    expect(await t.server.store.transcripts.exists(projectKey, id)).toBe(false);
    expect(await t.server.store.transcripts.load({ projectKey, sessionId: id })).toBeNull();
    expect(existsSync(localFile)).toBe(false);
    const left = await readdir(path.dirname(localFile));
    expect(left.filter((f) => f.startsWith(id))).toEqual([]);
  });

  it.each([
    ['500', 'model_error'],
    ['529', 'model_overloaded'],
    ['429', 'rate_limited'],
  ])('a model %s fails the turn with %s and the session stays usable', async (fault, code) => {
    const created = await t.json('POST', '/v1/sessions', {});
    const id = created.body.id;
    const failed = await t.json('POST', `/v1/sessions/${id}/messages`, { message: `MOCK fail ${fault}` });
    expect(failed.status).toBe(200);
    expect(failed.body.status).toBe('failed');
    expect(failed.body.error.code).toBe(code);
    expect(failed.body.error.message.length).toBeGreaterThan(5);

    const seed = await t.json('GET', `/sessions/${id}`);
    expect(seed.body.messages[1]).toMatchObject({ role: 'assistant', is_error: true });

    const next = await t.json('POST', `/v1/sessions/${id}/messages`, { message: 'are you there?' });
    expect(next.body.status).toBe('succeeded');
    expect(next.body.response_text).toContain('Echo: are you there?');
    const after = await t.json('GET', `/v1/sessions/${id}`);
    expect(after.body).toMatchObject({ status: 'idle', turn_count: 2 });
  });

  it('a model error on /chat answers is_error with a clear message', async () => {
    const { status, body } = await t.json('POST', '/chat', { message: 'MOCK fail 500' });
    expect(status).toBe(200);
    expect(body.is_error).toBe(true);
    expect(body.response_text).toMatch(/500|error/i);
  });

  it('rejects a second message while a turn runs (409 session_busy)', async () => {
    const created = await t.json('POST', '/v1/sessions', {});
    const id = created.body.id;
    const slow = t.json('POST', `/v1/sessions/${id}/messages`, { message: 'MOCK slow 40 one two three four five six seven eight' });
    await new Promise((r) => setTimeout(r, 300));
    const busy = await t.json('POST', `/v1/sessions/${id}/messages`, { message: 'me too' });
    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe('session_busy');
    expect((await slow).body.status).toBe('succeeded');
    const history = await t.json('GET', `/v1/sessions/${id}/messages`);
    expect(history.body.messages).toHaveLength(2);
  });
});
