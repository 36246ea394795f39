import { chmod, mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { startMockModel, type MockModel } from '../mock-model/server.js';
import type { Config } from './config/config.js';
import { createHttpApp, type ApiApp } from './http/app.js';
import { reapOrphans } from './runtime/child-process.js';
import { offlineWeatherFetch } from './tools/demo-weather.js';
import { AuthFailureLimiter } from './accounts/auth-limiter.js';
import { AccountService } from './accounts/service.js';
import { Control } from './cluster/control.js';
import { RetentionService } from './retention/service.js';
import { Hub } from './cluster/hub.js';
import { Membership } from './cluster/membership.js';
import { AgentRuntime } from './runtime/runtime.js';
import { SessionService, type Clock } from './sessions/service.js';
import { TurnService } from './sessions/turns.js';
import { OpenAiService } from './openai/service.js';
import { Metrics } from './metrics/metrics.js';
import { timeStore } from './metrics/store.js';
import { openStore } from './store/open.js';
import type { Store } from './store/types.js';
import { loadMcpConfig } from './tools/mcp-config.js';
import { buildToolRegistry } from './tools/registry.js';
import { VERSION } from './version.js';
import { FilesService } from './files/service.js';
import { Gateway } from './gateway/gateway.js';
import { INSTALL_HINT, sandboxStatus } from './sandbox/sandbox.js';

/** The server will not start as configured (the message says why and what to do). */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

export interface Server {
  app: ApiApp;
  accounts: AccountService;
  retention: RetentionService;
  store: Store;
  metrics: Metrics;
  runtime: AgentRuntime;
  sessions: SessionService;
  turns: TurnService;
  /** Set in demo mode: the offline model the agent talks to. */
  demoModel: MockModel | null;
  /** Stops taking turns, lets running ones finish within the grace period, then closes everything. */
  close(graceMs?: number): Promise<void>;
}

export interface ServerDeps {
  config: Config;
  log: Logger;
  clock?: Clock;
  /** Injected into the weather tool (tests pass a fetch that reaches a local fake). */
  fetch?: typeof fetch;
}

/**
 * Wires store → runtime → sessions → HTTP from a parsed config. Tests build the whole server
 * in-process with this; `main.ts` adds only a listener and signal handling.
 */
export async function createServer({ config, log, clock = { now: Date.now }, fetch: fetchImpl = fetch }: ServerDeps): Promise<Server> {
  await mkdir(config.dataDir, { recursive: true });
  const sandbox = sandboxStatus(config.sandbox);
  if (sandbox.kind === 'none' && config.sandbox.mode === 'required') {
    throw new StartupError(`Refusing to start: SANDBOX=required but ${sandbox.warning} To fix, ${INSTALL_HINT}.`);
  }
  if (sandbox.kind === 'off') log.warn(sandbox.warning);
  else if (sandbox.kind === 'none') log.warn({ fix: INSTALL_HINT }, sandbox.warning);
  // The sandbox user must be able to reach its bind-mount sources below DATA_DIR (traverse only).
  if (sandbox.kind === 'bubblewrap') await chmod(config.dataDir, 0o711);
  const metrics = new Metrics({ accountLabels: config.metrics.accountLabels });
  // Every store call, from whichever caller, is timed (caa_store_operation_duration_seconds).
  const store = timeStore(await openStore(config), metrics);
  metrics.readStoreStatsFrom(store.stats);
  if (!config.auth.loopback && !config.auth.adminKey && !(await store.accounts.hasActiveKeys())) {
    await store.close();
    throw new StartupError(
      `Refusing to start: HOST=${config.host} is reachable from other machines and no API keys are configured, ` +
        'so anyone who can reach the port could run the agent. Set ADMIN_API_KEY (then create accounts and keys ' +
        'under /v1/admin), or create a key with `claude-agent-api accounts create` and `keys create`, or listen on ' +
        '127.0.0.1.',
    );
  }

  // No key: answer from the built-in mock model so the service works offline, and say so loudly.
  let demoModel: MockModel | null = null;
  let apiKey = config.model.apiKey;
  let baseUrl = config.model.baseUrl;
  if (!apiKey) {
    demoModel = await startMockModel({ port: config.demo.port, tokenDelayMs: config.demo.tokenDelayMs });
    apiKey = 'demo-offline';
    baseUrl = demoModel.url;
    log.warn(
      { demo_model_url: demoModel.url },
      'DEMO MODE: no ANTHROPIC_API_KEY is set, so the agent talks to the built-in offline mock model, not Claude',
    );
  }

  const tools = buildToolRegistry({
    // The demo runs offline end to end: its weather comes from built-in sample data.
    weather: config.tools.weather && { ...config.tools.weather, fetch: demoModel ? offlineWeatherFetch : fetchImpl },
    external: config.tools.mcpConfigPath ? await loadMcpConfig(config.tools.mcpConfigPath) : undefined,
  });

  // Sandboxed agents reach the model (and HTTP MCP servers) only through the gateway, which holds the key.
  let gateway: Gateway | null = null;
  if (sandbox.kind === 'bubblewrap') {
    const mcp: Record<string, { url: string; headers: Record<string, string> }> = {};
    for (const [key, server] of Object.entries(tools.mcpServersForQuery())) {
      if (server.type === 'http') mcp[key] = { url: server.url, headers: server.headers ?? {} };
    }
    gateway = new Gateway({
      socketPath: config.gatewaySocket,
      model: { baseUrl: baseUrl ?? 'https://api.anthropic.com', apiKey },
      mcp,
      log,
      recordCall: (call) => {
        metrics.modelCall(call);
        return store.modelCalls.record(call);
      },
    });
    await gateway.start();
  }

  const runtime = new AgentRuntime({
    claudeConfigDir: config.claudeConfigDir,
    workspacesDir: config.workspacesDir,
    sessionWorkspacesDir: config.sessionWorkspacesDir,
    workspaceScope: config.workspaceScope,
    sandbox: { config: config.sandbox, status: sandbox },
    gateway,
    toolPolicy: (accountId) => accounts.toolPolicy(accountId),
    model: { ...config.model, apiKey, baseUrl },
    turnTimeoutMs: config.turnTimeoutMs,
    approval: { ...config.approval, requiredTools: [...config.approval.requiredTools, ...tools.approvalRules] },
    pool: config.pool,
    childEnv: config.childEnv,
    tools,
    transcripts: store.transcripts,
    log,
  });

  const hub = new Hub(store.bus);
  const control = new Control(store.bus, hub, log);
  const { catalog, transcripts, events, queue } = store;
  const deps = { catalog, transcripts, events, queue, hub, control, runtime, clock, log };
  const sessions = new SessionService(deps, {
    isBusy: (id) => turns.isBusy(id),
    forgetElsewhere: (id) => control.forgetEverywhere(id),
  });
  const accounts = new AccountService(store, {
    adminKey: config.auth.adminKey,
    loopback: config.auth.loopback,
    defaults: config.accountDefaults,
    builtinTools: config.model.builtinTools,
    now: clock.now,
  });
  const turns: TurnService = new TurnService(deps, sessions, {
    ...config.turns,
    maxMessageBytes: config.maxMessageBytes,
    checkBudget: (accountId, limits) => accounts.checkBudget(accountId, limits),
    observer: metrics.turnObserver,
    logMessages: config.log.messages,
    demo: demoModel !== null,
  });
  const files = new FilesService({
    getSession: (accountId, id) => sessions.get(accountId, id),
    isBusy: (id) => turns.isBusy(id),
    workspaceOf: (accountId, id) => runtime.workspaceOf(accountId, id),
    async *workspacesOfAccount(accountId) {
      if (config.workspaceScope === 'account') {
        yield runtime.workspaceOf(accountId, '');
        return;
      }
      for (const archived of [false, true]) {
        let cursor: string | undefined;
        do {
          const page = await sessions.list({ accountId, limit: 100, archived, ...(cursor ? { cursor } : {}) });
          for (const s of page.sessions) yield runtime.workspaceOf(accountId, s.id);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
      }
    },
    ...config.files,
    // Uploads must be the sandbox user's, as the agent's own files are, so it can change them.
    owner: sandbox.kind === 'bubblewrap' && process.getuid?.() === 0 ? { uid: config.sandbox.uid, gid: config.sandbox.gid } : undefined,
  });
  const retention = new RetentionService({
    store: store.retention,
    accounts: store.accounts,
    defaults: config.accountDefaults,
    projectKey: (id) => runtime.projectKey(id),
    async forget(accountId, sessionId) {
      await runtime.forget(sessionId);
      control.forgetEverywhere(sessionId);
      await runtime.deleteLocalTranscript(accountId, sessionId);
    },
    claudeConfigDir: config.claudeConfigDir,
    now: clock.now,
    log,
  });
  const stopPurging = retention.schedule(config.retention.intervalMs);
  // Event streams stay replayable for EVENT_RETENTION after their turn ended; older ones go.
  const pruneEvents = async () => {
    try {
      const n = await store.events.prune(clock.now() - config.events.retentionMs);
      if (n > 0) log.info({ events: n }, 'pruned expired turn events');
    } catch (err) {
      log.error({ err }, 'pruning turn events failed');
    }
  };
  await pruneEvents();
  const pruner = setInterval(() => void pruneEvents(), Math.min(config.events.retentionMs, 10 * 60_000)).unref();
  const reaped = await reapOrphans(config.claudeConfigDir);
  if (reaped.length > 0) log.warn({ pids: reaped }, 'killed agent processes orphaned by a previous server');
  await control.listen({ call: (req) => turns.handle(req), forget: (id) => void runtime.forget(id) });
  const membership = new Membership({
    queue: store.queue,
    instanceId: control.instanceId,
    home: `${hostname()}:${path.resolve(config.dataDir)}`,
    shared: store.bus !== null,
    leaseTtlMs: config.leaseTtlMs,
    now: clock.now,
    log,
    onLost: (lost) => turns.closeLostTurns(lost),
    onFenced: () => turns.abandonRunning(),
  });
  await membership.start();
  log.info({ instance_id: control.instanceId, store: store.backend }, 'instance started');

  metrics.readRuntimeFrom(async () => ({ ...(await runtime.stats()), queued: turns.counts().queued }));
  const openai = new OpenAiService({ sessions, turns, index: store.openai, now: clock.now, log, defaultModel: config.model.name });
  const app = createHttpApp({
    accounts,
    retention,
    sessions,
    files,
    turns,
    openai,
    models: config.model.offered,
    stream: {
      events: store.events,
      catalog: store.catalog,
      hub,
      now: clock.now,
      heartbeatMs: config.events.heartbeatMs,
      retentionMs: config.events.retentionMs,
      clients: metrics.streamClients,
    },
    authFailures: new AuthFailureLimiter({ ...config.auth.failures, now: clock.now }),
    log,
    maxMessageBytes: config.maxMessageBytes,
    uiDir: config.uiDir,
    metrics: {
      observeHttp: (method, route, status, seconds) => metrics.observeHttp(method, route, status, seconds),
      scrape: () => metrics.scrape(),
      public: config.metrics.public,
    },
    system: {
      version: VERSION,
      mode: demoModel ? 'demo' : 'live',
      model: config.model.name,
      backend: store.backend,
      startedAt: clock.now(),
      sandbox,
      ping: () => store.ping(),
      pendingMigrations: () => store.pendingMigrations(),
      draining: () => turns.draining,
      runtime: async () => ({ ...(await runtime.stats()), queued: turns.counts().queued }),
    },
  });

  return {
    app,
    accounts,
    retention,
    store,
    metrics,
    runtime,
    sessions,
    turns,
    demoModel,
    async close(graceMs = 0) {
      clearInterval(pruner);
      stopPurging();
      await turns.drain(graceMs);
      await membership.stop();
      await store.close();
      await gateway?.close();
      await demoModel?.close();
    },
  };
}
