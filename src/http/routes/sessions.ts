import { createRoute } from '@hono/zod-openapi';
import type { SessionService } from '../../sessions/service.js';
import type { ApiApp } from '../app.js';
import {
  CreateSessionBody,
  ErrorSchema,
  ForkSessionBody,
  HistorySchema,
  ListSessionsQuery,
  PatchSessionBody,
  SessionIdParam,
  SessionPageSchema,
  SessionSchema,
} from '../schemas.js';
import { historyView, sessionView } from '../views.js';
import { account, authErrors, body, errors, json } from './helpers.js';

const create = createRoute({
  method: 'post',
  path: '/v1/sessions',
  operationId: 'sessions.create',
  summary: 'Create a session',
  request: body(CreateSessionBody, false),
  responses: {
    201: json(SessionSchema, 'The new session'),
    400: errors[400],
    ...authErrors,
    429: json(ErrorSchema, 'The account stores as many sessions as it may (`too_many_sessions`)'),
  },
});

const list = createRoute({
  method: 'get',
  path: '/v1/sessions',
  operationId: 'sessions.list',
  summary: 'List sessions, most recently active first; search by title and tag',
  description: 'Archived sessions are left out unless `archived=true`, which lists only them.',
  request: { query: ListSessionsQuery },
  responses: { 200: json(SessionPageSchema, 'One page of sessions'), 400: errors[400], ...authErrors },
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
  responses: { 200: json(SessionSchema, 'The updated session'), ...errors, 409: json(ErrorSchema, 'Archived (`session_archived`)') },
});

const archive = (archived: boolean) =>
  createRoute({
    method: 'post',
    path: archived ? '/v1/sessions/{id}/archive' : '/v1/sessions/{id}/unarchive',
    operationId: archived ? 'sessions.archive' : 'sessions.unarchive',
    summary: archived
      ? 'Archive a session: read-only and hidden from the default list'
      : 'Unarchive a session: it takes messages and is listed again',
    request: { params: SessionIdParam },
    responses: { 200: json(SessionSchema, 'The session'), ...errors, 409: json(ErrorSchema, 'A turn is running or waiting (`session_busy`)') },
  });

const fork = createRoute({
  method: 'post',
  path: '/v1/sessions/{id}/fork',
  operationId: 'sessions.fork',
  summary: 'Fork a session: a new session that continues from its conversation (through a given turn)',
  description:
    'The fork has the source’s turns through `turn_id` (default: the latest finished one) in its history and ' +
    'transcript, the same model, prompt, tools and tags, and `forked_from` set. The source is unchanged.',
  request: { params: SessionIdParam, ...body(ForkSessionBody, false) },
  responses: {
    201: json(SessionSchema, 'The fork'),
    ...errors,
    429: json(ErrorSchema, 'The account stores as many sessions as it may (`too_many_sessions`)'),
  },
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
    const { system_prompt, approval_tools, builtin_tools, ...input } = c.req.valid('json') ?? {};
    const { accountId, limits } = account(c);
    const s = await sessions.create(
      accountId,
      { ...input, systemPrompt: system_prompt, approvalTools: approval_tools, builtinTools: builtin_tools },
      limits.maxSessions,
    );
    c.set('sessionId', s.id);
    return c.json(sessionView(s), 201);
  });

  app.openapi(list, async (c) => {
    const { limit, cursor, q, tag, archived } = c.req.valid('query');
    const page = await sessions.list({ accountId: account(c).accountId, limit, cursor, search: q, tag, archived });
    return c.json({ sessions: page.sessions.map(sessionView), next_cursor: page.nextCursor }, 200);
  });

  app.openapi(get, async (c) => c.json(sessionView(await sessions.get(account(c).accountId, c.req.valid('param').id)), 200));

  app.openapi(patch, async (c) => {
    const { system_prompt, approval_tools, builtin_tools, ...patch } = c.req.valid('json');
    const s = await sessions.update(account(c).accountId, c.req.valid('param').id, {
      ...patch,
      ...(system_prompt !== undefined ? { systemPrompt: system_prompt } : {}),
      ...(approval_tools !== undefined ? { approvalTools: approval_tools } : {}),
      ...(builtin_tools !== undefined ? { builtinTools: builtin_tools } : {}),
    });
    return c.json(sessionView(s), 200);
  });

  app.openapi(remove, async (c) => {
    await sessions.delete(account(c).accountId, c.req.valid('param').id);
    return c.body(null, 204);
  });

  app.openapi(history, async (c) => {
    const { session, turns } = await sessions.history(account(c).accountId, c.req.valid('param').id);
    return c.json({ session_id: session.id, messages: historyView(turns) }, 200);
  });

  for (const archived of [true, false]) {
    app.openapi(archive(archived), async (c) =>
      c.json(sessionView(await sessions.setArchived(account(c).accountId, c.req.valid('param').id, archived)), 200),
    );
  }

  app.openapi(fork, async (c) => {
    const { accountId, limits } = account(c);
    const input = c.req.valid('json') ?? {};
    const opts = { ...(input.turn_id ? { throughTurnId: input.turn_id } : {}), title: input.title ?? null };
    return c.json(sessionView(await sessions.fork(accountId, c.req.valid('param').id, opts, limits.maxSessions)), 201);
  });
}
