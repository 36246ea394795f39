/**
 * bench/requests — what a cheap request costs: GET /health and GET /v1/sessions on our server
 * (its own process, default LOG_LEVEL, request logs to /dev/null; SQLite with 20 sessions, keyless
 * loopback, and again with an API key) against a bare Hono app (bench/lib/bare-hono.ts, its own
 * process). Closed loop: `--connections` clients on keep-alive connections, each sending its
 * next request when the last one answered, for `--seconds` per target; targets interleaved over
 * `--rounds` rounds so machine noise hits them alike. Prints requests/s per round (median,
 * min–max) and ours as a share of bare Hono's (target ≥ 50%).
 *
 *   npm run build && node dist/bench/requests.js [--seconds 3] [--rounds 3] [--connections 16]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent, request } from 'node:http';
import { startChildServer } from './lib/processes.js';
import { median, table } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const progress = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const here = path.dirname(fileURLToPath(import.meta.url));

/** GETs `url` from `connections` sequential clients for `ms`; requests/s and failures. */
async function load(url: string, headers: Record<string, string>, ms: number): Promise<{ rps: number; failed: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const target = new URL(url);
  let done = 0;
  let failed = 0;
  const get = () =>
    new Promise<void>((resolve) => {
      const req = request({ host: target.hostname, port: target.port, path: target.pathname, agent, headers }, (res) => {
        if (res.statusCode !== 200) failed++;
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end();
    });
  const start = performance.now();
  const deadline = start + ms;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        await get();
        done++;
      }
    }),
  );
  agent.destroy();
  return { rps: done / ((performance.now() - start) / 1000), failed };
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'caa-bench-req-'));
const hono = spawn(process.execPath, [path.join(here, 'lib/bare-hono.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
const honoUrl = await new Promise<string>((resolve) => hono.stdout!.once('data', (b: Buffer) => resolve(b.toString().trim())));
const server = await startChildServer({
  DATA_DIR: dataDir,
  ANTHROPIC_API_KEY: 'bench',
  ANTHROPIC_BASE_URL: 'http://127.0.0.1:9', // no turn runs here
  WEATHER_TOOL: 'false',
  PATH: process.env.PATH,
  HOME: process.env.HOME,
});
try {
  for (let i = 0; i < 20; i++) {
    await fetch(`${server.url}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: `s${i}` }) });
  }
  type Target = { label: string; url: string; headers: Record<string, string>; rps: number[]; failed: number };
  const targets: Target[] = [
    { label: 'bare Hono GET /health', url: `${honoUrl}/health`, headers: {}, rps: [], failed: 0 },
    { label: 'ours GET /health', url: `${server.url}/health`, headers: {}, rps: [], failed: 0 },
    { label: 'bare Hono GET /v1/sessions', url: `${honoUrl}/v1/sessions`, headers: {}, rps: [], failed: 0 },
    { label: 'ours GET /v1/sessions (keyless loopback, 20 sessions)', url: `${server.url}/v1/sessions?limit=20`, headers: {}, rps: [], failed: 0 },
  ];
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < targets.length; k++) {
      const t = targets[(r + k) % targets.length]!;
      progress(`round ${r + 1}/${rounds}: ${t.label}`);
      const { rps, failed } = await load(t.url, t.headers, seconds * 1000);
      t.rps.push(rps);
      t.failed += failed;
    }
  }
  const f0 = (n: number) => n.toFixed(0);
  console.log(`\nrequests/s, ${connections} keep-alive clients, ${seconds} s × ${rounds} rounds per target, interleaved; ${os.cpus().length} CPUs\n`);
  console.log(
    table(
      [
        ['target', 'median req/s', 'min–max', 'non-200'],
        ...targets.map((t) => [t.label, f0(median(t.rps)), `${f0(Math.min(...t.rps))}–${f0(Math.max(...t.rps))}`, String(t.failed)]),
      ],
      ['l', 'r', 'r', 'r'],
    ),
  );
  const share = (ours: Target, bare: Target) => (100 * median(ours.rps)) / median(bare.rps);
  const rows: [string, number][] = [
    ['GET /health, ours / bare Hono', share(targets[1]!, targets[0]!)],
    ['GET /v1/sessions, ours / bare Hono', share(targets[3]!, targets[2]!)],
  ];
  console.log('\n' + table([['ratio', 'share', 'target', 'verdict'], ...rows.map(([n, v]) => [n, `${v.toFixed(0)}%`, '≥ 50%', v >= 50 ? 'met' : 'MISSED'])], ['l', 'r', 'r', 'l']) + '\n');
} finally {
  await server.close();
  hono.kill('SIGTERM');
  await rm(dataDir, { recursive: true, force: true });
}
