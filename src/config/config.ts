import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * The whole configuration, parsed once at start-up from the environment. This is the only module
 * that reads `process.env`; everything else receives a `Config`.
 */

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');
/** A boolean with no default: undefined when unset, so another setting can decide. */
const optionalBool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .optional()
  .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1' || v === 'yes'));
const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();
const list = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

/** A duration: `250ms`, `90s`, `20m`, `1h`, or a bare number of seconds. Parsed to milliseconds. */
const duration = (def: string) =>
  z
    .string()
    .default(def)
    .transform((v, ctx) => {
      const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(v);
      if (!m) {
        ctx.addIssue({ code: 'custom', message: 'expected a duration such as 500ms, 30s, 20m or 1h' });
        return z.NEVER;
      }
      const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
      return Math.round(Number(m[1]) * factor);
    });

const envSchema = z.object({
  PORT: int(8080).pipe(z.number().max(65535)),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Human-readable logs (needs the pino-pretty dev dependency); default true when NODE_ENV=development. */
  LOG_PRETTY: optionalBool,
  /** Put message text (prompts, answers) in the logs; off by default, as it is user data. */
  LOG_MESSAGES: bool(false),
  NODE_ENV: z.string().optional(),
  /** postgres://… makes PostgreSQL the store; unset keeps the embedded SQLite file. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** PostgreSQL schema to use (created if missing). */
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case schema name').default('public'),
  DATABASE_POOL_SIZE: int(10, 1),
  /** With several instances on PostgreSQL: how long a silent instance keeps its turns before they fail. */
  LEASE_TTL: duration('15s'),

  /** Manages accounts and keys over /v1/admin; with it (or any API key) every request needs a key. */
  ADMIN_API_KEY: optionalString.pipe(z.string().min(32, 'use at least 32 random characters').optional()),
  /** Sessions untouched for longer are purged with their transcripts and events (0 = keep forever). */
  RETENTION_DAYS: int(30),
  /** How often the scheduled purge runs. */
  PURGE_INTERVAL: duration('1h'),
  /** Default per-account quotas (an account's own limits override them); 0 = unlimited. */
  ACCOUNT_MAX_SESSIONS: int(10_000),
  ACCOUNT_MAX_STORAGE_BYTES: int(1024 * 1024 * 1024),
  ACCOUNT_DAILY_BUDGET_USD: z.coerce.number().min(0).default(0),
  ACCOUNT_MONTHLY_BUDGET_USD: z.coerce.number().min(0).default(0),
  ACCOUNT_DAILY_TOKENS: int(0),
  ACCOUNT_MONTHLY_TOKENS: int(0),

  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: z.url().optional().or(z.literal('').transform(() => undefined)),
  CLAUDE_MODEL: z.string().min(1).default('claude-sonnet-4-5'),
  /** Further models a session may choose (listed by GET /v1/models with CLAUDE_MODEL first). */
  CLAUDE_MODELS: list,
  CLAUDE_MAX_TURNS: int(10, 1),
  CLAUDE_MAX_BUDGET_USD: z.coerce.number().positive().default(0.5),
  CLAUDE_SYSTEM_PROMPT: optionalString,
  /** Built-in Claude Code tools to enable (e.g. "Read,Grep"); none by default. */
  CLAUDE_BUILTIN_TOOLS: list,
  /** How often the CLI retries a failed model call before the turn fails (the CLI default is ~11). */
  CLAUDE_MAX_RETRIES: int(2),
  /** A turn that runs longer than this is stopped and fails with `timed_out`. */
  TURN_TIMEOUT: duration('5m'),

  // The warm pool: one live `claude` process per recently used session.
  MAX_WARM_SESSIONS: int(16, 1),
  /** Processes one account may hold in use at once (default: half the pool), so another tenant always finds room. */
  ACCOUNT_MAX_WARM: z.coerce.number().int().min(1).optional(),
  /** Budget for the summed RSS of all warm processes; idle ones are evicted to stay under it. */
  POOL_MEMORY_MB: int(4096, 64),
  SESSION_IDLE_TIMEOUT: duration('20m'),
  /** Failed authentications per client address within AUTH_FAILURE_WINDOW before it gets 429 `too_many_auth_failures`. */
  AUTH_FAILURE_LIMIT: int(20, 1),
  AUTH_FAILURE_WINDOW: duration('1m'),
  /** Turns waiting behind a running one, per session (`if_busy: "enqueue"`). */
  MAX_QUEUED_TURNS: int(8, 0),
  /** Turns running at once per account; more answer 429 `too_many_turns`. */
  ACCOUNT_MAX_CONCURRENT_TURNS: int(8, 1),
  /** On SIGTERM, how long running turns may take to finish before their processes are ended. */
  SHUTDOWN_GRACE: duration('30s'),

  /** Tools that need a person's approval per call: full names (`mcp__weather__get_weather`) or servers (`mcp__weather`). */
  APPROVAL_REQUIRED_TOOLS: list,
  /** A permission request nobody answers within this is denied (the model is told why). */
  APPROVAL_TIMEOUT: duration('5m'),
  /** How long a turn's event stream can be replayed after the turn ended. */
  EVENT_RETENTION: duration('24h'),
  /** Comment lines sent on an idle event stream so proxies keep it open. */
  SSE_HEARTBEAT: duration('15s'),
  /** GET /metrics without a key (otherwise it needs the admin key, or keyless local mode). */
  METRICS_PUBLIC: bool(false),
  /** Adds an `account` label to caa_turns_total and caa_cost_usd_total (one series per account). */
  METRICS_ACCOUNT_LABELS: bool(false),

  MAX_MESSAGE_BYTES: int(256 * 1024, 1),
  /** Largest file one upload may write into a session's workspace. */
  MAX_FILE_BYTES: int(100 * 1024 * 1024, 1),
  /** Files one session's workspace may hold (uploads past it are refused); 0 = unlimited. */
  MAX_FILES_PER_SESSION: int(10_000),
  /** The built web chat served at `/` (default: dist/ui of this package). */
  UI_DIR: optionalString,
  MCP_CONFIG: optionalString,
  WEATHER_TOOL: bool(true),
  WEATHER_GEOCODING_URL: z.url().default('https://geocoding-api.open-meteo.com'),
  WEATHER_FORECAST_URL: z.url().default('https://api.open-meteo.com'),
  WEATHER_TIMEOUT_MS: int(5000, 100),
  /** Port of the built-in demo model when no API key is set (0 = any free port). */
  MOCK_MODEL_PORT: int(0).pipe(z.number().max(65535)),
  MOCK_MODEL_TOKEN_DELAY_MS: int(0),

  // The sandbox around every agent process (see src/sandbox/ and the README's "Sandbox" section).
  /** auto: sandbox when bubblewrap works, else refuse built-in tools; required: refuse to start without it; off: no sandbox. */
  SANDBOX: z.enum(['auto', 'required', 'off']).default('auto'),
  SANDBOX_BWRAP_PATH: z.string().min(1).default('/usr/bin/bwrap'),
  SANDBOX_SOCAT_PATH: z.string().min(1).default('/usr/bin/socat'),
  /** The unprivileged user agent processes run as on the host; default nobody (65534) when the server is root, else the server's own user. */
  SANDBOX_UID: z.coerce.number().int().min(1).optional(),
  SANDBOX_GID: z.coerce.number().int().min(1).optional(),
  /** Processes (RLIMIT_NPROC) one sandbox may hold at once. */
  SANDBOX_MAX_PROCESSES: int(256, 16),
  /** Writable memory per process (RLIMIT_DATA: heap and private writable mappings), MiB. */
  SANDBOX_MEMORY_MB: int(4096, 512),
  /** CPU time per process (RLIMIT_CPU), seconds. */
  SANDBOX_CPU_SECONDS: int(3600, 10),
  /** Largest file a sandboxed process may write (RLIMIT_FSIZE), MiB. */
  SANDBOX_FILE_SIZE_MB: int(1024, 1),
  /** Extra host paths bound read-only into every sandbox (the code of stdio MCP servers). */
  SANDBOX_READONLY_PATHS: list,
  /** session: each session has its own workspace; account: one shared by the account's sessions. */
  WORKSPACE_SCOPE: z.enum(['session', 'account']).default('session'),

  // Passed through to the agent's child process so the binary can run; never anything else.
  PATH: z.string().default('/usr/local/bin:/usr/bin:/bin'),
  HOME: z.string().default('/tmp'),
});

export type Config = ReturnType<typeof toConfig>;

function toConfig(env: z.infer<typeof envSchema>) {
  const dataDir = path.resolve(env.DATA_DIR);
  return {
    port: env.PORT,
    host: env.HOST,
    dataDir,
    /** SQLite catalog + transcripts (used when no DATABASE_URL is set). */
    databasePath: path.join(dataDir, 'agent-api.db'),
    postgres: env.DATABASE_URL
      ? { url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA, poolSize: env.DATABASE_POOL_SIZE }
      : undefined,
    /** The CLI's config home: local transcript copies (the store holds the durable ones). */
    claudeConfigDir: path.join(dataDir, 'claude'),
    /** One stable working directory per account lives below this. */
    workspacesDir: path.join(dataDir, 'workspaces'),
    /** One working directory per session lives below this (WORKSPACE_SCOPE=session). */
    sessionWorkspacesDir: path.join(dataDir, 'session-workspaces'),
    workspaceScope: env.WORKSPACE_SCOPE,
    /** The gateway's unix socket (the agents' only way to the model). */
    gatewaySocket: path.join(dataDir, 'run', 'gateway.sock'),
    sandbox: {
      mode: env.SANDBOX,
      bwrapPath: env.SANDBOX_BWRAP_PATH,
      socatPath: env.SANDBOX_SOCAT_PATH,
      // Root is exempt from RLIMIT_NPROC and could undo the sandbox's limits, so it never runs agents.
      uid: env.SANDBOX_UID ?? (process.getuid?.() === 0 ? 65534 : (process.getuid?.() ?? 65534)),
      gid: env.SANDBOX_GID ?? (process.getgid?.() === 0 ? 65534 : (process.getgid?.() ?? 65534)),
      limits: {
        processes: env.SANDBOX_MAX_PROCESSES,
        memoryBytes: env.SANDBOX_MEMORY_MB * 1024 * 1024,
        cpuSeconds: env.SANDBOX_CPU_SECONDS,
        fileBytes: env.SANDBOX_FILE_SIZE_MB * 1024 * 1024,
        openFiles: 4096,
      },
      readOnlyPaths: env.SANDBOX_READONLY_PATHS.map((p) => path.resolve(p)),
    },
    log: {
      level: env.LOG_LEVEL,
      pretty: env.LOG_PRETTY ?? env.NODE_ENV === 'development',
      messages: env.LOG_MESSAGES,
      /** Values scrubbed from every log line, wherever they appear. */
      secrets: [env.ANTHROPIC_API_KEY, env.ADMIN_API_KEY].filter((s): s is string => s !== undefined),
    },
    model: {
      /** Undefined means: no key, so the offline demo model is started and used. */
      apiKey: env.ANTHROPIC_API_KEY,
      baseUrl: env.ANTHROPIC_BASE_URL,
      name: env.CLAUDE_MODEL,
      /** Every model offered: the default first, then CLAUDE_MODELS. */
      offered: [...new Set([env.CLAUDE_MODEL, ...env.CLAUDE_MODELS])],
      maxTurns: env.CLAUDE_MAX_TURNS,
      maxBudgetUsd: env.CLAUDE_MAX_BUDGET_USD,
      systemPrompt: env.CLAUDE_SYSTEM_PROMPT,
      maxRetries: env.CLAUDE_MAX_RETRIES,
      builtinTools: env.CLAUDE_BUILTIN_TOOLS,
    },
    demo: { port: env.MOCK_MODEL_PORT, tokenDelayMs: env.MOCK_MODEL_TOKEN_DELAY_MS },
    turnTimeoutMs: env.TURN_TIMEOUT,
    pool: {
      maxWarm: env.MAX_WARM_SESSIONS,
      accountMaxWarm: Math.min(env.MAX_WARM_SESSIONS, env.ACCOUNT_MAX_WARM ?? Math.ceil(env.MAX_WARM_SESSIONS / 2)),
      memoryBudgetBytes: env.POOL_MEMORY_MB * 1024 * 1024,
      idleTimeoutMs: env.SESSION_IDLE_TIMEOUT,
    },
    turns: { maxQueued: env.MAX_QUEUED_TURNS },
    /** Keyless use is only for a loopback listener (one person's machine). */
    auth: {
      adminKey: env.ADMIN_API_KEY,
      loopback: isLoopback(env.HOST),
      failures: { limit: env.AUTH_FAILURE_LIMIT, windowMs: env.AUTH_FAILURE_WINDOW },
    },
    /** What an account may do unless its own limits say otherwise (0 = unlimited). */
    accountDefaults: {
      maxConcurrentTurns: env.ACCOUNT_MAX_CONCURRENT_TURNS,
      maxSessions: env.ACCOUNT_MAX_SESSIONS,
      dailyBudgetUsd: env.ACCOUNT_DAILY_BUDGET_USD,
      monthlyBudgetUsd: env.ACCOUNT_MONTHLY_BUDGET_USD,
      dailyTokens: env.ACCOUNT_DAILY_TOKENS,
      monthlyTokens: env.ACCOUNT_MONTHLY_TOKENS,
      maxTurns: env.CLAUDE_MAX_TURNS,
      maxTurnBudgetUsd: env.CLAUDE_MAX_BUDGET_USD,
      retentionDays: env.RETENTION_DAYS,
      maxStorageBytes: env.ACCOUNT_MAX_STORAGE_BYTES,
    },
    retention: { days: env.RETENTION_DAYS, intervalMs: env.PURGE_INTERVAL },
    shutdownGraceMs: env.SHUTDOWN_GRACE,
    leaseTtlMs: env.LEASE_TTL,
    approval: { requiredTools: env.APPROVAL_REQUIRED_TOOLS, timeoutMs: env.APPROVAL_TIMEOUT },
    events: { retentionMs: env.EVENT_RETENTION, heartbeatMs: env.SSE_HEARTBEAT },
    metrics: { public: env.METRICS_PUBLIC, accountLabels: env.METRICS_ACCOUNT_LABELS },
    maxMessageBytes: env.MAX_MESSAGE_BYTES,
    files: { maxFileBytes: env.MAX_FILE_BYTES, maxFilesPerSession: env.MAX_FILES_PER_SESSION, tmpDir: path.join(dataDir, 'uploads-tmp') },
    uiDir: env.UI_DIR ? path.resolve(env.UI_DIR) : path.join(packageRoot(), 'dist', 'ui'),
    tools: {
      mcpConfigPath: env.MCP_CONFIG ? path.resolve(env.MCP_CONFIG) : undefined,
      weather: env.WEATHER_TOOL
        ? {
            geocodingUrl: env.WEATHER_GEOCODING_URL,
            forecastUrl: env.WEATHER_FORECAST_URL,
            timeoutMs: env.WEATHER_TIMEOUT_MS,
          }
        : (false as const),
    },
    childEnv: { PATH: env.PATH, HOME: env.HOME },
  };
}

/** The directory holding package.json, from src/config (tsx) or dist/src/config (built). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Raised for a bad environment; the message names every offending variable. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment (default `process.env`) into a `Config`, or throws a `ConfigError`. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = i.path.join('.');
        return `${name}=${JSON.stringify(env[name] ?? '')}: ${i.message}`;
      }),
    );
  }
  return toConfig(parsed.data);
}
