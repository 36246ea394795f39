import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { waitFor } from '../helpers/procs.js';
import { streamMessage } from '../helpers/sse.js';

const WORDS = 20_000;
const gc = (globalThis as { gc?: () => void }).gc!;
const heapMb = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
};

/** The event log is the only buffer: a client that stops reading costs the server nothing. */
describe('backpressure', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ MAX_QUEUED_TURNS: '2' });
  });
  afterAll(() => t.close());
  const newSession = async () => (await t.json('POST', '/v1/sessions', {})).body.id as string;

  it('clients that never read neither grow memory nor slow another session', async () => {
    const stalled = [await newSession(), await newSession(), await newSession(), await newSession()];
    const other = await newSession();
    for (const id of stalled) await t.json('POST', `/v1/sessions/${id}/messages`, { message: 'warm up' });
    const before = heapMb();

    // Raw HTTP clients that send their request and then never read a byte.
    const url = new URL(t.url);
    const sockets = stalled.map((id) => {
      const socket = net.connect(Number(url.port), url.hostname);
      socket.pause();
      const body = JSON.stringify({ message: `MOCK long ${WORDS}`, stream: true });
      socket.write(
        `POST /v1/sessions/${id}/messages HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return socket;
    });

    // Not blocked behind the stalled streams: it streams to its end (no wall-clock bound: the
    // machine is noisy; a server that waited on the stalled sockets would never get here).
    const { events } = await streamMessage(t.url, other, { message: 'MOCK slow 5 the other session streams as usual' });
    expect(events.at(-1)!.data.turn.response_text).toBe('the other session streams as usual');
    expect(events.filter((e) => e.event === 'text.delta').length).toBeGreaterThan(1);

    // The stalled clients' turns run to their end regardless, fully recorded.
    for (const id of stalled) {
      const messages = await waitFor(
        async () => (await t.json('GET', `/v1/sessions/${id}/messages`)).body.messages,
        (m) => m.length === 4 && m[3].status !== 'running',
        30_000,
      );
      expect(messages[3].status).toBe('succeeded');
      expect(messages[3].content.split(' ').length).toBe(WORDS);
    }
    // 4 × 20k SSE frames (~7 MB, twice that as JS strings) sit unread; the server may hold only
    // what the sockets themselves buffer.
    const grown = heapMb() - before;
    expect(grown).toBeLessThan(3);
    for (const s of sockets) s.destroy();
  });

  it('on_disconnect: "cancel" interrupts the turn when its stream client goes away', async () => {
    const id = await newSession();
    const res = await fetch(`${t.url}/v1/sessions/${id}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: `MOCK slow 100 ${'word '.repeat(50)}`, stream: true, on_disconnect: 'cancel' }),
    });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    const turn = await waitFor(
      async () => (await t.json('GET', `/v1/sessions/${id}/messages`)).body.messages[1],
      (m) => m?.status !== undefined,
      10_000,
    );
    expect(turn.status).toBe('interrupted');
  });
});
