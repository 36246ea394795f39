import { createRoute, z } from '@hono/zod-openapi';
import type { ApiApp } from '../app.js';
import type { PoolStats } from '../../runtime/pool.js';
import { ErrorSchema, RuntimeStatsSchema } from '../schemas.js';

export interface SystemInfo {
  version: string;
  /** 'demo' = no API key: the built-in offline mock model answers. */
  mode: 'live' | 'demo';
  model: string;
  backend: string;
  startedAt: number;
  ping(): Promise<void>;
  /** True once SIGTERM has been received: no new turns are taken. */
  draining(): boolean;
  runtime(): Promise<PoolStats & { queued: number }>;
}

const DEMO_WARNING =
  'No ANTHROPIC_API_KEY is set: answers come from the built-in offline demo model, not from Claude.';

const HealthSchema = z
  .object({
    status: z.literal('healthy'),
    version: z.string(),
    mode: z.enum(['live', 'demo']),
    demo: z.boolean().openapi({ description: 'True when the offline demo model answers instead of Claude.' }),
    warning: z.string().optional(),
    model: z.string(),
    store: z.string(),
    uptime_s: z.number(),
    runtime: RuntimeStatsSchema.omit({ sessions: true }),
  })
  .openapi('Health');

const health = createRoute({
  method: 'get',
  path: '/health',
  operationId: 'system.health',
  summary: 'Liveness: the process is up',
  responses: { 200: { content: { 'application/json': { schema: HealthSchema } }, description: 'Up' } },
});

const runtime = createRoute({
  method: 'get',
  path: '/v1/runtime',
  operationId: 'runtime.get',
  summary: 'The agent runtime: warm and busy sessions, queued turns, memory, spawns and evictions',
  responses: { 200: { content: { 'application/json': { schema: RuntimeStatsSchema } }, description: 'Runtime state' } },
});

const ready = createRoute({
  method: 'get',
  path: '/ready',
  operationId: 'system.ready',
  summary: 'Readiness: the database answers',
  responses: {
    200: { content: { 'application/json': { schema: z.object({ status: z.literal('ready') }) } }, description: 'Ready' },
    503: { content: { 'application/json': { schema: ErrorSchema } }, description: 'Not ready' },
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
  };
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
        uptime_s: Math.round((Date.now() - info.startedAt) / 1000),
        runtime: runtimeView(await info.runtime()),
      },
      200,
    ),
  );

  // Until API keys exist (accounts issue) this is open like every route; it lists session ids only.
  app.openapi(runtime, async (c) => {
    const s = await info.runtime();
    return c.json({ ...runtimeView(s), sessions: s.sessions }, 200);
  });

  app.openapi(ready, async (c) => {
    if (info.draining()) {
      return c.json({ error: { code: 'shutting_down', message: 'The server is shutting down.' } }, 503);
    }
    try {
      await info.ping();
      return c.json({ status: 'ready' as const }, 200);
    } catch (err) {
      return c.json({ error: { code: 'not_ready', message: `Database unreachable: ${(err as Error).message}` } }, 503);
    }
  });

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'claude-agent-api',
      version: info.version,
      description: 'Claude Agent SDK sessions over HTTP: durable, resumable, with tool calls, cost and duration.',
    },
  });
}

export { DEMO_WARNING };
