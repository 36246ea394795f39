import { createRoute } from '@hono/zod-openapi';
import type { SessionService } from '../../sessions/service.js';
import type { ApiApp } from '../app.js';
import {
  CreateSessionBody,
  ErrorSchema,
  HistorySchema,
  ListSessionsQuery,
  PatchSessionBody,
  SessionIdParam,
  SessionPageSchema,
  SessionSchema,
} from '../schemas.js';
import { historyView, sessionView } from '../views.js';
import { body, errors, json } from './helpers.js';

const create = createRoute({
  method: 'post',
  path: '/v1/sessions',
  operationId: 'sessions.create',
  summary: 'Create a session',
  request: body(CreateSessionBody, false),
  responses: { 201: json(SessionSchema, 'The new session'), 400: errors[400] },
});

const list = createRoute({
  method: 'get',
  path: '/v1/sessions',
  operationId: 'sessions.list',
  summary: 'List sessions, most recently active first',
  request: { query: ListSessionsQuery },
  responses: { 200: json(SessionPageSchema, 'One page of sessions'), 400: errors[400] },
});

const get = createRoute({
  method: 'get',
  path: '/v1/sessions/{id}',
  operationId: 'sessions.get',
  summary: 'Get a session with its usage totals',
  request: { params: SessionIdParam },
  responses: { 200: json(SessionSchema, 'The session'), ...errors },
});

const patch = createRoute({
  method: 'patch',
  path: '/v1/sessions/{id}',
  operationId: 'sessions.update',
  summary: 'Rename a session or set its tags',
  request: { params: SessionIdParam, ...body(PatchSessionBody) },
  responses: { 200: json(SessionSchema, 'The updated session'), ...errors },
});

const remove = createRoute({
  method: 'delete',
  path: '/v1/sessions/{id}',
  operationId: 'sessions.delete',
  summary: 'Delete a session: catalog rows, stored transcript and local transcript files',
  request: { params: SessionIdParam },
  responses: { 204: { description: 'Deleted' }, ...errors, 409: json(ErrorSchema, 'A turn is running') },
});

const history = createRoute({
  method: 'get',
  path: '/v1/sessions/{id}/messages',
  operationId: 'messages.list',
  summary: 'The conversation history of a session',
  request: { params: SessionIdParam },
  responses: { 200: json(HistorySchema, 'User and assistant messages in order'), ...errors },
});

export function registerSessionRoutes(app: ApiApp, sessions: SessionService): void {
  app.openapi(create, async (c) => {
    const { system_prompt, approval_tools, ...input } = c.req.valid('json') ?? {};
    const s = await sessions.create(c.get('accountId'), { ...input, systemPrompt: system_prompt, approvalTools: approval_tools });
    return c.json(sessionView(s), 201);
  });

  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const page = await sessions.list(c.get('accountId'), q);
    return c.json({ sessions: page.sessions.map(sessionView), next_cursor: page.nextCursor }, 200);
  });

  app.openapi(get, async (c) => c.json(sessionView(await sessions.get(c.get('accountId'), c.req.valid('param').id)), 200));

  app.openapi(patch, async (c) => {
    const { system_prompt, approval_tools, ...patch } = c.req.valid('json');
    const s = await sessions.update(c.get('accountId'), c.req.valid('param').id, {
      ...patch,
      ...(system_prompt !== undefined ? { systemPrompt: system_prompt } : {}),
      ...(approval_tools !== undefined ? { approvalTools: approval_tools } : {}),
    });
    return c.json(sessionView(s), 200);
  });

  app.openapi(remove, async (c) => {
    await sessions.delete(c.get('accountId'), c.req.valid('param').id);
    return c.body(null, 204);
  });

  app.openapi(history, async (c) => {
    const { session, turns } = await sessions.history(c.get('accountId'), c.req.valid('param').id);
    return c.json({ session_id: session.id, messages: historyView(turns) }, 200);
  });
}
