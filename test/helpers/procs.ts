import { readdirSync, readFileSync } from 'node:fs';

/** The process table, read from /proc: what is really alive, whatever the server believes. */
export interface Proc {
  pid: number;
  ppid: number;
  comm: string;
}

export function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // comm is parenthesised and may contain spaces; the fields after it are space-separated.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      if (fields[0] === 'Z') continue; // a zombie is already dead
      out.push({ pid: Number(name), ppid: Number(fields[1]), comm });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** Live agent processes whose parent is `parentPid`: `claude`, or the `bwrap` sandbox around it. */
export function claudeChildren(parentPid = process.pid): Proc[] {
  return processes().filter((p) => p.ppid === parentPid && (p.comm === 'claude' || p.comm === 'bwrap'));
}

/** Every live process below `pid` (children, their children, …). */
export function descendants(pid: number): Proc[] {
  const all = processes();
  const out: Proc[] = [];
  const todo = [pid];
  while (todo.length > 0) {
    const parent = todo.pop()!;
    for (const p of all) if (p.ppid === parent) (out.push(p), todo.push(p.pid));
  }
  return out;
}

/** Live processes whose command line contains `text`. */
export function processesWithCmdline(text: string): Proc[] {
  return processes().filter((p) => {
    try {
      return readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(text);
    } catch {
      return false;
    }
  });
}

/** Live processes anywhere whose environment mentions `marker` (e.g. a test's unique data dir). */
export function processesWithEnv(marker: string): Proc[] {
  return processes().filter((p) => {
    try {
      return readFileSync(`/proc/${p.pid}/environ`, 'utf8').includes(marker);
    } catch {
      return false;
    }
  });
}

export async function waitFor<T>(fn: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}
