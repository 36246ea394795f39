import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockModel, type MockModel } from '../../mock-model/server.js';
import { testEnv } from '../helpers/harness.js';
import { postJson, spawnServer, type ServerProcess } from '../helpers/process.js';
import { processesWithEnv, waitFor } from '../helpers/procs.js';
import { startFakeOpenMeteo, type FakeOpenMeteo } from '../tools/fake-open-meteo.js';

/** The server as a real process: graceful SIGTERM, and no agent process outlives it either way. */
describe('server lifecycle', () => {
  let mock: MockModel;
  let weather: FakeOpenMeteo;
  const dirs: string[] = [];
  const servers: ServerProcess[] = [];
  beforeAll(async () => {
    mock = await startMockModel();
    weather = await startFakeOpenMeteo();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    await mock.close();
    await weather.close();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  const start = async (extra: Record<string, string> = {}) => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'caa-life-'));
    dirs.push(dataDir);
    const server = await spawnServer({ ...testEnv(dataDir, mock, weather), ...extra });
    servers.push(server);
    return { server, dataDir };
  };
  /** Agent processes of a server on `dataDir` (only they carry its CLAUDE_CONFIG_DIR). */
  const agents = (dataDir: string) => processesWithEnv(`CLAUDE_CONFIG_DIR=${path.join(dataDir, 'claude')}`);
  const slowTurn = 'MOCK slow 60 the turn in flight finishes before the server stops';

  it('SIGTERM: refuses new turns, lets the running one finish, exits 0, leaves no claude process', async () => {
    const { server, dataDir } = await start({ SHUTDOWN_GRACE: '20s' });
    const first = await postJson(`${server.url}/chat`, { message: 'hello' });
    const inFlight = postJson(`${server.url}/chat`, { message: slowTurn, session_id: first.body.session_id });
    await waitFor(() => mock.requests.filter((r) => JSON.stringify(r.body).includes('turn in flight')).length, (n) => n > 0);
    expect(agents(dataDir).length).toBeGreaterThan(0);

    server.proc.kill('SIGTERM');
    await waitFor(() => server.logs.some((l) => l.includes('shutting down')), (x) => x);
    const refused = await postJson(`${server.url}/chat`, { message: 'too late' });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('shutting_down');
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(503);

    const done = await inFlight;
    expect(done.status).toBe(200);
    expect(done.body.is_error).toBe(false);
    expect(done.body.response_text).toContain('finishes before the server stops');
    expect(await server.stop()).toBe(0);
    expect(agents(dataDir)).toEqual([]);
  });

  it('SIGTERM past the grace period ends the turn as failed and still leaves no process', async () => {
    const { server, dataDir } = await start({ SHUTDOWN_GRACE: '500ms' });
    const inFlight = postJson(`${server.url}/chat`, { message: `MOCK slow 200 ${'word '.repeat(40)}` });
    await waitFor(() => agents(dataDir).length, (n) => n > 0);
    await new Promise((r) => setTimeout(r, 800));
    server.proc.kill('SIGTERM');
    const done = await inFlight;
    expect(done.body.is_error).toBe(true);
    expect(done.body.response_text).toMatch(/shut down/);
    expect(await server.stop()).toBe(0);
    expect(agents(dataDir)).toEqual([]);
  });

  it('a killed server’s sandboxed agent processes die with it (bwrap --die-with-parent), the turn failed at the next start', async () => {
    const { server, dataDir } = await start();
    const first = await postJson(`${server.url}/chat`, { message: 'remember pear' });
    const sessionId = first.body.session_id;
    void postJson(`${server.url}/chat`, { message: `MOCK slow 200 ${'word '.repeat(40)}`, session_id: sessionId }).catch(() => {});
    await new Promise((r) => setTimeout(r, 500));
    expect(agents(dataDir).length).toBeGreaterThan(0);
    await server.stop('SIGKILL');
    expect(await waitFor(() => agents(dataDir), (p) => p.length === 0, 5_000)).toEqual([]);
    const again = await spawnServer({ ...testEnv(dataDir, mock, weather) });
    servers.push(again);
    const next = await postJson(`${again.url}/chat`, { message: 'which fruit?', session_id: sessionId });
    expect(next.body.is_error).toBe(false);
    expect(JSON.stringify(mock.requests.at(-1)!.body)).toContain('remember pear');
  });

  // Unsandboxed, nothing ties the CLI to the server: the next start reaps what a killed one left.
  it('SANDBOX=off: a killed server’s agent processes are reaped and its running turn failed at the next start', async () => {
    const { server, dataDir } = await start({ SANDBOX: 'off' });
    const first = await postJson(`${server.url}/chat`, { message: 'remember plum' });
    const sessionId = first.body.session_id;
    void postJson(`${server.url}/chat`, { message: `MOCK slow 200 ${'word '.repeat(40)}`, session_id: sessionId }).catch(() => {});
    await new Promise((r) => setTimeout(r, 500));
    await server.stop('SIGKILL');
    // Orphaned mid-turn: the CLI would only exit at stdin EOF once its slow answer is done.
    const orphans = agents(dataDir);
    expect(orphans.length).toBeGreaterThan(0);
    expect(orphans.every((p) => p.ppid === 1)).toBe(true);

    const again = await spawnServer({ ...testEnv(dataDir, mock, weather), SANDBOX: 'off' });
    servers.push(again);
    expect(again.logs.some((l) => l.includes('killed agent processes orphaned'))).toBe(true);
    expect(await waitFor(() => agents(dataDir), (p) => p.length === 0, 2_000)).toEqual([]);
    expect(again.logs.some((l) => l.includes('its turns were failed'))).toBe(true);
    const convo = await (await fetch(`${again.url}/v1/sessions/${sessionId}/messages`)).json();
    expect(convo.messages[3]).toMatchObject({ role: 'assistant', status: 'failed', error: { code: 'server_restarted' } });
    const next = await postJson(`${again.url}/chat`, { message: 'which fruit?', session_id: sessionId });
    expect(next.body.is_error).toBe(false);
    expect(JSON.stringify(mock.requests.at(-1)!.body)).toContain('remember plum');
  });
});
