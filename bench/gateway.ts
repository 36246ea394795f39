/**
 * bench/gateway — what the gateway adds to one model call. The mock model and the gateway (with
 * its metering writing real ledger rows to SQLite) run in this process; each round makes one
 * streaming Messages call straight to the mock model and one through the gateway's unix socket,
 * interleaved so machine noise hits both alike. Prints p50/p99 of each and of the difference.
 *
 *   npm run bench:gateway -- --runs 300
 */
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { startMockModel } from '../mock-model/server.js';
import { Gateway } from '../src/gateway/gateway.js';
import { openStore } from '../src/store/open.js';
import { median, pct, table } from './lib/stats.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '300' } } });
const runs = Number(values.runs);
const body = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hello gateway' }] });

/** One POST /v1/messages, read to the end; resolves with its wall time in ms. */
function call(target: { socketPath?: string; host?: string; port?: number }, key: string, agent: http.Agent): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { ...target, agent, method: 'POST', path: '/v1/messages', headers: { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01' } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`status ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'caa-bench-gateway-'));
const mock = await startMockModel();
const store = await openStore({ postgres: undefined, databasePath: path.join(dir, 'ledger.db') });
const gateway = new Gateway({
  socketPath: path.join(dir, 'gateway.sock'),
  model: { baseUrl: mock.url, apiKey: 'bench-key' },
  mcp: {},
  log: pino({ level: 'silent' }),
  recordCall: (c) => store.modelCalls.record(c),
});
await gateway.start();
const token = gateway.grant({ sessionId: 'bench-session', accountId: 'bench-account' });
const mockUrl = new URL(mock.url);
const direct = { host: mockUrl.hostname, port: Number(mockUrl.port) };
const via = { socketPath: gateway.socketPath };
const agent = new http.Agent({ keepAlive: true });

const d: number[] = [];
const g: number[] = [];
for (let i = 0; i < 20; i++) await Promise.all([call(direct, 'bench-key', agent), call(via, token, agent)]); // warm-up
for (let i = 0; i < runs; i++) {
  d.push(await call(direct, 'bench-key', agent));
  g.push(await call(via, token, agent));
}
await gateway.recorded('bench-session');
const rows = (await store.modelCalls.totals({ accountId: 'bench-account' })).calls;
const added = g.map((x, i) => x - d[i]!);
const f = (x: number) => x.toFixed(2);
console.log(`gateway: ${runs} streaming model calls each way; ${rows} ledger rows written\n`);
console.log(
  table(
    [
      ['path', 'p50 ms', 'p99 ms'],
      ['direct to the mock model', f(median(d)), f(pct(d, 99))],
      ['through the gateway', f(median(g)), f(pct(g, 99))],
      ['added per call (paired)', f(median(added)), f(pct(added, 99))],
    ],
    ['l', 'r', 'r'],
  ),
);
agent.destroy();
await gateway.close();
await mock.close();
await store.close();
await rm(dir, { recursive: true, force: true });
