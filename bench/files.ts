/**
 * bench/files — what moving a file through the files API costs: PUT and GET of 1 MB and 50 MB
 * files on our server (its own process, SQLite, keyless loopback) against a plain `fs` write and
 * read of the same bytes on the same disk. `--rounds` rounds each; prints MB/s (median of rounds)
 * and ours as a share of fs. Not yet measured: workspace persistence and materialization (issue 15
 * part 2 is not built).
 *
 *   npm run build && node dist/bench/files.js [--rounds 5]
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startChildServer } from './lib/processes.js';
import { mb, median, table } from './lib/stats.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const rounds = Number(values.rounds);
const progress = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

/** One HTTP call with a Buffer body; resolves when the whole answer is read. */
function call(url: string, method: string, body?: Buffer): Promise<{ status: number; bytes: number }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = body ? { 'content-type': 'application/octet-stream', 'content-length': String(body.length) } : {};
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method, headers }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode!, bytes }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'caa-bench-files-'));
const server = await startChildServer({
  DATA_DIR: dataDir,
  ANTHROPIC_API_KEY: 'bench',
  ANTHROPIC_BASE_URL: 'http://127.0.0.1:9', // no turn runs here
  WEATHER_TOOL: 'false',
  MAX_FILE_BYTES: String(64 * 1024 * 1024),
  PATH: process.env.PATH,
  HOME: process.env.HOME,
});
try {
  const session = (await (await fetch(`${server.url}/v1/sessions`, { method: 'POST' })).json()) as { id: string };
  const rows: string[][] = [['size', 'direction', 'ours MB/s', 'fs MB/s', 'ours / fs']];
  for (const size of [1024 * 1024, 50 * 1024 * 1024]) {
    const data = randomBytes(size);
    const url = `${server.url}/v1/sessions/${session.id}/files/bench/f.bin`;
    const plain = path.join(dataDir, 'plain.bin');
    const up: number[] = [];
    const down: number[] = [];
    const fsUp: number[] = [];
    const fsDown: number[] = [];
    for (let r = 0; r < rounds; r++) {
      progress(`${mb(size)} MB round ${r + 1}/${rounds}`);
      up.push(
        await seconds(async () => {
          const res = await call(url, 'PUT', data);
          if (res.status !== 201) throw new Error(`PUT answered ${res.status}`);
        }),
      );
      down.push(
        await seconds(async () => {
          const res = await call(url, 'GET');
          if (res.status !== 200 || res.bytes !== size) throw new Error(`GET answered ${res.status}, ${res.bytes} bytes`);
        }),
      );
      fsUp.push(await seconds(() => writeFile(plain, data)));
      fsDown.push(await seconds(() => readFile(plain)));
    }
    const rate = (xs: number[]) => mb(size) / median(xs);
    for (const [dir, ours, fs] of [['upload (PUT)', up, fsUp], ['download (GET)', down, fsDown]] as const) {
      rows.push([`${mb(size)} MB`, dir, rate(ours).toFixed(0), rate(fs).toFixed(0), `${((rate(ours) / rate(fs)) * 100).toFixed(0)}%`]);
    }
  }
  console.log(`\nFiles API throughput, median of ${rounds} rounds (fs = writeFile / readFile of the same bytes; downloads hash the file for its ETag)\n`);
  console.log(table(rows, ['l', 'l', 'r', 'r', 'r']));
} finally {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
}
