import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockModel, type MockModel } from '../../mock-model/server.js';
import { testEnv } from '../helpers/harness.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';
import { readSse, type SseEvent } from '../helpers/sse.js';
import { startFakeOpenMeteo, type FakeOpenMeteo } from '../tools/fake-open-meteo.js';

const WORDS = Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ');

/** A turn cut by a crash (kill -9 mid-stream) keeps the text its client had already seen. */
describe('a turn cut by a server crash', () => {
  let mock: MockModel;
  let weather: FakeOpenMeteo;
  let dataDir: string;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    mock = await startMockModel();
    weather = await startFakeOpenMeteo();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'caa-crash-'));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    await mock.close();
    await weather.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('after kill -9 and a restart, the failed turn’s response_text is what was streamed, and its stream ends with a real id', async () => {
    const env = testEnv(dataDir, mock, weather);
    const first = await spawnServer(env);
    servers.push(first);
    const session = (await (await fetch(`${first.url}/v1/sessions`, { method: 'POST' })).json()).id as string;
    const res = await fetch(`${first.url}/v1/sessions/${session}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: `MOCK slow 80 ${WORDS}`, stream: true }),
    });
    const deltas: SseEvent[] = [];
    const { events } = await readSse(res, {
      stopAfter: 15,
      onEvent: (e) => {
        if (e.event === 'text.delta') deltas.push(e);
      },
    });
    const turnId = events[0]!.data.turn_id as string;
    const seen = deltas.map((e) => e.data.text).join('');
    expect(seen.length).toBeGreaterThan(0);
    await first.stop('SIGKILL');

    const again = await spawnServer(env);
    servers.push(again);
    const turn = await (await fetch(`${again.url}/v1/sessions/${session}/turns/${turnId}`)).json();
    expect(turn).toMatchObject({ status: 'failed', error: { code: 'server_restarted' } });
    // At least what the client saw (the log may hold a few deltas more), and only the model's words.
    expect(turn.response_text.startsWith(seen)).toBe(true);
    expect(WORDS.startsWith(turn.response_text)).toBe(true);

    // The replay ends with the failure, under an id that is in the log (one past the last delta).
    const replay = await readSse(await fetch(`${again.url}/v1/sessions/${session}/turns/${turnId}/events`));
    const last = replay.events.at(-1)!;
    expect(last.event).toBe('turn.failed');
    expect(replay.events.map((e) => e.id)).toEqual(replay.events.map((_, i) => i + 1));
    expect(last.data.turn.response_text).toBe(turn.response_text);
    // A reconnect after it: 204, nothing new.
    const after = await fetch(`${again.url}/v1/sessions/${session}/turns/${turnId}/events`, {
      headers: { accept: 'text/event-stream', 'last-event-id': String(last.id) },
    });
    expect(after.status).toBe(204);
    // The history shows the partial answer too.
    const history = await (await fetch(`${again.url}/v1/sessions/${session}/messages`)).json();
    expect(history.messages.at(-1)).toMatchObject({ role: 'assistant', status: 'failed', content: turn.response_text });
  });
});
