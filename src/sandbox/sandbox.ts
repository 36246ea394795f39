import { spawnSync } from 'node:child_process';
import { chownSync, readdirSync } from 'node:fs';
import { chown, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { sandboxArgv, type SandboxLimits, type SandboxSpec } from './bwrap.js';

export type SandboxMode = 'auto' | 'required' | 'off';

export interface SandboxConfig {
  mode: SandboxMode;
  bwrapPath: string;
  socatPath: string;
  /** The unprivileged uid/gid agent processes run as (root is exempt from RLIMIT_NPROC). */
  uid: number;
  gid: number;
  limits: SandboxLimits;
  /** Extra host paths bound read-only (e.g. the code of stdio MCP servers). */
  readOnlyPaths: string[];
}

/** What runs agents on this instance, as /health reports it. */
export interface SandboxStatus {
  /** `bubblewrap`: every agent process is sandboxed; `none`: unavailable (tools refused); `off`: disabled by SANDBOX=off. */
  kind: 'bubblewrap' | 'none' | 'off';
  mode: SandboxMode;
  /** Why not sandboxed, and how to fix it; absent when sandboxed. */
  warning?: string;
}

export const INSTALL_HINT = 'install bubblewrap and socat (`apt-get install bubblewrap socat`), or point SANDBOX_BWRAP_PATH at bwrap';

/**
 * Runs a trivial command the way agent processes will run (as the sandbox user, every namespace
 * unshared), so "available" means "works here", not merely "installed".
 */
export function probeSandbox(cfg: SandboxConfig): { ok: true } | { ok: false; reason: string } {
  const r = spawnSync(cfg.bwrapPath, ['--unshare-all', '--die-with-parent', '--ro-bind', '/usr', '/usr', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64', '--proc', '/proc', '--dev', '/dev', cfg.socatPath, '-V'], {
    uid: cfg.uid,
    gid: cfg.gid,
    timeout: 10_000,
    encoding: 'utf8',
  });
  if (r.error) return { ok: false, reason: `${cfg.bwrapPath} could not be run (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})` };
  if (r.status !== 0) return { ok: false, reason: `${cfg.bwrapPath} failed: ${(r.stderr || `exit ${r.status}`).trim().split('\n')[0]}` };
  return { ok: true };
}

export function sandboxStatus(cfg: SandboxConfig): SandboxStatus {
  if (cfg.mode === 'off') {
    return { kind: 'off', mode: 'off', warning: 'SANDBOX=off: agent processes run unsandboxed with the server’s file system and network. Use only for one trusted tenant.' };
  }
  const probe = probeSandbox(cfg);
  if (probe.ok) return { kind: 'bubblewrap', mode: cfg.mode };
  return { kind: 'none', mode: cfg.mode, warning: `No sandbox: ${probe.reason}. Built-in tools and stdio MCP servers are refused; to fix, ${INSTALL_HINT}.` };
}

/** Everything the sandbox of one agent process is built from, on the host side. */
export interface SandboxRun {
  workspace: string;
  configDir: string;
  transcriptDir: string;
  gatewaySocket: string;
  readOnly: string[];
  /** See SandboxSpec.resumeConfigDir. */
  resumeConfigDir?: string;
}

/** Prepares the host side of one sandbox: its writable directories, owned by the sandbox user. */
export async function prepareSandbox(cfg: SandboxConfig, run: SandboxRun): Promise<void> {
  for (const dir of [run.workspace, run.transcriptDir]) {
    await mkdir(dir, { recursive: true });
    if (isRoot()) await chown(dir, cfg.uid, cfg.gid);
  }
}

/** The command that starts `command args` inside the sandbox of `run`. */
export function sandboxCommand(cfg: SandboxConfig, run: SandboxRun, command: string, args: string[]): { file: string; argv: string[] } {
  if (run.resumeConfigDir && isRoot()) chownTree(run.resumeConfigDir, cfg.uid, cfg.gid);
  const spec: SandboxSpec = {
    bwrapPath: cfg.bwrapPath,
    socatPath: cfg.socatPath,
    workspace: run.workspace,
    configDir: run.configDir,
    transcriptDir: run.transcriptDir,
    ...(run.resumeConfigDir ? { resumeConfigDir: run.resumeConfigDir } : {}),
    home: SANDBOX_HOME,
    gatewaySocket: run.gatewaySocket,
    readOnly: [...new Set([...run.readOnly, ...cfg.readOnlyPaths].map((p) => path.resolve(p)))],
    limits: cfg.limits,
    bridgePort: BRIDGE_PORT,
  };
  return sandboxArgv(spec, command, args);
}

/** HOME inside every sandbox: a private tmpfs. */
export const SANDBOX_HOME = '/home/agent';
/** The bridge's port on the sandbox's own loopback (no other network exists there). */
export const BRIDGE_PORT = 8790;

/** Only root can (and needs to) hand directories to the sandbox user; otherwise it is the server's own. */
const isRoot = () => process.getuid?.() === 0;

/** Hands a (small: one session's resume material) directory tree to the sandbox user. */
function chownTree(dir: string, uid: number, gid: number): void {
  chownSync(dir, uid, gid);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) chownTree(p, uid, gid);
    else if (!e.isSymbolicLink()) chownSync(p, uid, gid);
  }
}
