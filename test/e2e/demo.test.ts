import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startMockModel } from '../../mock-model/server.js';
import { postJson, spawnServer, type ServerProcess } from '../helpers/process.js';

/** Started without ANTHROPIC_API_KEY the service runs on its built-in offline model, and says so. */
describe('offline demo mode', () => {
  const dirs: string[] = [];
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  const baseEnv = async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'caa-demo-'));
    dirs.push(dataDir);
    return { DATA_DIR: dataDir, PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', WEATHER_TOOL: 'false' };
  };

  it('without a key: warns loudly, /health says demo, and chat works', async () => {
    const server = await spawnServer(await baseEnv());
    servers.push(server);
    const warning = server.logs.map((l) => JSON.parse(l)).find((e) => /DEMO MODE/.test(e.msg ?? ''));
    expect(warning).toBeDefined();
    expect(warning.level).toBe(40); // pino "warn"

    const health = await (await fetch(`${server.url}/health`)).json();
    expect(health).toMatchObject({ status: 'healthy', mode: 'demo', demo: true });
    expect(health.warning).toMatch(/offline demo model/);

    const chat = await postJson(`${server.url}/chat`, { message: 'hello demo' });
    expect(chat.status).toBe(200);
    expect(chat.body.is_error).toBe(false);
    expect(chat.body.response_text).toContain('Echo: hello demo');
    expect(chat.body.cost_usd).toBeGreaterThan(0);
  });

  it('with a key: talks to the configured endpoint and starts no demo model', async () => {
    const upstream = await startMockModel();
    try {
      const server = await spawnServer({ ...(await baseEnv()), ANTHROPIC_API_KEY: 'sk-live', ANTHROPIC_BASE_URL: upstream.url });
      servers.push(server);
      expect(server.logs.some((l) => l.includes('DEMO MODE'))).toBe(false);
      const health = await (await fetch(`${server.url}/health`)).json();
      expect(health).toMatchObject({ mode: 'live', demo: false });
      expect(health.warning).toBeUndefined();
      const chat = await postJson(`${server.url}/chat`, { message: 'hello live' });
      expect(chat.body.response_text).toContain('Echo: hello live');
      const calls = upstream.requests.filter((r) => r.path === '/v1/messages');
      expect(calls).toHaveLength(1);
      expect(calls[0]!.headers['x-api-key']).toBe('sk-live');
    } finally {
      await upstream.close();
    }
  });
});
