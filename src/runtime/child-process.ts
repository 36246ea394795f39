import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { SpawnedProcess, SpawnOptions } from '@anthropic-ai/claude-agent-sdk';

/**
 * Our own spawn of the `claude` binary, so we know each session's pid (for RSS and for killing it)
 * and can put it in its own process group: stdio MCP servers are the CLI's children, and killing
 * the group takes them along, so no process outlives its session or the server.
 */
export class ChildHandle {
  child: ChildProcess | null = null;

  constructor(private readonly onStderr: (data: string) => void) {}

  readonly spawn = (opts: SpawnOptions): SpawnedProcess => {
    const child = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // own process group (pgid = pid)
      signal: opts.signal,
    });
    child.stderr?.setEncoding('utf8').on('data', this.onStderr);
    this.child = child;
    LIVE.add(child);
    child.once('exit', () => LIVE.delete(child));
    return child as unknown as SpawnedProcess;
  };

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get alive(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Kills the whole process group (the CLI and anything it started). */
  killGroup(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child) killGroup(this.child, signal);
  }

  /** Resident memory of the CLI process in bytes, from /proc (0 if gone or unreadable). */
  async rssBytes(): Promise<number> {
    const pid = this.pid;
    if (pid === null || !this.alive) return 0;
    try {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
      return kb ? Number(kb) * 1024 : 0;
    } catch {
      return 0;
    }
  }
}

const LIVE = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

// Last line of defence: if the server exits without closing its sessions, take every child along.
process.once('exit', () => {
  for (const child of LIVE) killGroup(child, 'SIGKILL');
});
