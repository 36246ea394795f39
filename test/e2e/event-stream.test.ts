import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { waitFor } from '../helpers/procs.js';
import { readSse, streamMessage } from '../helpers/sse.js';
import { startProxy } from '../helpers/tcp-proxy.js';

const WORDS = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
const TYPES = ['turn.started', 'text.delta', 'thinking.delta', 'tool.started', 'tool.finished', 'usage', 'model.retry', 'turn.finished', 'turn.failed'];

/**
 * The event stream's contract with a standard client (the `eventsource` package, a WHATWG
 * EventSource): a reconnect through a cut connection loses nothing, and once the terminal event
 * was seen the stream is over — no duplicate end, no reconnect loop.
 */
describe('event stream contract', () => {
  let t: TestServer;
  beforeAll(async () => {
    // A long heartbeat: a stream that stalled instead of ending would show up as a test timeout.
    t = await startTestServer({ SSE_HEARTBEAT: '60s' });
  });
  afterAll(() => t.close());

  const newSession = async () => (await t.json('POST', '/v1/sessions', {})).body.id as string;
  const eventsUrl = (base: string, s: string, turn: string) => `${base}/v1/sessions/${s}/turns/${turn}/events`;

  async function finishedTurn(): Promise<{ session: string; turn: string; last: number }> {
    const session = await newSession();
    const { events } = await streamMessage(t.url, session, { message: 'MOCK slow 5 a b c d' });
    return { session, turn: events[0]!.data.turn_id as string, last: events.at(-1)!.id };
  }

  it('EventSource through a proxy that cuts the connection mid-turn: every event once, in order, then it stops for good', async () => {
    const proxy = await startProxy(Number(new URL(t.url).port));
    try {
      const session = await newSession();
      const accepted = await t.json('POST', `/v1/sessions/${session}/messages`, { message: `MOCK slow 60 ${WORDS}`, background: true });
      expect(accepted.status).toBe(202);
      const es = new EventSource(eventsUrl(proxy.url, session, accepted.body.turn_id));
      const seen: Array<{ id: number; type: string; data: any }> = [];
      const errors: Array<number | undefined> = [];
      for (const type of TYPES) {
        es.addEventListener(type, (e) => seen.push({ id: Number(e.lastEventId), type, data: JSON.parse(e.data) }));
      }
      es.addEventListener('error', (e) => errors.push((e as { code?: number }).code));
      try {
        await waitFor(() => seen.length, (n) => n >= 5, 30_000);
        expect(proxy.cutAll()).toBe(1);
        await waitFor(() => seen.at(-1)?.type, (type) => type === 'turn.finished', 60_000);
        // It never called close(): after the end it reconnects once, gets 204 and stops.
        await waitFor(() => es.readyState, (s) => s === es.CLOSED, 30_000);
      } finally {
        es.close();
      }
      expect(seen.map((e) => e.id)).toEqual(seen.map((_, i) => i + 1));
      const texts = seen.filter((e) => e.type === 'text.delta').map((e) => e.data.text).join('');
      expect(texts).toBe(WORDS);
      expect(seen.filter((e) => e.type === 'turn.finished')).toHaveLength(1);
      // Errors: the cut, the server closing the ended stream, then the reconnect answered 204 — and no more.
      expect(errors).toEqual([undefined, undefined, 204]);
    } finally {
      await proxy.close();
    }
  });

  it('a reconnect after the terminal event: 204 at once, with either way of naming the id', async () => {
    const { session, turn, last } = await finishedTurn();
    const header = await fetch(eventsUrl(t.url, session, turn), { headers: { accept: 'text/event-stream', 'last-event-id': String(last) } });
    expect(header.status).toBe(204);
    expect(await header.text()).toBe('');
    const query = await fetch(`${eventsUrl(t.url, session, turn)}?last_event_id=${last}`);
    expect(query.status).toBe(204);
    // Before the end: the rest of the stream, which ends at once with the real terminal event.
    const tail = await readSse(await fetch(eventsUrl(t.url, session, turn), { headers: { 'last-event-id': String(last - 1) } }));
    expect(tail.events.map((e) => [e.id, e.event])).toEqual([[last, 'turn.finished']]);
    expect(tail.comments).toEqual([]);
  });

  it.each(
    [
      ['abc'],
      ['-1'],
      ['1.5'],
      ['0x10'],
      ['1e5'],
      ['1e+23'],
      ['+3'],
      ['07'],
      ['99999999999999999999'],
      ['9'.repeat(10_000), '10k digits'],
    ].map(([value, label]) => ({ value: value!, label: label ?? value! })),
  )('Last-Event-ID $label is refused the same way in the header and the query: 400 invalid_event_id', async ({ value }) => {
    {
      const { session, turn } = await finishedTurn();
      const viaHeader = await t.json('GET', `/v1/sessions/${session}/turns/${turn}/events`, undefined, { 'last-event-id': value });
      expect(viaHeader.status).toBe(400);
      expect(viaHeader.body.error.code).toBe('invalid_event_id');
      const viaQuery = await t.json('GET', `/v1/sessions/${session}/turns/${turn}/events?last_event_id=${encodeURIComponent(value)}`);
      expect(viaQuery.status).toBe(400);
      expect(viaQuery.body.error.code).toBe('invalid_event_id');
    }
  });

  it('an id past the last event sent is not one this stream issued: 400, never an invented event', async () => {
    const { session, turn, last } = await finishedTurn();
    for (const past of [last + 1, 1_000_000]) {
      const r = await t.json('GET', `/v1/sessions/${session}/turns/${turn}/events`, undefined, { 'last-event-id': String(past) });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('invalid_event_id');
    }
    // 0 and a leading-zero-free decimal are fine; the header wins over the query.
    const all = await readSse(await fetch(`${eventsUrl(t.url, session, turn)}?last_event_id=abc`, { headers: { 'last-event-id': '0' } }));
    expect(all.events.map((e) => e.id)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
  });
});
