import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { waitFor } from '../helpers/procs.js';
import { streamMessage, type SseEvent } from '../helpers/sse.js';

/** Tools that need a person: asked over the stream, answered over any other connection. */
describe('tool approval', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const newSession = async (body: Record<string, unknown> = {}) => (await t!.json('POST', '/v1/sessions', body)).body.id as string;
  /** Streams a weather question and answers its permission request from a separate request. */
  async function askWeather(id: string, answer?: Record<string, unknown>) {
    let decided: Promise<{ status: number; body: any }> | undefined;
    const onEvent = (e: SseEvent) => {
      if (e.event === 'permission.requested' && answer) {
        decided = t!.json('POST', `/v1/sessions/${id}/permissions/${e.data.request_id}`, answer);
      }
    };
    const { events } = await streamMessage(t!.url, id, { message: 'What is the weather in Paris?' }, { onEvent });
    return { events, decided: decided ? await decided : undefined, turn: events.at(-1)!.data.turn };
  }

  it('allowed: the tool runs and the answer uses it', async () => {
    t = await startTestServer();
    const id = await newSession({ approval_tools: ['mcp__weather__get_weather'] });
    const { events, decided, turn } = await askWeather(id, { decision: 'allow' });
    const requested = events.find((e) => e.event === 'permission.requested')!;
    expect(requested.data).toMatchObject({ tool: 'mcp__weather__get_weather', input: { city: 'Paris' } });
    expect(requested.data.tool_use_id).toBe(turn.tool_calls[0].id);
    expect(decided).toEqual({ status: 200, body: { decision: 'allow' } });
    expect(events.find((e) => e.event === 'permission.resolved')!.data).toMatchObject({ decision: 'allow', reason: 'user' });
    expect(turn.status).toBe('succeeded');
    expect(turn.tool_calls[0]).toMatchObject({ is_error: false, result: expect.stringContaining('Paris, France') });
    expect(turn.tool_calls[0].denied).toBeFalsy();
    expect(turn.response_text).toContain('18.2°C');
    expect(t.weather.requests).toHaveLength(2);
  });

  it('allowed with changed input: the tool runs on what the person approved', async () => {
    t = await startTestServer({ APPROVAL_REQUIRED_TOOLS: 'mcp__weather' });
    const id = await newSession();
    const { turn } = await askWeather(id, { decision: 'allow', updated_input: { city: 'São Paulo' } });
    expect(turn.tool_calls[0].result).toContain('São Paulo, Brazil');
  });

  it('denied: the model is told, the tool never runs, and tool_calls says denied', async () => {
    t = await startTestServer();
    const id = await newSession({ approval_tools: ['mcp__weather'] });
    const { turn, events } = await askWeather(id, { decision: 'deny', message: 'Not today, thanks.' });
    expect(events.find((e) => e.event === 'permission.resolved')!.data).toMatchObject({ decision: 'deny', reason: 'user' });
    expect(turn.status).toBe('succeeded');
    expect(turn.tool_calls[0]).toMatchObject({ name: 'mcp__weather__get_weather', denied: true, is_error: true });
    expect(turn.tool_calls[0].result).toContain('Not today, thanks.');
    // The model received the refusal as the tool's result.
    expect(JSON.stringify(t.mock.requests.at(-1)!.body)).toContain('Not today, thanks.');
    expect(t.weather.requests).toHaveLength(0);
  });

  it('timed out: nobody answered, so the call is denied with a reason the model sees', async () => {
    t = await startTestServer({ APPROVAL_TIMEOUT: '1s' });
    const id = await newSession({ approval_tools: ['mcp__weather__get_weather'] });
    const { turn, events } = await askWeather(id);
    expect(events.find((e) => e.event === 'permission.resolved')!.data).toMatchObject({ decision: 'deny', reason: 'timeout' });
    expect(turn.tool_calls[0]).toMatchObject({ denied: true });
    expect(turn.tool_calls[0].result).toMatch(/Nobody approved .* within 1 s/);
    expect(t.weather.requests).toHaveLength(0);
  });

  it('only the session’s pending requests can be answered; a second answer is 404', async () => {
    t = await startTestServer();
    const id = await newSession({ approval_tools: ['mcp__weather'] });
    const other = await newSession();
    let requestId = '';
    const streaming = streamMessage(t.url, id, { message: 'What is the weather in Paris?' }, {
      onEvent: (e) => {
        if (e.event === 'permission.requested') requestId = e.data.request_id;
      },
    });
    await waitFor(() => requestId, (r) => r !== '');
    const wrongSession = await t.json('POST', `/v1/sessions/${other}/permissions/${requestId}`, { decision: 'allow' });
    expect(wrongSession.status).toBe(404);
    expect(wrongSession.body.error.code).toBe('permission_not_found');
    const bad = await t.json('POST', `/v1/sessions/${id}/permissions/${requestId}`, { decision: 'maybe' });
    expect(bad.status).toBe(400);
    expect((await t.json('POST', `/v1/sessions/${id}/permissions/${requestId}`, { decision: 'allow' })).status).toBe(200);
    expect((await t.json('POST', `/v1/sessions/${id}/permissions/${requestId}`, { decision: 'deny' })).status).toBe(404);
    expect((await streaming).events.at(-1)!.data.turn.status).toBe('succeeded');
  });

  it('an interrupt while waiting for approval ends the turn interrupted', async () => {
    t = await startTestServer();
    const id = await newSession({ approval_tools: ['mcp__weather'] });
    let asked = false;
    const streaming = streamMessage(t.url, id, { message: 'What is the weather in Paris?' }, {
      onEvent: (e) => {
        if (e.event === 'permission.requested') asked = true;
      },
    });
    await waitFor(() => asked, (a) => a);
    expect((await t.json('POST', `/v1/sessions/${id}/interrupt`)).body.interrupted).toBe(true);
    const { events } = await streaming;
    expect(events.find((e) => e.event === 'permission.resolved')?.data.reason).toBe('interrupted');
    expect(events.at(-1)!.data.turn.status).toBe('interrupted');
    expect((await t.json('POST', `/v1/sessions/${id}/messages`, { message: 'next' })).body.status).toBe('succeeded');
  });
});
