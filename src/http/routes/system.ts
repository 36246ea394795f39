import { createRoute, z } from '@hono/zod-openapi';
import type { ApiApp } from '../app.js';
import type { PoolStats } from '../../runtime/pool.js';
import type { SandboxStatus } from '../../sandbox/sandbox.js';
import { TURN_ERROR_CODES } from '../../errors.js';
import { errorCodeTable } from '../errors.js';
import { completeDocument } from '../openapi.js';
import { ErrorSchema, ref, RuntimeStatsSchema } from '../schemas.js';

export interface SystemInfo {
  version: string;
  /** 'demo' = no API key: the built-in offline mock model answers. */
  mode: 'live' | 'demo';
  model: string;
  backend: string;
  startedAt: number;
  /** The sandbox agent processes run in. */
  sandbox: SandboxStatus;
  ping(): Promise<void>;
  /** This code's migrations the database has not recorded (see Store.pendingMigrations). */
  pendingMigrations(): Promise<string[]>;
  /** True once SIGTERM has been received: no new turns are taken. */
  draining(): boolean;
  runtime(): Promise<PoolStats & { queued: number }>;
}

const DEMO_WARNING =
  'No ANTHROPIC_API_KEY is set: answers come from the built-in offline demo model, not from Claude.';

/** /ready gives the database this long per check before it reports it unreachable. */
export const READY_CHECK_TIMEOUT_MS = 3_000;

const SandboxSchema = z
  .object({
    kind: z.enum(['bubblewrap', 'none', 'off']).openapi({
      description: '`bubblewrap`: every agent process is sandboxed; `none`: no sandbox available, built-in tools and stdio MCP servers are refused; `off`: SANDBOX=off, agents run unsandboxed.',
    }),
    mode: z.enum(['auto', 'required', 'off']).openapi({ description: 'The SANDBOX setting.' }),
    warning: z.string().optional().openapi({ description: 'Why agents are not sandboxed, and how to fix it.' }),
  })
  .openapi('SandboxStatus', { description: 'The sandbox in force on this instance.' });

const HealthSchema = z
  .object({
    status: z.literal('healthy').openapi({ description: 'Always `healthy`: the process answers.' }),
    version: z.string().openapi({ description: 'The server’s version.' }),
    mode: z.enum(['live', 'demo']).openapi({ description: '`demo`: no ANTHROPIC_API_KEY, the offline demo model answers.' }),
    demo: z.boolean().openapi({ description: 'True when the offline demo model answers instead of Claude.' }),
    warning: z.string().optional().openapi({ description: 'Set in demo mode: why answers are not from Claude.' }),
    model: z.string().openapi({ description: 'The default model of new sessions.' }),
    store: z.string().openapi({ description: 'The store backend: `sqlite` or `postgres`.' }),
    sandbox: ref(SandboxSchema, 'The sandbox in force.'),
  })
  // Public: nothing about the tenants' activity (warm/busy processes, memory, crashes); that is /v1/runtime, for the admin.
  .openapi('Health', { description: 'Liveness and what this instance is (its mode and version).' });

const CheckSchema = z.string().openapi({ description: '`ok`, or what is wrong.' });

const ReadyChecksSchema = z
  .object({
    database: CheckSchema.optional().openapi({ description: '`ok`, or why the database did not answer.' }),
    migrations: CheckSchema.optional().openapi({ description: '`ok`, or the migrations not applied yet.' }),
    runtime: CheckSchema.openapi({ description: '`ok`, or `draining` once the instance is shutting down.' }),
  })
  .openapi('ReadyChecks', { description: 'The individual readiness checks; a check not run is absent.' });

const NotReadySchema = ErrorSchema.extend({ checks: ref(ReadyChecksSchema, 'Which checks failed, and why.').optional() }).openapi(
  'NotReady',
  { description: 'Why the instance is not ready: `not_ready` (database, migrations) or `shutting_down`.' },
);

const health = createRoute({
  method: 'get',
  path: '/health',
  operationId: 'system.health',
  summary: 'Liveness: the process is up',
  description: 'Always 200 while the process answers; does not touch the database (see /ready).',
  security: [],
  responses: { 200: { content: { 'application/json': { schema: HealthSchema } }, description: 'Up' } },
});

const runtime = createRoute({
  method: 'get',
  path: '/v1/runtime',
  operationId: 'runtime.get',
  summary: 'The agent runtime: warm and busy sessions, queued turns, memory, spawns and evictions (admin)',
  description: 'Every account’s activity on this instance, so it needs the admin key (or keyless local mode).',
  responses: { 200: { content: { 'application/json': { schema: RuntimeStatsSchema } }, description: 'Runtime state' } },
});

const ready = createRoute({
  method: 'get',
  path: '/ready',
  operationId: 'system.ready',
  summary: 'Readiness: the database answers, its schema is migrated, and turns are accepted',
  description:
    'For a load balancer: 503 while the database is unreachable (each check gives it ' +
    `${READY_CHECK_TIMEOUT_MS / 1000} s), while migrations are pending, or once the instance is draining.`,
  security: [],
  responses: {
    200: {
      content: {
        'application/json': {
          schema: z
            .object({
              status: z.literal('ready').openapi({ description: 'Always `ready`.' }),
              sandbox: ref(SandboxSchema, 'The sandbox in force; without one the instance serves, but refuses built-in tools (see `warning`).'),
            })
            .openapi('Ready', { description: 'The instance takes traffic.' }),
        },
      },
      description: 'Ready',
    },
    503: { content: { 'application/json': { schema: NotReadySchema } }, description: 'Not ready (`not_ready` or `shutting_down`)' },
  },
});

function runtimeView(s: PoolStats & { queued: number }) {
  return {
    warm: s.warm,
    busy: s.busy,
    queued: s.queued,
    rss_bytes: s.rssBytes,
    max_warm: s.maxWarm,
    memory_budget_bytes: s.memoryBudgetBytes,
    spawns: s.spawns,
    evictions: s.evictions,
    crashes: s.crashes,
    account_max_warm: s.accountMaxWarm,
    accounts: s.accounts,
  };
}

/** Rejects when `p` takes longer than `ms` (the operation itself is left to finish or fail). */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

type ReadyChecks = z.infer<typeof ReadyChecksSchema>;

/** The checks /ready runs, in order; stops at the first that fails. */
async function readiness(info: SystemInfo): Promise<{ ok: true } | { ok: false; code: string; message: string; checks: ReadyChecks }> {
  if (info.draining()) {
    return { ok: false, code: 'shutting_down', message: 'The server is shutting down and takes no new turns.', checks: { runtime: 'draining' } };
  }
  try {
    await within(info.ping(), READY_CHECK_TIMEOUT_MS);
  } catch (err) {
    const reason = (err as Error).message || String(err);
    return { ok: false, code: 'not_ready', message: `Database unreachable: ${reason}`, checks: { database: `unreachable: ${reason}`, runtime: 'ok' } };
  }
  let pending: string[];
  try {
    pending = await within(info.pendingMigrations(), READY_CHECK_TIMEOUT_MS);
  } catch (err) {
    const reason = (err as Error).message || String(err);
    return {
      ok: false,
      code: 'not_ready',
      message: `Database migration state unreadable: ${reason}`,
      checks: { database: 'ok', migrations: `unreadable: ${reason}`, runtime: 'ok' },
    };
  }
  if (pending.length > 0) {
    return {
      ok: false,
      code: 'not_ready',
      message: `Database schema not migrated: ${pending.join(', ')} pending; run \`claude-agent-api migrate\`.`,
      checks: { database: 'ok', migrations: `pending: ${pending.join(', ')}`, runtime: 'ok' },
    };
  }
  return { ok: true };
}

const table = (head: string, rows: Array<[string, string]>) =>
  [`| ${head} | Meaning |`, '| --- | --- |', ...rows.map(([code, meaning]) => `| \`${code}\` | ${meaning} |`)].join('\n');

/** The document's front page: what the API is, how to authenticate, and every error code. */
export function apiDescription(): string {
  return [
    'Claude Agent SDK sessions over HTTP: durable, resumable, with tool calls, cost and duration.',
    '',
    '## Authentication',
    'Send `Authorization: Bearer <key>`: an account’s API key for sessions and `/v1/account`, the admin key ' +
      '(ADMIN_API_KEY) for `/v1/admin/*` and `/v1/runtime`. A server listening on loopback with no keys at all ' +
      'needs none. `/health`, `/ready`, `/openapi.json` and `/docs` are public.',
    '',
    '## Errors',
    'Every error answers `{"error": {"code", "message", "details?"}}`. The `code` is stable; switch on it, not on the message.',
    '',
    errorCodeTable(),
    '',
    '## Turn error codes',
    'A turn that fails still answers 200 (or ends its stream with `turn.failed`): its `status` is `failed` and ' +
      '`error.code` is one of these.',
    '',
    table('Code', Object.entries(TURN_ERROR_CODES)),
  ].join('\n');
}

export function registerSystemRoutes(app: ApiApp, info: SystemInfo): void {
  app.openapi(health, async (c) =>
    c.json(
      {
        status: 'healthy' as const,
        version: info.version,
        mode: info.mode,
        demo: info.mode === 'demo',
        ...(info.mode === 'demo' ? { warning: DEMO_WARNING } : {}),
        model: info.model,
        store: info.backend,
        sandbox: info.sandbox,
      },
      200,
    ),
  );

  // Admin only (see app.ts): it lists the warm sessions of every account.
  app.openapi(runtime, async (c) => {
    const s = await info.runtime();
    return c.json({ ...runtimeView(s), sessions: s.sessions }, 200);
  });

  app.openapi(ready, async (c) => {
    const r = await readiness(info);
    if (r.ok) return c.json({ status: 'ready' as const, sandbox: info.sandbox }, 200);
    return c.json({ error: { code: r.code, message: r.message }, checks: r.checks }, 503);
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An account’s API key (`caa_…`), or the admin key for admin routes.',
  });
  // Built on first request, when every route is registered; the same document for everyone.
  let document: object | null = null;
  app.get('/openapi.json', (c) => {
    document ??= completeDocument(
      app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: { title: 'claude-agent-api', version: info.version, description: apiDescription() },
        security: [{ bearer: [] }],
      }),
      { serverUrl: '/', description: 'The server that served this document' },
    );
    return c.json(document);
  });
}

export { DEMO_WARNING };
