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

/** Live `claude` processes whose parent is `parentPid`. */
export function claudeChildren(parentPid = process.pid): Proc[] {
  return processes().filter((p) => p.ppid === parentPid && p.comm === 'claude');
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
