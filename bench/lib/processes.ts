/**
 * The benchmarks' subjects in processes of their own (the mock model, the service), so their CPU
 * is not the benchmark's: on a 2-core machine a shared event loop would bill the client's work to
 * the server and hide the server's from the bare SDK baseline.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildReply, ChildRequest } from './child-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface ChildMock {
  url: string;
  close(): Promise<void>;
}

/** `node dist/mock-model/main.js --port 0 --quiet`: prints its URL alone on stdout. */
export async function startChildMock(tokenDelayMs = 0): Promise<ChildMock> {
  const main = path.resolve(here, '../../mock-model/main.js');
  const child = spawn(process.execPath, [main, '--port', '0', '--quiet', '--token-delay-ms', String(tokenDelayMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`mock model exited (${code}) before printing its URL`)));
  });
  return { url, close: () => stop(child) };
}

export interface ChildServer {
  url: string;
  pid: number;
  /** Closes the session's warm process (bench-only control, over IPC). */
  evict(sessionId: string): Promise<void>;
  /** Processes the pool has spawned so far. */
  spawns(): Promise<number>;
  close(): Promise<void>;
}

/** The service (bench/lib/child-server.ts) with `env` as its whole environment; stdout (its logs) to /dev/null. */
export async function startChildServer(env: Record<string, string | undefined>): Promise<ChildServer> {
  const child = fork(path.join(here, 'child-server.js'), [], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { ready?: string }) => (m.ready ? resolve(m.ready) : reject(new Error('unexpected message'))));
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening`)));
  });
  let next = 0;
  const waiting = new Map<number, (r: ChildReply) => void>();
  child.on('message', (r: ChildReply) => waiting.get(r.id)?.(r));
  const call = (req: ChildRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never) =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++next;
      waiting.set(id, (r) => {
        waiting.delete(id);
        if (r.error) reject(new Error(r.error));
        else resolve(r.value);
      });
      child.send({ ...req, id });
    });
  return {
    url,
    pid: child.pid!,
    evict: async (sessionId) => void (await call({ op: 'evict', sessionId })),
    spawns: async () => (await call({ op: 'spawns' })) as number,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      await call({ op: 'close' }).catch(() => undefined);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** The store's SQL counters from the server's /metrics (caa_store_*_total). */
export async function storeCounters(url: string): Promise<{ statements: number; writeTransactions: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { statements: value('caa_store_statements_total'), writeTransactions: value('caa_store_write_transactions_total') };
}
