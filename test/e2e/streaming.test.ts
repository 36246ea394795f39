import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { waitFor } from '../helpers/procs.js';
import { readSse, streamMessage, type SseEvent } from '../helpers/sse.js';

const WORDS = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');

/** Turns streamed as Server-Sent Events, from the real SDK through the durable event log. */
describe('streaming', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ SSE_HEARTBEAT: '300ms' });
  });
  afterAll(() => t.close());

  const newSession = async (body: Record<string, unknown> = {}) => (await t.json('POST', '/v1/sessions', body)).body.id as string;
  const ids = (events: SseEvent[]) => events.map((e) => e.id);
  const texts = (events: SseEvent[]) => events.filter((e) => e.event === 'text.delta').map((e) => e.data.text).join('');

  it('streams a turn’s events in order, text as it is produced, ending with the blocking shape', async () => {
    const id = await newSession();
    const { events, response } = await streamMessage(t.url, id, { message: `MOCK slow 40 ${WORDS}` });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('x-accel-buffering')).toBe('no');

    expect(ids(events)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]!.event).toBe('turn.started');
    const last = events.at(-1)!;
    expect(last.event).toBe('turn.finished');
    for (const e of events) expect(e.data).toMatchObject({ id: e.id, type: e.event });

    const turn = last.data.turn;
    expect(turn.status).toBe('succeeded');
    expect(texts(events)).toBe(turn.response_text);
    expect(turn.response_text).toBe(WORDS);
    expect(events.some((e) => e.event === 'usage')).toBe(true);
    // Exactly what the blocking call and GET /turns/{id} return.
    expect((await t.json('GET', `/v1/sessions/${id}/turns/${turn.id}`)).body).toEqual(turn);

    // The first words reached us long before the model had sent the last one (30 words × 40 ms).
    const firstDelta = events.find((e) => e.event === 'text.delta')!;
    expect(last.at - firstDelta.at).toBeGreaterThan(700);
  });

  it('pairs tool.started / tool.finished with the turn’s tool_calls; Accept header selects SSE', async () => {
    const id = await newSession();
    const res = await fetch(`${t.url}/v1/sessions/${id}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ message: 'What is the weather in Paris?' }),
    });
    const { events } = await readSse(res);
    const started = events.filter((e) => e.event === 'tool.started');
    const finished = events.filter((e) => e.event === 'tool.finished');
    const calls = events.at(-1)!.data.turn.tool_calls;
    expect(started.map((e) => ({ id: e.data.tool_use_id, name: e.data.name, input: e.data.input }))).toEqual(
      calls.map((c: { id: string; name: string; input: unknown }) => ({ id: c.id, name: c.name, input: c.input })),
    );
    expect(finished.map((e) => ({ id: e.data.tool_use_id, result: e.data.result, is_error: e.data.is_error }))).toEqual(
      calls.map((c: { id: string; result: string; is_error: boolean }) => ({ id: c.id, result: c.result, is_error: c.is_error })),
    );
    expect(events.indexOf(started[0]!)).toBeLessThan(events.indexOf(finished[0]!));
  });

  it('reconnects with Last-Event-ID without a gap or a duplicate, during and after the turn', async () => {
    const id = await newSession();
    const first = await streamMessage(t.url, id, { message: `MOCK slow 30 ${WORDS}` }, { stopAfter: 5 });
    expect(ids(first.events)).toEqual([1, 2, 3, 4, 5]);
    const turnId = first.events[0]!.data.turn_id;
    // The turn went on without us; attach again from where we were.
    const res = await fetch(`${t.url}/v1/sessions/${id}/turns/${turnId}/events`, { headers: { 'last-event-id': '5' } });
    const second = await readSse(res);
    const union = [...first.events, ...second.events];
    expect(ids(union)).toEqual(union.map((_, i) => i + 1));
    expect(union.at(-1)!.event).toBe('turn.finished');
    expect(texts(union)).toBe(WORDS);

    // After the end: the whole stream again, and a tail by query parameter.
    const replay = await readSse(await fetch(`${t.url}/v1/sessions/${id}/turns/${turnId}/events`));
    expect(replay.events.map((e) => [e.id, e.event, e.data])).toEqual(union.map((e) => [e.id, e.event, e.data]));
    const tail = await readSse(await fetch(`${t.url}/v1/sessions/${id}/turns/${turnId}/events?last_event_id=${union.length - 2}`));
    expect(ids(tail.events)).toEqual([union.length - 1, union.length]);
  });

  it('runs a turn in the background: 202 at once, then the same result by polling and by its stream', async () => {
    const id = await newSession();
    const t0 = Date.now();
    const accepted = await t.json('POST', `/v1/sessions/${id}/messages`, { message: 'MOCK slow 50 in the background', background: true });
    expect(accepted.status).toBe(202);
    expect(Date.now() - t0).toBeLessThan(400);
    const { turn_id, links } = accepted.body;
    expect(links).toEqual({ turn: `/v1/sessions/${id}/turns/${turn_id}`, events: `/v1/sessions/${id}/turns/${turn_id}/events` });
    const polled = await waitFor(() => t.json('GET', links.turn), (r) => r.body.status === 'succeeded', 15_000);
    expect(polled.body.response_text).toBe('in the background');
    const streamed = await readSse(await fetch(`${t.url}${links.events}`));
    expect(streamed.events.at(-1)!.data.turn).toEqual(polled.body);
  });

  it('ends a failing turn’s stream with turn.failed and its code', async () => {
    const id = await newSession();
    for (const [fault, code] of [['break', 'model_error'], ['500', 'model_error'], ['429', 'rate_limited']] as const) {
      const { events } = await streamMessage(t.url, id, { message: `MOCK fail ${fault}` });
      const last = events.at(-1)!;
      expect(last.event).toBe('turn.failed');
      expect(last.data).toMatchObject({ code, turn: { status: 'failed', error: { code } } });
      expect(last.data.message.length).toBeGreaterThan(5);
    }
  });

  it('keeps an idle stream open with heartbeat comments', async () => {
    const id = await newSession();
    const { comments, events } = await streamMessage(t.url, id, { message: 'MOCK slow 400 one two three' });
    expect(comments.filter((c) => c === 'keep-alive').length).toBeGreaterThanOrEqual(1);
    expect(events.at(-1)!.event).toBe('turn.finished');
  });

  it('answers 404 for another session’s turn and an unknown turn', async () => {
    const a = await newSession();
    const b = await newSession();
    const { events } = await streamMessage(t.url, a, { message: 'mine' });
    const turnId = events[0]!.data.turn_id;
    expect((await t.json('GET', `/v1/sessions/${b}/turns/${turnId}/events`)).status).toBe(404);
    expect((await t.json('GET', `/v1/sessions/${a}/turns/${crypto.randomUUID()}/events`)).body.error.code).toBe('turn_not_found');
  });
});
