import type { UUID } from 'node:crypto';
import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { forkSession, type Options, type SessionStore } from '@anthropic-ai/claude-agent-sdk';
import type { Logger } from 'pino';
import type { TranscriptStore } from '../store/types.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { AgentEvent } from './events.js';
import { PermissionBroker, type PermissionDecision } from './permissions.js';
import { WarmPool, type PoolStats } from './pool.js';
import type { PoolLimits } from './pool-policy.js';
import { projectKeyFor, workspaceNameFor } from './project-key.js';
import { askTheGate, createGate } from './gate.js';
import { removeLocalTranscript } from '../retention/local-files.js';
import { WarmSession, type PermissionGate, type TurnEnd } from './warm-session.js';
import type { Launcher } from './child-process.js';
import { MCP_TOKEN_HEADER, type Gateway } from '../gateway/gateway.js';
import { prepareSandbox, type SandboxConfig, type SandboxRun, type SandboxStatus } from '../sandbox/sandbox.js';
import { SANDBOX_MODEL_URL, sandboxLauncher } from '../sandbox/launcher.js';

/** A warm process may spend this many turn budgets before it is replaced (see WarmSession.canAfford). */
const PROCESS_BUDGET_TURNS = 2;

export interface RuntimeOptions {
  claudeConfigDir: string;
  workspacesDir: string;
  sessionWorkspacesDir: string;
  workspaceScope: 'session' | 'account';
  /** The sandbox in force; with kind `bubblewrap` every process runs in it and reaches the model through `gateway`. */
  sandbox: { config: SandboxConfig; status: SandboxStatus };
  gateway: Gateway | null;
  /** The built-in tools an account may use (its tool policy applied to the server's); absent = all. */
  toolPolicy?: (accountId: string) => Promise<{ builtinTools: string[] }>;
  model: {
    apiKey: string;
    baseUrl: string | undefined;
    /** Defaults; a session may choose its own model and system prompt. */
    name: string;
    systemPrompt: string | undefined;
    maxRetries: number;
    builtinTools: string[];
  };
  turnTimeoutMs: number;
  approval: {
    /** Tool rules that always need a person's approval (see permissions.ts for the rule form). */
    requiredTools: string[];
    timeoutMs: number;
  };
  pool: PoolLimits;
  /** The only variables of the server's environment the child sees (PATH, HOME). */
  childEnv: Record<string, string>;
  tools: ToolRegistry;
  transcripts: TranscriptStore;
  log: Logger;
}

export interface TurnRequest {
  accountId: string;
  sessionId: string;
  prompt: string;
  /** null = the server's default. */
  model: string | null;
  systemPrompt: string | null;
  /** What the session has cost so far (the SDK's running total resumes from it). */
  priorCostUsd: number;
  /** Extra tool rules that need approval in this session (added to the server's). */
  approvalTools: string[] | null;
  /** Built-in tools the session narrows its account's to (null = the account's). */
  builtinTools?: string[] | null;
  /** The session ran a turn elsewhere since this server's warm process (if any) last saw it. */
  stale?: boolean;
  /** This turn's ceilings (the account's, or lower); a process is started with them. */
  maxTurns: number;
  maxBudgetUsd: number;
  /** The prompt's uuid in the transcript. */
  uuid?: UUID;
  /** A JSON schema the answer must match (the SDK's structured output); the answer is then its JSON. */
  outputSchema?: Record<string, unknown> | null;
  onEvent: (event: AgentEvent) => void;
}

export interface RunTurnResult extends TurnEnd {
  /** Wall time the caller waited, a process start included when there was one. */
  durationMs: number;
  /** Whether this turn had to start a process (no warm one, or its settings changed). */
  coldStart: boolean;
}

/**
 * Runs agent turns on the real Claude Agent SDK through a pool of warm sessions: one long-lived
 * `claude` process per recently used session, resumed from our SessionStore when it is (re)built.
 */
export class AgentRuntime {
  private readonly pool: WarmPool;
  private readonly permissions: PermissionBroker;
  /** Sessions deleted while this server runs (ids are UUIDs, never reused; a few bytes each). */
  private readonly forgotten = new Set<string>();
  /** The SessionStore the SDK mirrors into: ours, minus appends for forgotten sessions. */
  private readonly mirror: TranscriptStore;
  /** Interrupts that arrived while a turn was still starting (spawning its process). */
  private readonly starting = new Map<string, { interrupted: boolean }>();

  constructor(private readonly opts: RuntimeOptions) {
    this.pool = new WarmPool(opts.pool, opts.log);
    this.permissions = new PermissionBroker(opts.approval.timeoutMs);
    const store = opts.transcripts;
    this.mirror = {
      ...bindAll(store),
      append: async (key, entries) => {
        if (this.forgotten.has(key.sessionId)) return;
        await store.append(key, entries);
      },
    };
  }

  /** The SDK project key of an account's transcripts (path-independent, see project-key.ts). */
  projectKey(accountId: string): string {
    return projectKeyFor(accountId);
  }

  async runTurn(req: TurnRequest): Promise<RunTurnResult> {
    const started = performance.now();
    const pending = { interrupted: false };
    this.starting.set(req.sessionId, pending);
    const model = req.model ?? this.opts.model.name;
    const systemPrompt = req.systemPrompt ?? this.opts.model.systemPrompt ?? null;
    let coldStart = false;
    try {
      const want = {
        accountId: req.accountId,
        // The CLI takes these at start, so a turn that asks for other ones needs its own process.
        fingerprint: JSON.stringify([model, systemPrompt, req.maxTurns, req.maxBudgetUsd, req.outputSchema ?? null]),
        turnBudgetUsd: req.maxBudgetUsd,
        stale: req.stale ?? false,
      };
      const session = await this.pool.acquire(req.sessionId, want, async () => {
        coldStart = true;
        return this.spawn(req, model, systemPrompt, want.fingerprint);
      });
      const policy = this.opts.toolPolicy ? await this.opts.toolPolicy(req.accountId) : null;
      // The gateway charges the process's model calls to this turn (its id is the prompt's uuid).
      this.opts.gateway?.setTurn(req.sessionId, req.uuid ?? null);
      try {
        const turn = session.runTurn({
          // The session may narrow the account's tools, never widen them.
          builtinTools: narrow(policy?.builtinTools ?? null, req.builtinTools ?? null),
          prompt: req.prompt,
          onEvent: req.onEvent,
          timeoutMs: this.opts.turnTimeoutMs,
          approvalTools: [...this.opts.approval.requiredTools, ...(req.approvalTools ?? [])],
          ...(req.uuid ? { uuid: req.uuid } : {}),
        });
        this.starting.delete(req.sessionId);
        if (pending.interrupted) void session.interrupt();
        const end = await turn;
        // Whoever reads the turn's ledger rows once it has ended finds all of them.
        await this.opts.gateway?.recorded(req.sessionId);
        return { ...end, durationMs: Math.round(performance.now() - started), coldStart };
      } finally {
        this.opts.gateway?.setTurn(req.sessionId, null);
        this.pool.release(req.sessionId);
      }
    } finally {
      if (this.starting.get(req.sessionId) === pending) this.starting.delete(req.sessionId);
    }
  }

  /** Interrupts the session's running turn in place. False when it has none. */
  async interrupt(sessionId: string): Promise<boolean> {
    const pending = this.starting.get(sessionId);
    if (pending) {
      pending.interrupted = true;
      return true;
    }
    const session = this.pool.get(sessionId);
    return session ? session.interrupt() : false;
  }

  /** Answers a tool-permission request of the session. False if it is not waiting (any more). */
  resolvePermission(sessionId: string, requestId: string, decision: PermissionDecision): boolean {
    return this.permissions.resolve(sessionId, requestId, decision);
  }

  /** Ends a session's process; its next turn resumes it from the store in a new one. */
  async evict(sessionId: string): Promise<void> {
    await this.pool.evict(sessionId, 'deleted');
  }

  /**
   * Ends a session's process for good, before its transcript is deleted. A closing CLI still
   * mirrors its last transcript lines (e.g. cost state) after it was told to stop, which would
   * re-create the deleted transcript; appends for a forgotten session are therefore dropped.
   */
  async forget(sessionId: string): Promise<void> {
    this.forgotten.add(sessionId);
    await this.pool.evict(sessionId, 'deleted');
  }

  stats(): Promise<PoolStats> {
    return this.pool.stats();
  }

  /** Removes the CLI's local copy of a transcript (the store's copy is deleted by the store). */
  async deleteLocalTranscript(accountId: string, sessionId: string): Promise<void> {
    await removeLocalTranscript(this.opts.claudeConfigDir, this.projectKey(accountId), sessionId);
    // A session's own workspace goes with it (an account workspace is shared and stays).
    if (this.opts.workspaceScope === 'session') await rm(this.workspaceOf(accountId, sessionId), { recursive: true, force: true });
  }

  /**
   * Copies a session's stored transcript to a new session id with the SDK's forkSession. The SDK
   * derives a project key from a directory; the store view below pins every key to the account's.
   */
  async forkTranscript(accountId: string, sessionId: string, upToMessageId: string | undefined): Promise<string> {
    const projectKey = this.projectKey(accountId);
    const store = this.opts.transcripts;
    const pinned: SessionStore = {
      append: (key, entries) => store.append({ ...key, projectKey }, entries),
      load: (key) => store.load({ ...key, projectKey }),
      listSessions: () => store.listSessions(projectKey),
      listSessionSummaries: () => store.listSessionSummaries(projectKey),
      delete: (key) => store.delete({ ...key, projectKey }),
      listSubkeys: (key) => store.listSubkeys({ ...key, projectKey }),
    };
    const { sessionId: forkId } = await forkSession(sessionId, {
      sessionStore: pinned,
      dir: path.join(this.opts.workspacesDir, workspaceNameFor(accountId)),
      ...(upToMessageId ? { upToMessageId } : {}),
    });
    return forkId;
  }

  /** Ends every agent process; a turn still running fails with `server_restarted`. */
  async close(): Promise<void> {
    await this.pool.close({ code: 'server_restarted', message: 'The server shut down during this turn.' });
  }

  /** The working directory of a session: its own (WORKSPACE_SCOPE=session) or its account's. */
  workspaceOf(accountId: string, sessionId: string): string {
    return this.opts.workspaceScope === 'session'
      ? path.join(this.opts.sessionWorkspacesDir, sessionId)
      : path.join(this.opts.workspacesDir, workspaceNameFor(accountId));
  }

  /** Gives a fork a copy of its source's files (per-session workspaces only). */
  async copyWorkspace(accountId: string, fromSessionId: string, toSessionId: string): Promise<void> {
    if (this.opts.workspaceScope !== 'session') return;
    const from = this.workspaceOf(accountId, fromSessionId);
    await cp(from, this.workspaceOf(accountId, toSessionId), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true, errorOnExist: false }).catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err; // a source that never ran has no workspace yet
      },
    );
  }

  private get sandboxed(): boolean {
    return this.opts.sandbox.status.kind === 'bubblewrap' && this.opts.gateway !== null;
  }

  private async spawn(req: TurnRequest, model: string, systemPrompt: string | null, fingerprint: string): Promise<WarmSession> {
    const cwd = this.workspaceOf(req.accountId, req.sessionId);
    await mkdir(cwd, { recursive: true });
    const resume = await this.opts.transcripts.exists(this.projectKey(req.accountId), req.sessionId);
    const log = this.opts.log.child({ session_id: req.sessionId, account_id: req.accountId });
    let launch: Launcher | undefined;
    let token: string | null = null;
    const gateway = this.opts.gateway;
    if (this.sandboxed && gateway) {
      const cfg = this.opts.sandbox.config;
      const run: SandboxRun = {
        workspace: cwd,
        configDir: this.opts.claudeConfigDir,
        transcriptDir: path.join(this.opts.claudeConfigDir, 'projects', this.projectKey(req.accountId)),
        gatewaySocket: gateway.socketPath,
        readOnly: [],
      };
      await prepareSandbox(cfg, run);
      token = gateway.grant({ sessionId: req.sessionId, accountId: req.accountId });
      launch = sandboxLauncher(cfg, run, token);
    }
    const session = new WarmSession(
      req.sessionId,
      fingerprint,
      this.options(req, resume, cwd, model, systemPrompt, token),
      req.priorCostUsd,
      resume,
      this.gate(req.sessionId, cwd),
      log,
      (s) => {
        if (token) gateway?.revoke(token);
        this.pool.onExit(s);
      },
      launch,
    );
    return session;
  }

  private gate(sessionId: string, workspace: string): PermissionGate {
    return createGate(
      { allowedTools: this.opts.tools.allowedTools, builtinTools: this.opts.model.builtinTools, sandbox: this.opts.sandbox.status, permissions: this.permissions },
      sessionId,
      workspace,
    );
  }

  /**
   * MCP servers for one process. Sandboxed, HTTP servers are reached through the gateway (their
   * real URL and headers stay there). With no sandbox at all, stdio servers are left out: they
   * would run unconfined on the host.
   */
  private mcpServers(token: string | null): Options['mcpServers'] {
    const servers = this.opts.tools.mcpServersForQuery();
    for (const [key, server] of Object.entries(servers)) {
      if (server.type === 'stdio' && this.opts.sandbox.status.kind === 'none') delete servers[key];
      else if (server.type === 'http' && token) {
        servers[key] = { type: 'http', url: `${SANDBOX_MODEL_URL}/mcp/${key}`, headers: { [MCP_TOKEN_HEADER]: token } };
      }
    }
    return servers;
  }

  private options(
    { accountId, sessionId, maxTurns, maxBudgetUsd, outputSchema }: TurnRequest,
    resume: boolean,
    cwd: string,
    model: string,
    systemPrompt: string | null,
    /** The process's gateway token when sandboxed: it stands in for the model key. */
    token: string | null,
  ): Options & { maxBudgetUsd: number } {
    const m = this.opts.model;
    const env: Record<string, string> = {
      ...this.opts.childEnv,
      CLAUDE_CONFIG_DIR: this.opts.claudeConfigDir,
      // With CLAUDE_CONFIG_DIR set, this names the transcript's project key outright, so resume works
      // whatever path the data dir is mounted at on this or another instance.
      CLAUDE_CODE_PROJECT_DIR_NAME: this.projectKey(accountId),
      // Sandboxed, the model key stays in the gateway: the process has only its own token.
      ANTHROPIC_API_KEY: token ?? m.apiKey,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      // MCP tools go to the model directly instead of behind a ToolSearch indirection.
      ENABLE_TOOL_SEARCH: 'false',
      CLAUDE_CODE_MAX_RETRIES: String(m.maxRetries),
    };
    if (token) env.ANTHROPIC_BASE_URL = SANDBOX_MODEL_URL;
    else if (m.baseUrl) env.ANTHROPIC_BASE_URL = m.baseUrl;
    return {
      cwd,
      env,
      ...(resume ? { resume: sessionId } : { sessionId }),
      model,
      // Not snapshotted: the CLI otherwise records the first prompt in the transcript and ignores a
      // changed one on resume, and a session's system prompt may be changed (PATCH).
      ...(systemPrompt ? { systemPrompt: { type: 'custom' as const, prompt: systemPrompt, snapshot: false } } : {}),
      maxTurns,
      ...(outputSchema ? { outputFormat: { type: 'json_schema' as const, schema: outputSchema } } : {}),
      // A process serves many turns but the CLI's budget counts them all: give it PROCESS_BUDGET_TURNS
      // turns' worth; the pool replaces it before less than one turn's budget is left.
      maxBudgetUsd: maxBudgetUsd * PROCESS_BUDGET_TURNS,
      settingSources: [],
      tools: m.builtinTools,
      mcpServers: this.mcpServers(token),
      // Running as root rules out bypassPermissions; 'default' sends every call to canUseTool (gate).
      permissionMode: 'default',
      // The CLI approves some calls by itself (reads inside its cwd) without asking canUseTool; this
      // hook sends every call to the gate, so approval rules and path checks see all of them.
      hooks: { PreToolUse: [{ hooks: [askTheGate] }] },
      // canUseTool would otherwise offer the model a tool to ask the user questions mid-turn.
      disallowedTools: ['AskUserQuestion'],
      mcpServersDelivery: 'initialize',
      includePartialMessages: true,
      sessionStore: this.mirror,
    };
  }
}

/** The tools both lists allow (null = no restriction). */
function narrow(a: readonly string[] | null, b: readonly string[] | null): string[] | null {
  if (a === null) return b ? [...b] : null;
  return b === null ? [...a] : a.filter((t) => b.includes(t));
}

/** The store's methods bound to it, so they can be spread into a wrapper. */
function bindAll(store: TranscriptStore): TranscriptStore {
  return {
    append: store.append.bind(store),
    load: store.load.bind(store),
    listSessions: store.listSessions.bind(store),
    listSessionSummaries: store.listSessionSummaries.bind(store),
    delete: store.delete.bind(store),
    listSubkeys: store.listSubkeys.bind(store),
    exists: store.exists.bind(store),
  };
}
