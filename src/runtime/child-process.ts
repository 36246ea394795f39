import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import type { SpawnedProcess, SpawnOptions } from '@anthropic-ai/claude-agent-sdk';

/**
 * Our own spawn of the `claude` binary, so we know each session's pid (for RSS and for killing it)
 * and can put it in its own process group: stdio MCP servers are the CLI's children, and killing
 * the group takes them along, so no process outlives its session or the server.
 */
/** How a process is actually started: the sandbox's command line around the SDK's one, or as is. */
export type Launcher = (opts: SpawnOptions) => { file: string; argv: string[]; env: Record<string, string | undefined>; uid?: number; gid?: number };

export const directLaunch: Launcher = (opts) => ({ file: opts.command, argv: opts.args, env: opts.env });

export class ChildHandle {
  child: ChildProcess | null = null;

  constructor(
    private readonly onStderr: (data: string) => void,
    private readonly launch: Launcher = directLaunch,
  ) {}

  readonly spawn = (opts: SpawnOptions): SpawnedProcess => {
    const l = this.launch(opts);
    const child = spawn(l.file, l.argv, {
      cwd: opts.cwd,
      env: l.env,
      ...(l.uid !== undefined ? { uid: l.uid, gid: l.gid } : {}),
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

  /**
   * Resident memory of the process and its descendants in bytes, from /proc (0 if gone). In a
   * sandbox the spawned process is bwrap and the CLI one of its descendants, so the tree counts.
   */
  async rssBytes(): Promise<number> {
    const pid = this.pid;
    if (pid === null || !this.alive) return 0;
    let total = 0;
    const todo = [pid];
    for (let n = 0; todo.length > 0 && n < 4096; n++) {
      const p = todo.pop()!;
      try {
        const status = await readFile(`/proc/${p}/status`, 'utf8');
        const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
        if (kb) total += Number(kb) * 1024;
        const children = await readFile(`/proc/${p}/task/${p}/children`, 'utf8').catch(() => '');
        for (const c of children.split(' ')) if (c.trim()) todo.push(Number(c));
      } catch {
        // gone meanwhile
      }
    }
    return total;
  }
}

/**
 * Kills agent processes left by a previous server on this data dir that died without closing them
 * (SIGKILL, OOM): orphans re-parented to init whose environment names our CLAUDE_CONFIG_DIR. The
 * CLI would exit by itself at stdin EOF, but only once its current turn ends. Returns their pids.
 */
export async function reapOrphans(claudeConfigDir: string): Promise<number[]> {
  const marker = `CLAUDE_CONFIG_DIR=${claudeConfigDir}\0`;
  const reaped: number[] = [];
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== 1) continue;
      if (!(await readFile(`/proc/${name}/environ`, 'utf8')).includes(marker)) continue;
      process.kill(-Number(name), 'SIGKILL');
      reaped.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return reaped;
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
