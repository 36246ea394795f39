import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * The built CLI (`dist/src/cli.js`, built by the global setup) run as an operator would: a separate
 * process with exactly the environment given, plus PATH.
 */
export const CLI = path.resolve('dist/src/cli.js');

export function cli(args: string[], env: Record<string, string>, timeoutMs?: number) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    ...(timeoutMs ? { timeout: timeoutMs } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface Served {
  proc: ChildProcess;
  /** Resolves with the exit code once the process is gone. */
  exited: Promise<number | null>;
  stderr(): string;
}

/** `claude-agent-api serve` with exactly `env` (plus PATH, HOME and silent logs). Stop it with `stop`. */
export function serve(env: Record<string, string>): Served {
  const proc = spawn(process.execPath, [CLI, 'serve'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  proc.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, exited, stderr: () => stderr };
}

/** The exit code, or a failure if the process is still running after `ms` (a refusal is quick). */
export async function exitWithin(served: Served, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms} ms:\n${served.stderr()}`)), ms);
  });
  try {
    return await Promise.race([served.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls /health until it answers; fails early (with the server's stderr) if the process dies. */
export async function waitForHealth(served: Served, port: number, timeoutMs = 30_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let died = false;
  void served.exited.then(() => (died = true));
  while (Date.now() < deadline) {
    if (died) throw new Error(`server exited with ${served.proc.exitCode} before answering /health:\n${served.stderr()}`);
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) }).catch(() => null);
    if (res) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no answer from /health within ${timeoutMs} ms:\n${served.stderr()}`);
}

/** SIGTERM, then wait for the exit; SIGKILL if it hangs so a broken shutdown cannot leak a process. */
export async function stop(served: Served): Promise<number | null> {
  if (served.proc.exitCode === null && served.proc.signalCode === null) served.proc.kill('SIGTERM');
  const killer = setTimeout(() => served.proc.kill('SIGKILL'), 15_000);
  try {
    return await served.exited;
  } finally {
    clearTimeout(killer);
  }
}

/** A port nobody listens on right now: the OS picks one for a throwaway listener, which we close. */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}
