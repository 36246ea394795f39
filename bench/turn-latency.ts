/**
 * bench/turn-latency — in one run against the zero-latency mock model, side by side:
 *   (a) bare SDK streaming-input loop: one query() whose Inbox prompt stays open (the floor)
 *   (b) warm turn through our API: POST /v1/sessions/{id}/messages, process already warm
 *   (p) the same as (b) with the service on PostgreSQL (TEST_DATABASE_URL or the local default)
 *   (c) cold turn through our API: a 50-turn session whose process was evicted, resumed from our store
 *   (e) a new session's first turn through our API: POST /chat without session_id (reference for c)
 *   (d) query-per-request (the seed's approach): bare query() with a string prompt + resume
 * The mock model and both services run in processes of their own (bench/lib/processes.ts), the
 * services at the default log level; this process is only the client (and the bare SDK's driver).
 * Kinds are interleaved round by round (order rotated each round) so machine noise hits them alike,
 * and each round's ratios are kept, so the spread of the ratios is printed beside their medians.
 * Then: SQL statements and write transactions per warm turn (from /metrics), RSS per warm session,
 * and warm-turn throughput with 1/4/16 sessions, through the API and with bare SDK loops.
 *
 *   npm run bench:turn-latency -- --runs 30 [--history-turns 50] [--seconds 5]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config/config.js';
import { ApiClient, echoedHistory } from './lib/api.js';
import { BareLoop, bareOptions, queryPerRequest } from './lib/bare.js';
import { printReport, type Key, type KindResult } from './lib/report.js';
import { startChildMock, startChildServer, storeCounters } from './lib/processes.js';
import { timed } from './lib/stats.js';
import { bareThroughput, throughput, type ThroughputResult } from './lib/throughput.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '30' },
    'history-turns': { type: 'string', default: '50' },
    seconds: { type: 'string', default: '5' },
  },
});
const runs = Number(values.runs);
const historyTurns = Number(values['history-turns']);
const seconds = Number(values.seconds);
const CONCURRENCY = [1, 4, 16];
const progress = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

const mock = await startChildMock(0);
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'caa-bench-'));
const bareDir = await mkdtemp(path.join(os.tmpdir(), 'caa-bench-bare-'));
const pgDataDir = await mkdtemp(path.join(os.tmpdir(), 'caa-bench-pg-'));
const pgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const pgSchema = `bench_turns_${process.pid}`;
const env = {
  ANTHROPIC_API_KEY: 'bench',
  ANTHROPIC_BASE_URL: mock.url,
  WEATHER_TOOL: 'false',
  // Room for the latency sessions plus the 16 throughput sessions, all warm at once.
  MAX_WARM_SESSIONS: '24',
  POOL_MEMORY_MB: '8192',
  ACCOUNT_MAX_CONCURRENT_TURNS: '16',
  // The mock's prices are made up; a process budget running out would swap in a cold process mid-run.
  CLAUDE_MAX_BUDGET_USD: '50',
  PATH: process.env.PATH,
  HOME: process.env.HOME,
};
// Parsed here too only to read the defaults the bare loop copies (model, turns, retries).
const config = loadConfig({ ...env, DATA_DIR: dataDir });
const server = await startChildServer({ ...env, DATA_DIR: dataDir });
const api = new ApiClient(server.url);
/** The same service on PostgreSQL, for (p): one warm session, interleaved with the SQLite kinds. */
const pgServer = await startChildServer({ ...env, DATA_DIR: pgDataDir, DATABASE_URL: pgUrl, DATABASE_SCHEMA: pgSchema });
const pgApi = new ApiClient(pgServer.url);
const bareOpts = bareOptions({
  dir: bareDir,
  baseUrl: mock.url,
  model: config.model.name,
  maxTurns: config.model.maxTurns,
  maxRetries: config.model.maxRetries,
});
const spawns = () => server.spawns();

type Kind = KindResult & { sample: (i: number) => Promise<number> };

/** SQL per warm turn, read from /metrics around each (b) and (p) sample (scrapes untimed). */
const sqlPerTurn: Record<'b' | 'p', { statements: number[]; writeTransactions: number[] }> = {
  b: { statements: [], writeTransactions: [] },
  p: { statements: [], writeTransactions: [] },
};
async function countingSql<T>(key: 'b' | 'p', url: string, fn: () => Promise<T>): Promise<T> {
  const before = await storeCounters(url);
  const value = await fn();
  // The turn's last writes (its terminal event) may land just after the answer went out.
  await new Promise((r) => setTimeout(r, 50));
  const after = await storeCounters(url);
  sqlPerTurn[key].statements.push(after.statements - before.statements);
  sqlPerTurn[key].writeTransactions.push(after.writeTransactions - before.writeTransactions);
  return value;
}

let loop: BareLoop | null = null;
try {
  // ---- set-up, untimed ------------------------------------------------------------------------
  progress('warming up: bare loop, warm API session, query-per-request session');
  const bareLoop = (loop = new BareLoop(bareOpts));
  await bareLoop.turn('warm-up');
  const warmId = await api.createSession('bench (b) warm');
  await api.send(warmId, 'warm-up');
  const pgWarmId = await pgApi.createSession('bench (p) warm');
  await pgApi.send(pgWarmId, 'warm-up');
  const perRequestId = (await queryPerRequest(bareOpts, 'warm-up')).sessionId;
  const first = await api.chat('warm-up: a new session');
  await server.evict(first.sessionId);

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
      sample: apiKind('b', (i) => countingSql('b', server.url, () => timed(() => api.send(warmId, `hello ${i}`)))),
    },
    p: {
      label: '(p) = (b) with the service on PostgreSQL',
      samples: [],
      spawns: null,
      runtimeMs: [],
      sample: async (i) => {
        const t = await countingSql('p', pgServer.url, () => timed(() => pgApi.send(pgWarmId, `hello ${i}`)));
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
        await server.evict(longId);
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
        await server.evict(t.value.sessionId); // keep the pool to the sessions under test
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
    for (const id of tpIds) await server.evict(id);
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
  const serverRssBytes = await rssOf(server.pid);

  // The same levels with bare SDK loops: the floor the API's throughput is measured against.
  for (const id of tpIds) await server.evict(id);
  const bareTp: ThroughputResult[] = [];
  for (const n of CONCURRENCY) {
    progress(`bare SDK throughput: ${n} loop(s), ${seconds} s of turns`);
    bareTp.push(await bareThroughput(bareOpts, n, seconds * 1000));
  }

  printReport({
    runs,
    model: config.model.name,
    kinds,
    memory: {
      warm: rt.warm,
      rssBytes: rt.sessions.map((s) => s.rss_bytes).filter((b) => b > 0),
      turnsServed: rt.sessions.map((s) => s.turns),
      serverRssBytes,
    },
    seconds,
    throughput: tp,
    bareThroughput: bareTp,
    sqlPerTurn,
    pool: { spawns: rt.spawns, evictions: rt.evictions, crashes: rt.crashes },
    cpus: os.cpus().length,
  });
} finally {
  await loop?.close().catch(() => undefined);
  await server.close();
  await pgServer.close();
  await dropSchema(pgUrl, pgSchema);
  await mock.close();
  await rm(dataDir, { recursive: true, force: true });
  await rm(bareDir, { recursive: true, force: true });
  await rm(pgDataDir, { recursive: true, force: true });
}

/** Resident memory of a process (Linux /proc). */
async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) * 1024;
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`drop schema if exists ${pg.escapeIdentifier(schema)} cascade`);
  await client.end();
}
