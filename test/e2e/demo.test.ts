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
    const warning = server.logs.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((e) => /DEMO MODE/.test(e.msg ?? ''));
    expect(warning).toBeDefined();
    expect(warning.level).toBe(40); // pino "warn"

    const health = await (await fetch(`${server.url}/health`)).json();
    expect(health).toMatchObject({ status: 'healthy', mode: 'demo', demo: true });
    expect(health.warning).toMatch(/offline demo model/);

    const chat = await postJson(`${server.url}/chat`, { message: 'hello demo' });
    expect(chat.status).toBe(200);
    expect(chat.body.is_error).toBe(false);
    expect(chat.body.response_text).toContain('Echo: hello demo');
    // The demo model's prices are made up: a demo turn costs nothing and spends no budget.
    expect(chat.body.cost_usd).toBe(0);
    // Besides the JSON log, a line for the person who started it: where to go, and in which mode.
    expect(server.logs).toContain(`  Web chat: ${server.url}/`);
    expect(server.logs.some((l) => /is up \(demo mode/.test(l))).toBe(true);
  });

  it('the headline question works offline: the weather tool answers from built-in sample data', async () => {
    // Open-Meteo's real addresses, unreachable here: the demo must not need them.
    const server = await spawnServer({ ...(await baseEnv()), WEATHER_TOOL: 'true', WEATHER_GEOCODING_URL: 'http://127.0.0.1:9', WEATHER_FORECAST_URL: 'http://127.0.0.1:9' });
    servers.push(server);
    const chat = await postJson(`${server.url}/chat`, { message: 'What is the weather in Paris?' });
    expect(chat.status).toBe(200);
    expect(chat.body.is_error).toBe(false);
    expect(chat.body.tool_calls).toHaveLength(1);
    expect(chat.body.tool_calls[0]).toMatchObject({ tool_name: 'mcp__weather__get_weather', is_error: false });
    expect(chat.body.tool_calls[0].tool_result).toContain('Paris, France');
    expect(chat.body.response_text).toContain('18.2');
    expect(chat.body.cost_usd).toBe(0);
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
