/**
 * bench/openai — what the OpenAI-compatible layer adds, in one run, the service and the mock model
 * each in its own process (as deployed), kinds interleaved round by round (order alternating):
 *   (m) a warm turn through our own route: POST /v1/sessions/{id}/messages (blocking)
 *   (o) a warm turn through POST /v1/chat/completions (blocking), resending the whole history, so the
 *       session is found again from the conversation fingerprint every time (the realistic case)
 *   then streams paced by the mock (`MOCK slow <pace> w0001 w0002 …`): for each token, its arrival
 *   time at the client from the request's start, ours (SSE text.delta) vs chat completions chunks;
 *   the per-token delay added is (o) − (m) at the same token index.
 * Ratio target: (o)/(m) p50 ≤ 1.05.
 *
 *   npm run bench:openai -- [--runs 30] [--turns 6] [--tokens 40] [--pace-ms 10]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as netServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createParser } from 'eventsource-parser';
import { median, pct, table } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '30' },
    turns: { type: 'string', default: '6' },
    tokens: { type: 'string', default: '40' },
    'pace-ms': { type: 'string', default: '10' },
  },
});
const runs = Number(values.runs);
const streamTurns = Number(values.turns);
const tokens = Number(values.tokens);
const paceMs = Number(values['pace-ms']);
const progress = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const MODEL = 'claude-sonnet-4-5';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Runs a sibling entry point in its own Node process: the built .js, or the .ts through tsx. */
function node(rel: string, args: string[], env: Record<string, string>): ChildProcess {
  const ts = import.meta.url.endsWith('.ts');
  const file = path.join(here, '..', `${rel}${ts ? '.ts' : '.js'}`);
  return spawn(process.execPath, [...(ts ? ['--import', 'tsx'] : []), file, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
}
const firstLine = (p: ChildProcess) =>
  new Promise<string>((resolve, reject) => {
    let buf = '';
    p.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl).trim());
    });
    p.once('exit', (code) => reject(new Error(`exited with ${code} before printing`)));
  });
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = netServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };
const mockProc = node('mock-model/main', ['--port', '0', '--quiet'], baseEnv);
const mockUrl = await firstLine(mockProc);
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'caa-openai-bench-'));
const port = await freePort();
const serverProc = node('src/main', [], {
  ...baseEnv,
  DATA_DIR: dataDir,
  PORT: String(port),
  HOST: '127.0.0.1',
  ANTHROPIC_API_KEY: 'bench',
  ANTHROPIC_BASE_URL: mockUrl,
  CLAUDE_MODEL: MODEL,
  WEATHER_TOOL: 'false',
  LOG_LEVEL: 'warn',
  // The mock's prices are made up; a process budget running out would swap in a cold process mid-run.
  CLAUDE_MAX_BUDGET_USD: '50',
});
const base = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  const ok = await fetch(`${base}/health`).then((r) => r.ok, () => false);
  if (ok) break;
  if (i > 300) throw new Error('the server did not come up');
  await new Promise((r) => setTimeout(r, 100));
}

const post = async (p: string, body: unknown, accept = 'application/json') =>
  fetch(`${base}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify(body) });
async function json(p: string, body: unknown): Promise<any> {
  const res = await post(p, body);
  const out = await res.json();
  if (!res.ok) throw new Error(`${p}: ${res.status} ${JSON.stringify(out)}`);
  return out;
}

/** Our route, on a warm session. */
async function ours(sessionId: string, message: string): Promise<string> {
  return (await json(`/v1/sessions/${sessionId}/messages`, { message })).response_text;
}

/** Chat completions with the whole history resent, as an OpenAI client does. */
class Conversation {
  readonly messages: Array<{ role: string; content: string }> = [];
  sessionId = '';
  async say(content: string): Promise<string> {
    this.messages.push({ role: 'user', content });
    const c = await json('/v1/chat/completions', { model: MODEL, messages: this.messages });
    this.messages.push({ role: 'assistant', content: c.choices[0].message.content });
    this.sessionId = c.agent.session_id;
    return c.choices[0].message.content;
  }
}

/** Arrival times (ms from the request's start) of each paced token word. */
async function streamArrivals(res: Response, pick: (event: string, data: any) => string | null, t0: number): Promise<number[]> {
  const times: number[] = [];
  const parser = createParser({
    onEvent: (e) => {
      if (e.data === '[DONE]') return;
      const text = pick(e.event ?? 'message', JSON.parse(e.data));
      if (!text) return;
      const at = performance.now() - t0;
      for (const w of text.split(/\s+/)) if (/^w\d{4}$/.test(w)) times.push(at);
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of res.body!) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
  return times;
}

const spread = (xs: number[]) => `${(pct(xs, 95) - pct(xs, 5)).toFixed(2)}`;

try {
  progress('warming up both sessions');
  const mine = (await json('/v1/sessions', { title: 'bench ours' })).id as string;
  await ours(mine, 'warm-up');
  const conv = new Conversation();
  await conv.say('warm-up');
  const sessionsBefore = conv.sessionId;

  const m: number[] = [];
  const o: number[] = [];
  progress(`${runs} rounds of blocking warm turns, interleaved`);
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? ['m', 'o'] : ['o', 'm'];
    for (const k of order) {
      const t0 = performance.now();
      if (k === 'm') await ours(mine, `hello ${i}`);
      else await conv.say(`hello ${i}`);
      (k === 'm' ? m : o).push(performance.now() - t0);
    }
  }
  if (conv.sessionId !== sessionsBefore) throw new Error('the chat conversation did not stay in one session');

  progress(`${streamTurns} rounds of paced streams (${tokens} tokens, ${paceMs} ms apart)`);
  const words = Array.from({ length: tokens }, (_, k) => `w${String(k + 1).padStart(4, '0')}`).join(' ');
  const perTokenAdded: number[] = [];
  const gapsM: number[] = [];
  const gapsO: number[] = [];
  const firstM: number[] = [];
  const firstO: number[] = [];
  for (let i = 0; i < streamTurns; i++) {
    const prompt = `MOCK slow ${paceMs} ${words}`;
    let tm: number[] = [];
    let to: number[] = [];
    for (const k of i % 2 === 0 ? ['m', 'o'] : ['o', 'm']) {
      const t0 = performance.now();
      if (k === 'm') {
        const res = await post(`/v1/sessions/${mine}/messages`, { message: prompt, stream: true }, 'text/event-stream');
        tm = await streamArrivals(res, (ev, d) => (ev === 'text.delta' ? d.text : null), t0);
      } else {
        conv.messages.push({ role: 'user', content: prompt });
        const res = await post('/v1/chat/completions', { model: MODEL, messages: conv.messages, stream: true });
        let text = '';
        to = await streamArrivals(res, (_ev, d) => {
          const piece = d.choices?.[0]?.delta?.content ?? null;
          if (piece) text += piece;
          return piece;
        }, t0);
        conv.messages.push({ role: 'assistant', content: text });
      }
    }
    if (tm.length !== tokens || to.length !== tokens) throw new Error(`lost tokens: ours ${tm.length}, chat ${to.length} of ${tokens}`);
    firstM.push(tm[0]!);
    firstO.push(to[0]!);
    for (let k = 0; k < tokens; k++) {
      perTokenAdded.push(to[k]! - to[0]! - (tm[k]! - tm[0]!));
      if (k > 0) {
        gapsM.push(tm[k]! - tm[k - 1]!);
        gapsO.push(to[k]! - to[k - 1]!);
      }
    }
  }

  const row = (label: string, xs: number[]) => [label, median(xs).toFixed(1), pct(xs, 95).toFixed(1), spread(xs), String(xs.length)];
  process.stdout.write('\nWarm turn, blocking (ms), server and mock model in their own processes\n');
  process.stdout.write(
    table(
      [
        ['kind', 'p50', 'p95', 'p95-p5', 'n'],
        row('(m) POST /v1/sessions/{id}/messages', m),
        row('(o) POST /v1/chat/completions (history resent)', o),
      ],
      ['l', 'r', 'r', 'r', 'r'],
    ) + '\n',
  );
  process.stdout.write(`ratio (o)/(m): p50 ${(median(o) / median(m)).toFixed(3)}, p95 ${(pct(o, 95) / pct(m, 95)).toFixed(3)} (target p50 ≤ 1.05)\n`);
  process.stdout.write(`\nStreams paced at ${paceMs} ms/token, ${tokens} tokens × ${streamTurns} turns (ms)\n`);
  process.stdout.write(
    table(
      [
        ['measure', 'p50', 'p95', 'p95-p5', 'n'],
        row('first token, ours (SSE text.delta)', firstM),
        row('first token, chat completions chunks', firstO),
        row('gap between tokens, ours', gapsM),
        row('gap between tokens, chat completions', gapsO),
        row('per-token delay added (chat − ours, from first token)', perTokenAdded),
      ],
      ['l', 'r', 'r', 'r', 'r'],
    ) + '\n',
  );
} finally {
  serverProc.kill('SIGTERM');
  mockProc.kill('SIGTERM');
  await new Promise((r) => serverProc.once('exit', r));
  await rm(dataDir, { recursive: true, force: true });
}
