/**
 * bench/turn-latency — in one run against the zero-latency mock model, side by side:
 *   (a) bare SDK streaming-input loop: one query() whose Inbox prompt stays open (the floor)
 *   (b) warm turn through our API: POST /v1/sessions/{id}/messages, process already warm
 *   (p) the same as (b) with the service on PostgreSQL (TEST_DATABASE_URL or the local default)
 *   (c) cold turn through our API: a 50-turn session whose process was evicted, resumed from our store
 *   (e) a new session's first turn through our API: POST /chat without session_id (reference for c)
 *   (d) query-per-request (the seed's approach): bare query() with a string prompt + resume
 * Kinds are interleaved round by round (order rotated each round) so machine noise hits them alike.
 * Then: RSS per warm session, the server's own RSS, and warm-turn throughput with 1/4/8 sessions.
 *
 *   npm run bench:turn-latency -- --runs 15 [--history-turns 50] [--seconds 5]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import pg from 'pg';
import pino from 'pino';
import { startMockModel } from '../mock-model/server.js';
import { loadConfig } from '../src/config/config.js';
import { createServer } from '../src/server.js';
import { ApiClient, echoedHistory } from './lib/api.js';
import { BareLoop, bareOptions, queryPerRequest } from './lib/bare.js';
import { printReport, type Key, type KindResult } from './lib/report.js';
import { timed } from './lib/stats.js';
import { throughput, type ThroughputResult } from './lib/throughput.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    'history-turns': { type: 'string', default: '50' },
    seconds: { type: 'string', default: '5' },
  },
});
const runs = Number(values.runs);
const historyTurns = Number(values['history-turns']);
const seconds = Number(values.seconds);
const CONCURRENCY = [1, 4, 8];
const progress = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

const mock = await startMockModel({ tokenDelayMs: 0 });
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'caa-bench-'));
const bareDir = await mkdtemp(path.join(os.tmpdir(), 'caa-bench-bare-'));
const pgDataDir = await mkdtemp(path.join(os.tmpdir(), 'caa-bench-pg-'));
const pgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const pgSchema = `bench_turns_${process.pid}`;
const env = {
  ANTHROPIC_API_KEY: 'bench',
  ANTHROPIC_BASE_URL: mock.url,
  WEATHER_TOOL: 'false',
  LOG_LEVEL: 'warn',
  // Room for the latency sessions plus the 8 throughput sessions, all warm at once.
  MAX_WARM_SESSIONS: '12',
  POOL_MEMORY_MB: '8192',
  ACCOUNT_MAX_CONCURRENT_TURNS: '16',
  // The mock's prices are made up; a process budget running out would swap in a cold process mid-run.
  CLAUDE_MAX_BUDGET_USD: '50',
  PATH: process.env.PATH,
  HOME: process.env.HOME,
};
const config = loadConfig({ ...env, DATA_DIR: dataDir });
/** The same service on PostgreSQL, for (p): one warm session, interleaved with the SQLite kinds. */
const pgConfig = loadConfig({ ...env, DATA_DIR: pgDataDir, DATABASE_URL: pgUrl, DATABASE_SCHEMA: pgSchema });

async function listen(cfg: typeof config) {
  const server = await createServer({ config: cfg, log: pino({ level: 'warn' }, pino.destination(2)) });
  const http = serve({ fetch: server.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => http.once('listening', r));
  return { server, http, api: new ApiClient(`http://127.0.0.1:${(http.address() as AddressInfo).port}`) };
}
const { server, http, api } = await listen(config);
const pgServer = await listen(pgConfig);
const bareOpts = bareOptions({
  dir: bareDir,
  baseUrl: mock.url,
  model: config.model.name,
  maxTurns: config.model.maxTurns,
  maxRetries: config.model.maxRetries,
});
const spawns = async () => (await server.runtime.stats()).spawns;

type Kind = KindResult & { sample: (i: number) => Promise<number> };

let loop: BareLoop | null = null;
try {
  // ---- set-up, untimed ------------------------------------------------------------------------
  progress('warming up: bare loop, warm API session, query-per-request session');
  const bareLoop = (loop = new BareLoop(bareOpts));
  await bareLoop.turn('warm-up');
  const warmId = await api.createSession('bench (b) warm');
  await api.send(warmId, 'warm-up');
  const pgWarmId = await pgServer.api.createSession('bench (p) warm');
  await pgServer.api.send(pgWarmId, 'warm-up');
  const perRequestId = (await queryPerRequest(bareOpts, 'warm-up')).sessionId;
  const first = await api.chat('warm-up: a new session');
  await server.runtime.evict(first.sessionId);

  progress(`building the (c) session: ${historyTurns} turns through the API`);
  const longId = await api.createSession(`bench (c) ${historyTurns} turns`);
  for (let t = 1; t <= historyTurns; t++) await api.send(longId, `turn ${t}`);

  // An API kind also records how many processes the pool spawned for the sample (counted untimed).
  const apiKind = (key: Key, fn: (i: number) => Promise<{ ms: number; value: { durationMs: number } }>) => async (i: number) => {
    const before = await spawns();
    const { ms, value } = await fn(i);
    kinds[key].spawns!.push((await spawns()) - before);
    kinds[key].runtimeMs!.push(value.durationMs);
    return ms;
  };
  const kinds: Record<Key, Kind> = {
    a: {
      label: '(a) bare SDK streaming-input loop (floor)',
      samples: [],
      spawns: null,
      runtimeMs: null,
      sample: async (i) => (await timed(() => bareLoop.turn(`hello ${i}`))).ms,
    },
    b: {
      label: '(b) API warm turn, POST /v1/sessions/{id}/messages',
      samples: [],
      spawns: [],
      runtimeMs: [],
      sample: apiKind('b', (i) => timed(() => api.send(warmId, `hello ${i}`))),
    },
    p: {
      label: '(p) = (b) with the service on PostgreSQL',
      samples: [],
      spawns: null,
      runtimeMs: [],
      sample: async (i) => {
        const t = await timed(() => pgServer.api.send(pgWarmId, `hello ${i}`));
        kinds.p.runtimeMs!.push(t.value.durationMs);
        return t.ms;
      },
    },
    c: {
      label: `(c) API cold turn, resume ${historyTurns}-turn session from store`,
      samples: [],
      spawns: [],
      runtimeMs: [],
      sample: apiKind('c', async (i) => {
        await server.runtime.evict(longId);
        const t = await timed(() => api.send(longId, `hello ${i}`));
        // The mock echoes how many messages the CLI sent: proof the whole history was resumed.
        if (echoedHistory(t.value.text) < 2 * historyTurns + 1) throw new Error(`(c) did not resume its history: ${t.value.text}`);
        return t;
      }),
    },
    e: {
      label: '(e) API new session, first turn, POST /chat',
      samples: [],
      spawns: [],
      runtimeMs: [],
      sample: apiKind('e', async (i) => {
        const t = await timed(() => api.chat(`hello ${i}`));
        await server.runtime.evict(t.value.sessionId); // keep the pool to the sessions under test
        return t;
      }),
    },
    d: {
      label: '(d) bare query() per request: string prompt + resume',
      samples: [],
      spawns: null,
      runtimeMs: null,
      sample: async (i) => (await queryPerRequest(bareOpts, `hello ${i}`, perRequestId)).ms,
    },
  };

  // ---- latency rounds ---------------------------------------------------------------------------
  const order: Key[] = ['a', 'b', 'p', 'c', 'e', 'd'];
  for (let i = 0; i < runs; i++) {
    progress(`latency round ${i + 1}/${runs}`);
    for (let k = 0; k < order.length; k++) {
      const kind = kinds[order[(i + k) % order.length]!];
      kind.samples.push(await kind.sample(i));
    }
  }
  await bareLoop.close();
  loop = null;

  // ---- throughput: fresh sessions per level, so no level inherits another's longer history ------
  const tp: ThroughputResult[] = [];
  let tpIds: string[] = [];
  for (const n of CONCURRENCY) {
    for (const id of tpIds) await server.runtime.evict(id);
    progress(`throughput: warming ${n} fresh session(s), then ${seconds} s of turns`);
    tpIds = [];
    for (let k = 0; k < n; k++) {
      tpIds.push(await api.createSession(`bench throughput ${n}/${k}`));
      await api.send(tpIds[k]!, 'warm-up');
    }
    tp.push(await throughput(api, tpIds, seconds * 1000));
  }

  // ---- memory: the last level's sessions, (b) and (c) are still warm -----------------------------
  const rt = await api.runtime();
  printReport({
    runs,
    model: config.model.name,
    kinds,
    memory: {
      warm: rt.warm,
      rssBytes: rt.sessions.map((s) => s.rss_bytes).filter((b) => b > 0),
      turnsServed: rt.sessions.map((s) => s.turns),
      serverRssBytes: process.memoryUsage().rss,
    },
    seconds,
    throughput: tp,
    pool: { spawns: rt.spawns, evictions: rt.evictions, crashes: rt.crashes },
    cpus: os.cpus().length,
  });
} finally {
  await loop?.close().catch(() => undefined);
  await new Promise((r) => http.close(r));
  await server.close();
  await new Promise((r) => pgServer.http.close(r));
  await pgServer.server.close();
  await dropSchema(pgUrl, pgSchema);
  await mock.close();
  await rm(dataDir, { recursive: true, force: true });
  await rm(bareDir, { recursive: true, force: true });
  await rm(pgDataDir, { recursive: true, force: true });
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`drop schema if exists ${pg.escapeIdentifier(schema)} cascade`);
  await client.end();
}
