/**
 * bench/sandbox — what the sandbox costs, side by side in one run. Two servers (SANDBOX=auto with
 * bubblewrap, and SANDBOX=off) and the mock model each run in their own process; kinds are
 * interleaved round by round so machine noise hits both alike:
 *   warm turn     a plain turn on a warm session (the gateway and bridge are on its path)
 *   cold spawn    a new session's first turn (process start included)
 *   bash trip     a warm turn that runs one Bash command (a tool round trip)
 * Then the RSS of one sandboxed session (bwrap + socat + CLI) against an unsandboxed one.
 *
 *   npm run bench:sandbox -- --runs 15
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ApiClient } from './lib/api.js';
import { mb, median, pct, table, timed } from './lib/stats.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const runs = Number(values.runs);
const progress = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const here = path.dirname(fileURLToPath(import.meta.url));
const procs: ChildProcess[] = [];

/** Starts a node script and resolves with the first stdout line matching `ready`. */
function start(script: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<string> {
  const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  procs.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = ready.exec(out);
      if (m) resolve(m[1] ?? m[0]);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

async function waitHealthy(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never became healthy`);
}

const mockUrl = await start(path.join(here, '../mock-model/main.js'), ['--port', '0', '--quiet'], process.env, /(http:\/\/\S+)\n/);
const dirs: string[] = [];
async function server(sandbox: 'auto' | 'off'): Promise<ApiClient> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `caa-bench-sb-${sandbox}-`));
  dirs.push(dataDir);
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    DATA_DIR: dataDir,
    SANDBOX: sandbox,
    ANTHROPIC_API_KEY: 'bench',
    ANTHROPIC_BASE_URL: mockUrl,
    CLAUDE_BUILTIN_TOOLS: 'Bash',
    WEATHER_TOOL: 'false',
    LOG_LEVEL: 'warn',
    MAX_WARM_SESSIONS: String(runs + 8),
    POOL_MEMORY_MB: '16384',
    CLAUDE_MAX_BUDGET_USD: '50',
  };
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [path.join(here, '../src/main.js')], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  procs.push(child);
  await waitHealthy(url);
  const health = (await (await fetch(`${url}/health`)).json()) as { sandbox: { kind: string } };
  progress(`server SANDBOX=${sandbox}: sandbox in force ${health.sandbox.kind}`);
  if (sandbox === 'auto' && health.sandbox.kind !== 'bubblewrap') throw new Error('bubblewrap is not available here');
  return new ApiClient(url);
}

try {
  const servers = { sandboxed: await server('auto'), unsandboxed: await server('off') };
  type Kind = 'warm turn' | 'cold spawn' | 'bash trip';
  const kinds: Kind[] = ['warm turn', 'cold spawn', 'bash trip'];
  const samples: Record<string, number[]> = {};
  const warm: Record<string, string> = {};
  for (const [name, api] of Object.entries(servers)) {
    warm[name] = await api.createSession('warm');
    await api.send(warm[name]!, 'hello'); // make it warm
  }
  const bash = `MOCK tool Bash ${JSON.stringify({ command: 'echo hi' })}`;
  for (let round = 0; round < runs; round++) {
    progress(`round ${round + 1}/${runs}`);
    const order = Object.entries(servers);
    if (round % 2) order.reverse();
    for (const kind of kinds) {
      for (const [name, api] of order) {
        let ms: number;
        if (kind === 'warm turn') ms = (await timed(() => api.send(warm[name]!, `hello ${round}`))).ms;
        else if (kind === 'bash trip') ms = (await timed(() => api.send(warm[name]!, bash))).ms;
        else {
          const id = await api.createSession(`cold ${round}`);
          ms = (await timed(() => api.send(id, 'hello'))).ms;
        }
        (samples[`${kind}|${name}`] ??= []).push(ms);
      }
    }
  }
  const rows = [['kind', 'unsandboxed p50 ms', 'sandboxed p50 ms', 'overhead', 'unsandboxed p90', 'sandboxed p90']];
  for (const kind of kinds) {
    const u = samples[`${kind}|unsandboxed`]!;
    const s = samples[`${kind}|sandboxed`]!;
    rows.push([kind, median(u).toFixed(1), median(s).toFixed(1), `${(((median(s) - median(u)) / median(u)) * 100).toFixed(1)}%`, pct(u, 90).toFixed(1), pct(s, 90).toFixed(1)]);
  }
  const rss = async (api: ApiClient) => {
    const r = await api.runtime();
    const per = r.sessions.map((x) => x.rss_bytes).filter((b) => b > 0);
    return per.reduce((a, b) => a + b, 0) / per.length;
  };
  const rssS = await rss(servers.sandboxed);
  const rssU = await rss(servers.unsandboxed);
  rows.push(['RSS per session (MB)', mb(rssU).toFixed(0), mb(rssS).toFixed(0), `${(((rssS - rssU) / rssU) * 100).toFixed(1)}%`, '', '']);
  process.stdout.write(`\nbench/sandbox: ${runs} rounds, interleaved; mock model and both servers in their own processes\n\n`);
  process.stdout.write(table(rows, ['l', 'r', 'r', 'r', 'r', 'r']) + '\n');
  process.stdout.write('targets: warm turn overhead <= 10%, cold spawn overhead <= 15%\n');
} finally {
  for (const p of procs) p.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1500));
  for (const d of dirs) await rm(d, { recursive: true, force: true }).catch(() => {});
}
