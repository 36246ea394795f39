/**
 * bench/turn-latency — the time of one turn, side by side in one run against the zero-latency mock
 * model: through our HTTP API (`POST /chat`) on a new and on an existing session, and through a
 * bare SDK `query()` doing the same turn (new, and resumed from local files). Kinds are interleaved
 * round by round so machine noise hits them alike.
 *
 *   npm run bench:turn-latency -- --runs 20
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { query } from '@anthropic-ai/claude-agent-sdk';
import { serve } from '@hono/node-server';
import pino from 'pino';
import { startMockModel } from '../mock-model/server.js';
import { loadConfig } from '../src/config/config.js';
import { createServer } from '../src/server.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const runs = Number(values.runs);

const mock = await startMockModel({ tokenDelayMs: 0 });
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'caa-bench-'));
const config = loadConfig({
  DATA_DIR: dataDir,
  ANTHROPIC_API_KEY: 'bench',
  ANTHROPIC_BASE_URL: mock.url,
  WEATHER_TOOL: 'false',
  LOG_LEVEL: 'warn',
  PATH: process.env.PATH,
  HOME: process.env.HOME,
});
const server = await createServer({ config, log: pino({ level: 'warn' }) });
const http = serve({ fetch: server.app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise((r) => http.once('listening', r));
const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

async function chat(message: string, sessionId?: string): Promise<string> {
  const res = await fetch(`${base}/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message, ...(sessionId ? { session_id: sessionId } : {}) }),
  });
  const body = (await res.json()) as { session_id: string; is_error: boolean; response_text: string };
  if (!res.ok || body.is_error) throw new Error(`chat failed: ${JSON.stringify(body)}`);
  return body.session_id;
}

// The bare SDK gets what our runtime gives it, minus our store: same model, tools off, no settings.
const bareDir = await mkdtemp(path.join(os.tmpdir(), 'caa-bench-bare-'));
const bareEnv = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: bareDir,
  CLAUDE_CONFIG_DIR: bareDir,
  ANTHROPIC_BASE_URL: mock.url,
  ANTHROPIC_API_KEY: 'bench',
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  ENABLE_TOOL_SEARCH: 'false',
};
async function bare(prompt: string, resume?: string): Promise<string> {
  let sessionId = '';
  for await (const m of query({
    prompt,
    options: { cwd: bareDir, env: bareEnv, settingSources: [], tools: [], model: config.model.name, permissionMode: 'dontAsk', ...(resume ? { resume } : {}) },
  })) {
    if (m.type === 'result') {
      if (m.is_error) throw new Error(`bare query failed: ${JSON.stringify(m)}`);
      sessionId = m.session_id;
    }
  }
  return sessionId;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const existing = await chat('warm-up: the existing session');
const bareExisting = await bare('warm-up: the existing session');
const samples: Record<string, number[]> = {
  'POST /chat, new session': [],
  'POST /chat, existing session': [],
  'bare query(), new session': [],
  'bare query(), resumed session': [],
};
for (let i = 0; i < runs; i++) {
  samples['POST /chat, new session']!.push(await time(() => chat(`hello ${i}`)));
  samples['POST /chat, existing session']!.push(await time(() => chat(`hello ${i}`, existing)));
  samples['bare query(), new session']!.push(await time(() => bare(`hello ${i}`)));
  samples['bare query(), resumed session']!.push(await time(() => bare(`hello ${i}`, bareExisting)));
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const floor = pct(samples['bare query(), new session']!, 50);
console.log(`\nturn latency, ${runs} runs each, interleaved; mock model at zero latency (ms)\n`);
console.log(`${'kind'.padEnd(32)}${'median'.padStart(9)}${'p95'.padStart(9)}${'vs bare new'.padStart(13)}`);
for (const [kind, xs] of Object.entries(samples)) {
  const med = pct(xs, 50);
  console.log(`${kind.padEnd(32)}${med.toFixed(0).padStart(9)}${pct(xs, 95).toFixed(0).padStart(9)}${`${(med / floor).toFixed(2)}×`.padStart(13)}`);
}

await new Promise((r) => http.close(r));
await server.close();
await mock.close();
await rm(dataDir, { recursive: true, force: true });
await rm(bareDir, { recursive: true, force: true });
