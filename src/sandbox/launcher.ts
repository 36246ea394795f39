import path from 'node:path';
import type { Launcher } from '../runtime/child-process.js';
import { BRIDGE_PORT, SANDBOX_HOME, sandboxCommand, type SandboxConfig, type SandboxRun } from './sandbox.js';

/** ANTHROPIC_BASE_URL inside every sandbox: the bridge to the gateway on its own loopback. */
export const SANDBOX_MODEL_URL = `http://127.0.0.1:${BRIDGE_PORT}`;

/**
 * How the SDK's spawn of the CLI becomes a sandboxed one: the bwrap command line around it, the
 * process's gateway token in place of the model key, a private HOME, and the sandbox user.
 */
export function sandboxLauncher(cfg: SandboxConfig, run: SandboxRun, token: string): Launcher {
  return (o) => {
    // Resuming from our store, the SDK points CLAUDE_CONFIG_DIR at a fresh dir of its own.
    const dir = o.env.CLAUDE_CONFIG_DIR;
    const resumeConfigDir = dir && dir !== run.configDir ? dir : undefined;
    const readOnly = [path.dirname(o.command)];
    return {
      ...sandboxCommand(cfg, { ...run, readOnly, ...(resumeConfigDir ? { resumeConfigDir } : {}) }, o.command, o.args),
      env: { ...o.env, ANTHROPIC_API_KEY: token, ANTHROPIC_BASE_URL: SANDBOX_MODEL_URL, HOME: SANDBOX_HOME, TMPDIR: '/tmp' },
      uid: cfg.uid,
      gid: cfg.gid,
    };
  };
}
