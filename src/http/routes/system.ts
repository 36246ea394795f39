import { createRoute, z } from '@hono/zod-openapi';
import type { ApiApp } from '../app.js';
import { ErrorSchema } from '../schemas.js';

export interface SystemInfo {
  version: string;
  /** 'demo' = no API key: the built-in offline mock model answers. */
  mode: 'live' | 'demo';
  model: string;
  backend: string;
  startedAt: number;
  ping(): Promise<void>;
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
  })
  .openapi('Health');

const health = createRoute({
  method: 'get',
  path: '/health',
  operationId: 'system.health',
  summary: 'Liveness: the process is up',
  responses: { 200: { content: { 'application/json': { schema: HealthSchema } }, description: 'Up' } },
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

export function registerSystemRoutes(app: ApiApp, info: SystemInfo): void {
  app.openapi(health, (c) =>
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
      },
      200,
    ),
  );

  app.openapi(ready, async (c) => {
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
