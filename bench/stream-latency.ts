/**
 * bench/stream-latency — how long a streamed token takes from the mock model writing it to a
 * client holding it, in one run, turn by turn interleaved (order alternates each turn):
 *   (1) our API: POST /v1/sessions/{id}/messages with `stream: true` on a warm session, SSE over
 *       real HTTP on 127.0.0.1 (the server in a process of its own, default LOG_LEVEL), `text.delta`;
 *   (2) the floor: a warm bare SDK streaming-input query() with includePartialMessages, its
 *       stream_event → content_block_delta → text_delta messages.
 * The mock paces one unique word per delta (`MOCK slow <pace> s001t0001 s001t0002 …`); every word
 * is matched by text between the mock's onToken and the client's arrival stamp. Then the same with
 * a bursting model: `--burst-words` words with no pacing at all. The mock stays in this process
 * (its onToken stamps are the reference both sides are measured from, on one clock:
 * performance.timeOrigin + performance.now()); the server runs apart, so its work is its own.
 *
 *   node dist/bench/stream-latency.js [--turns 10] [--tokens 50] [--pace-ms 20] [--burst-turns 3] [--burst-words 2000]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startMockModel } from '../mock-model/server.js';
import { loadConfig } from '../src/config/config.js';
import { ApiClient } from './lib/api.js';
import { startChildServer } from './lib/processes.js';
import { BareLoop, bareOptions } from './lib/bare.js';
import { median, nowMs, pct, table } from './lib/stats.js';
import { streamTurn, WordClock } from './lib/stream.js';

const { values } = parseArgs({
  options: {
    turns: { type: 'string', default: '10' },
    tokens: { type: 'string', default: '50' },
    'pace-ms': { type: 'string', default: '20' },
    'burst-turns': { type: 'string', default: '3' },
    'burst-words': { type: 'string', default: '2000' },
  },
});
const intFlag = (name: string, v: string, min: number, max: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`--${name} must be an integer in ${min}..${max}, got ${JSON.stringify(v)}\n`);
    process.exit(2);
  }
  return n;
};
const turns = intFlag('turns', values.turns, 1, 999);
const tokens = intFlag('tokens', values.tokens, 1, 9999);
const paceMs = intFlag('pace-ms', values['pace-ms'], 0, 10_000);
const burstTurns = intFlag('burst-turns', values['burst-turns'], 0, 99);
const burstWords = intFlag('burst-words', values['burst-words'], 1, 9999);
const TARGET_MS = 5;
const progress = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

/** A token: side letter, turn, index — `s001t0001`. Fixed width, so a fragment never matches. */
const TOKEN = /^[sb]\d{3}t\d{4}$/;
const tokenWords = (side: string, turn: number, n = tokens) =>
  Array.from({ length: n }, (_, k) => `${side}${String(turn).padStart(3, '0')}t${String(k + 1).padStart(4, '0')}`);

/** Each token's send time: our stamp taken first thing in onToken, and the mock's own Date.now(). */
const sent = new Map<string, { at: number; mockAt: number }>();
const mock = await startMockModel({
  onToken: (text, sentAtMs) => {
    const at = nowMs();
    for (const w of text.split(/\s+/)) if (TOKEN.test(w)) sent.set(w, { at, mockAt: sentAtMs });
  },
});
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'caa-stream-bench-'));
const bareDir = await mkdtemp(path.join(os.tmpdir(), 'caa-stream-bench-bare-'));
const env = {
  DATA_DIR: dataDir,
  ANTHROPIC_API_KEY: 'bench',
  ANTHROPIC_BASE_URL: mock.url,
  WEATHER_TOOL: 'false',
  // The mock's prices are made up; a process budget running out would swap in a cold process mid-run.
  CLAUDE_MAX_BUDGET_USD: '50',
  PATH: process.env.PATH,
  HOME: process.env.HOME,
};
// Parsed here only for the defaults the bare loop copies (model, turns, retries).
const config = loadConfig(env);
const server = await startChildServer(env);
const base = server.url;
const api = new ApiClient(base);

interface Side {
  key: 's' | 'b';
  label: string;
  clock: WordClock;
  expected: string[];
  firsts: string[];
  run: (prompt: string) => Promise<void>;
}

let loop: BareLoop | null = null;
try {
  const ours: Side = {
    key: 's',
    label: '(1) our API: POST /v1/sessions/{id}/messages, stream: true → SSE text.delta',
    clock: new WordClock(TOKEN),
    expected: [],
    firsts: [],
    run: async () => undefined,
  };
  const bare: Side = {
    key: 'b',
    label: '(2) bare SDK query(), includePartialMessages → stream_event text_delta',
    clock: new WordClock(TOKEN),
    expected: [],
    firsts: [],
    run: async () => undefined,
  };

  progress('warming up: bare streaming-input loop and one API session');
  const bareLoop = (loop = new BareLoop(
    bareOptions({ dir: bareDir, baseUrl: mock.url, model: config.model.name, maxTurns: config.model.maxTurns, maxRetries: config.model.maxRetries }),
    (m, at) => {
      if (m.type !== 'stream_event') return;
      const ev = m.event as { type: string; delta?: { type: string; text?: string } };
      if (ev.type === 'content_block_delta' && ev.delta?.type === 'text_delta' && ev.delta.text) bare.clock.feed(ev.delta.text, at);
    },
  ));
  bare.run = async (prompt) => void (await bareLoop.turn(prompt));
  const sessionId = await api.createSession('bench stream latency');
  ours.run = (prompt) =>
    streamTurn(base, sessionId, prompt, (type, data, at) => {
      if (type === 'text.delta' && typeof data.text === 'string') ours.clock.feed(data.text, at);
    });
  const runTurn = async (side: Side, prompt: string) => {
    await side.run(prompt);
    side.clock.end(); // so a turn's last word never glues onto the next turn's first
  };
  for (let w = 0; w < 2; w++) for (const side of [ours, bare]) await runTurn(side, `MOCK slow ${Math.min(paceMs, 5)} warm up ${w}`);

  for (let i = 1; i <= turns; i++) {
    progress(`turn ${i}/${turns}`);
    for (const side of i % 2 === 1 ? [ours, bare] : [bare, ours]) {
      const words = tokenWords(side.key, i);
      side.expected.push(...words);
      side.firsts.push(words[0]!);
      await runTurn(side, `MOCK slow ${paceMs} ${words.join(' ')}`);
    }
  }
  // The bursting model: every word at once, turns numbered after the paced ones.
  const burst = { s: [] as string[], b: [] as string[] };
  for (let i = turns + 1; i <= turns + burstTurns; i++) {
    progress(`burst turn ${i - turns}/${burstTurns}: ${burstWords} words, no pacing`);
    for (const side of i % 2 === 1 ? [ours, bare] : [bare, ours]) {
      const words = tokenWords(side.key, i, burstWords);
      burst[side.key].push(...words);
      await runTurn(side, `MOCK slow 0 ${words.join(' ')}`);
    }
  }
  const runtime = await api.runtime();
  const burstRows = [ours, bare].map((side) => ({ side, all: delays(side, burst[side.key]), words: burst[side.key].length }));

  // ---- report ----------------------------------------------------------------------------------
  function delays(side: Side, words: string[]) {
    const out: number[] = [];
    for (const w of words) {
      const s = sent.get(w);
      const r = side.clock.arrivals.get(w);
      if (s !== undefined && r !== undefined) out.push(r - s.at);
    }
    return out;
  }
  const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
  const rows = [ours, bare].map((side) => {
    const all = delays(side, side.expected);
    return { side, all, first: delays(side, side.firsts), missing: side.expected.length - all.length };
  });
  const print = (s: string) => console.log(s);
  print(
    `\nstream latency: mock writes a text delta → client has it; ${turns} turns × ${tokens} tokens per side, ` +
      `one word per delta every ${paceMs} ms, sides interleaved turn by turn; model ${config.model.name} (ms)\n`,
  );
  print(
    table(
      [
        ['side', 'tokens', 'missing', 'median', 'p95', 'max', '1st of turn, median'],
        ...rows.map((r) => [
          r.side.label,
          String(r.all.length),
          String(r.missing),
          f2(median(r.all)),
          f2(pct(r.all, 95)),
          f2(Math.max(...r.all)),
          f2(median(r.first)),
        ]),
      ],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  const added = median(rows[0]!.all) - median(rows[1]!.all);
  const p95added = pct(rows[0]!.all, 95) - pct(rows[1]!.all, 95);
  print(`\nour added delay (median ours − median bare): ${f2(added)} ms   target ≤ ${TARGET_MS} ms median: ${added <= TARGET_MS ? 'met' : 'MISSED'}`);
  print(`(same at p95: ${f2(p95added)} ms)`);

  if (burstTurns > 0) {
    print(`\nbursting model: ${burstTurns} turns × ${burstWords} words per side, no pacing (ms from the mock writing a word to the client having it)\n`);
    print(
      table(
        [
          ['side', 'words', 'missing', 'median', 'p95', 'max'],
          ...burstRows.map((r) => [r.side.label, String(r.all.length), String(r.words - r.all.length), f2(median(r.all)), f2(pct(r.all, 95)), f2(Math.max(...r.all))]),
        ],
        ['l', 'r', 'r', 'r', 'r', 'r'],
      ),
    );
    const burstAdded = median(burstRows[0]!.all) - median(burstRows[1]!.all);
    const worst = Math.max(...burstRows[0]!.all);
    print(`\nburst: median per-word delay over the bare SDK ${f2(burstAdded)} ms (target ≤ 1 ms: ${burstAdded <= 1 ? 'met' : 'MISSED'}); latest word ${f2(worst)} ms (target ≤ 50 ms: ${worst <= 50 ? 'met' : 'MISSED'})`);
  }

  const skew = [...sent.values()].map((s) => s.at - s.mockAt);
  print(
    `\nclock: sends stamped in onToken with performance.timeOrigin + performance.now(); the mock's own Date.now()` +
      ` stamp is ${f2(median(skew))} ms behind it at the median (min ${f2(Math.min(...skew))}, max ${f2(Math.max(...skew))};` +
      ` expected about 0–1 ms: Date.now() truncates to whole ms). Arrival = when the client's read() returned the bytes (SSE)` +
      ` or the SDK iterator yielded the message (bare).`,
  );
  print(
    `pool: ${runtime.spawns} spawn(s) (1 expected: the API session's one warm process), ${runtime.crashes} crashes; ` +
      `${os.cpus().length} CPUs; the server runs in its own process; mock, SDK clients and bench share this one.\n`,
  );
  for (const r of rows.filter((x) => x.missing > 0)) {
    const miss = r.side.expected.filter((w) => !sent.has(w) || !r.side.clock.arrivals.has(w));
    print(`MISSING on ${r.side.key}: ${miss.slice(0, 5).map((w) => `${w} (sent ${sent.has(w)}, received ${r.side.clock.arrivals.has(w)})`).join(', ')}`);
  }
  if (rows.some((r) => r.missing > 0)) process.exitCode = 1;
} finally {
  await loop?.close().catch(() => undefined);
  await server.close();
  await mock.close();
  await rm(dataDir, { recursive: true, force: true });
  await rm(bareDir, { recursive: true, force: true });
}
