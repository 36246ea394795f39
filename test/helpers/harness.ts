import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import pino, { type DestinationStream } from 'pino';
import { startMockModel, type MockModel } from '../../mock-model/server.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/log.js';
import { createServer, type Server } from '../../src/server.js';
import { testSchema } from './schemas.js';
import { startFakeOpenMeteo, type FakeOpenMeteo } from '../tools/fake-open-meteo.js';

/** The mock model echoes how many messages of history it was sent: `[history: N messages]`. */
export const historyOf = (text: string) => Number(/\[history: (\d+) messages\]/.exec(text)?.[1] ?? NaN);

/**
 * With TEST_STORE=postgres (the `postgres` test project) every test server runs on PostgreSQL, in
 * a schema of its own named after its data directory, so a restarted server finds its data again.
 * test/global-setup.ts drops these schemas (see helpers/schemas.ts).
 */
function storeEnv(dataDir: string): Record<string, string> {
  if (process.env.TEST_STORE !== 'postgres') return {};
  return {
    DATABASE_URL: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    DATABASE_SCHEMA: testSchema(`e2e_${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`),
  };
}

/** Environment every test server gets: the mock model, a local fake weather API, quick retries. */
export function testEnv(dataDir: string, mock: MockModel, weather: FakeOpenMeteo): Record<string, string> {
  return {
    ...storeEnv(dataDir),
    DATA_DIR: dataDir,
    ANTHROPIC_API_KEY: 'test-key',
    ANTHROPIC_BASE_URL: mock.url,
    WEATHER_GEOCODING_URL: weather.url,
    WEATHER_FORECAST_URL: weather.url,
    CLAUDE_MAX_RETRIES: '1',
    // Tests call from one address with many wrong keys on purpose; test/http/auth-limits.test.ts lowers it.
    AUTH_FAILURE_LIMIT: '100000',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
  };
}

export interface TestServer {
  url: string;
  server: Server;
  config: Config;
  mock: MockModel;
  weather: FakeOpenMeteo;
  dataDir: string;
  /** fetch against the server with a JSON body. */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  json<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/** A clock a test can move (budgets by day, retention by age); starts at real time. */
export class TestClock {
  private offset = 0;
  now = (): number => Date.now() + this.offset;
  advance(ms: number): void {
    this.offset += ms;
  }
}

/** The whole service in-process (real SQLite, real SDK + `claude`) on a real HTTP port. */
export async function startTestServer(
  env: Record<string, string> = {},
  /** logStream: the server's logs go there, through the real logger (src/log.ts), at LOG_LEVEL. */
  opts: { clock?: TestClock; logStream?: DestinationStream } = {},
): Promise<TestServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'caa-test-'));
  const mock = await startMockModel();
  const weather = await startFakeOpenMeteo();
  const config = loadConfig({ ...testEnv(dataDir, mock, weather), ...env });
  const server = await createServer({
    config,
    log: opts.logStream ? createLogger(config.log, opts.logStream) : pino({ level: config.log.level }),
    ...(opts.clock ? { clock: { now: opts.clock.now } } : {}),
  });
  const http = serve({ fetch: server.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => http.once('listening', () => resolve()));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  const request = (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${p}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });

  return {
    url,
    server,
    config,
    mock,
    weather,
    dataDir,
    request,
    async json(method, p, body, headers) {
      const res = await request(method, p, body, headers);
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async close() {
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await server.close();
      await mock.close();
      await weather.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
