import path from 'node:path';

/**
 * The bubblewrap command line around one agent process (pure: easy to read and to test).
 *
 * Inside: a read-only minimal root (/usr and its /bin, /lib… links, a few /etc files, the CLI's
 * own directory and any operator-named paths), a private /tmp and HOME (tmpfs, gone with the
 * process), the CLI config dir as an empty tmpfs with only this account's transcript folder bound
 * into it, the session workspace as the only persistent writable mount, and the gateway socket.
 * New user, PID, IPC, UTS, cgroup and network namespaces: nothing of the host's network (the
 * model is reached through the gateway bridge on the sandbox's own loopback), no host process
 * visible; when the CLI (the namespace's first process) ends, the kernel kills every process left
 * in the namespace, setsid/nohup/double forks included.
 */
export interface SandboxSpec {
  bwrapPath: string;
  /** The agent's working directory: bound read-write at the same path. */
  workspace: string;
  /** CLAUDE_CONFIG_DIR as the CLI and the SDK mirror see it (the same absolute path). */
  configDir: string;
  /** This account's transcript folder under configDir, bound read-write (created beforehand). */
  transcriptDir: string;
  /**
   * Set when the SDK resumes from our SessionStore: it materialises the transcript into a fresh
   * config dir of its own (under the host's tmpdir) and points CLAUDE_CONFIG_DIR there. That dir
   * holds only this session, so it is bound whole instead of configDir.
   */
  resumeConfigDir?: string;
  /** HOME inside the sandbox (a tmpfs). */
  home: string;
  /** The gateway's unix socket on the host, and where it appears inside. */
  gatewaySocket: string;
  /** Host paths bound read-only at the same path (the CLI's directory, stdio MCP servers' code). */
  readOnly: string[];
  limits: SandboxLimits;
  /** The port the bridge listens on inside the sandbox's loopback; ANTHROPIC_BASE_URL names it. */
  bridgePort: number;
  /** socat, run inside to bridge 127.0.0.1:bridgePort to the gateway socket. */
  socatPath: string;
}

export interface SandboxLimits {
  /** RLIMIT_NPROC: processes of the sandbox's user (counted per user namespace). */
  processes: number;
  /**
   * RLIMIT_DATA per process, bytes: heap and private writable mappings. Not RLIMIT_AS: address-space
   * reservations (a WebAssembly instance reserves ~10 GiB) would break node and the CLI long before
   * any real memory is used.
   */
  memoryBytes: number;
  /** RLIMIT_CPU per process, seconds. */
  cpuSeconds: number;
  /** RLIMIT_FSIZE, bytes. */
  fileBytes: number;
  /** RLIMIT_NOFILE. */
  openFiles: number;
}

/** Where the gateway socket is found inside every sandbox. */
export const SANDBOX_GATEWAY_SOCKET = '/run/caa/gateway.sock';

/** /etc files the CLI (and a shell) need; absent ones are skipped by --ro-bind-try. */
const ETC_FILES = ['passwd', 'group', 'hosts', 'nsswitch.conf', 'resolv.conf', 'localtime', 'ld.so.cache', 'ld.so.conf', 'ssl', 'ca-certificates', 'alternatives'];

export function bwrapArgs(spec: SandboxSpec): string[] {
  const a: string[] = [
    '--unshare-user', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--unshare-net',
    '--die-with-parent', '--new-session',
    '--hostname', 'sandbox',
    '--ro-bind', '/usr', '/usr',
  ];
  for (const link of ['bin', 'sbin', 'lib', 'lib64', 'lib32', 'libx32']) a.push('--symlink', `usr/${link}`, `/${link}`);
  for (const f of ETC_FILES) a.push('--ro-bind-try', `/etc/${f}`, `/etc/${f}`);
  a.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--tmpfs', '/run');
  for (const p of spec.readOnly) a.push('--ro-bind', p, p);
  // Order matters: a later mount covers an earlier one, so the private dirs come after the binds.
  a.push('--tmpfs', spec.home);
  if (spec.resumeConfigDir) a.push('--bind', spec.resumeConfigDir, spec.resumeConfigDir);
  else a.push('--tmpfs', spec.configDir, '--bind', spec.transcriptDir, spec.transcriptDir);
  a.push('--bind', spec.workspace, spec.workspace);
  a.push('--ro-bind', spec.gatewaySocket, SANDBOX_GATEWAY_SOCKET);
  a.push('--chdir', spec.workspace);
  return a;
}

/**
 * argv that runs `command args` in the sandbox under the limits, after starting the bridge and
 * waiting until it listens (the CLI's first model call must find it).
 */
export function sandboxArgv(spec: SandboxSpec, command: string, args: string[]): { file: string; argv: string[] } {
  const l = spec.limits;
  const hexPort = spec.bridgePort.toString(16).toUpperCase().padStart(4, '0');
  // nodelay: without TCP_NODELAY, Nagle's algorithm meets the CLI's delayed ACKs and holds small
  // streamed chunks back ~40 ms each.
  const script = [
    `${spec.socatPath} -lf /dev/null TCP-LISTEN:${spec.bridgePort},bind=127.0.0.1,fork,reuseaddr,nodelay UNIX-CONNECT:${SANDBOX_GATEWAY_SOCKET} &`,
    `i=0; until grep -q ':${hexPort} 00000000:0000 0A' /proc/net/tcp; do i=$((i+1)); [ $i -gt 500 ] && break; sleep 0.01; done`,
    'exec "$@"',
  ].join('\n');
  return {
    file: spec.bwrapPath,
    argv: [
      ...bwrapArgs(spec),
      '--',
      '/usr/bin/prlimit',
      `--nproc=${l.processes}`,
      `--data=${l.memoryBytes}`,
      `--cpu=${l.cpuSeconds}`,
      `--fsize=${l.fileBytes}`,
      `--nofile=${l.openFiles}`,
      '--',
      '/bin/sh', '-c', script, 'sandbox', command, ...args,
    ],
  };
}

/** The directory to bind for a command: a package dir for a node_modules binary, else its own dir. */
export function commandRoot(command: string): string {
  return path.dirname(command);
}
