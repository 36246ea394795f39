import { createRoute, z } from '@hono/zod-openapi';
import type { SessionService } from '../../sessions/service.js';
import type { TurnService } from '../../sessions/turns.js';
import type { ApiApp } from '../app.js';
import {
  CreateSessionBody,
  ErrorSchema,
  HistorySchema,
  InterruptResultSchema,
  ListSessionsQuery,
  PatchSessionBody,
  SendMessageBody,
  SessionIdParam,
  SessionPageSchema,
  SessionSchema,
  TurnParams,
  TurnSchema,
} from '../schemas.js';
import { historyView, sessionView, turnView } from '../views.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
const body = <T extends z.ZodType>(schema: T, required = true) => ({
  body: { content: { 'application/json': { schema } }, required },
});
const errors = {
  400: json(ErrorSchema, 'Invalid input'),
  404: json(ErrorSchema, 'No such session'),
};

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

const send = createRoute({
  method: 'post',
  path: '/v1/sessions/{id}/messages',
  operationId: 'messages.send',
  summary: 'Send a message and wait for the agent’s answer',
  description:
    'Runs one turn of the agent and answers when it ends. A model failure still answers 200 with ' +
    '`status: "failed"` and an `error` code; the session stays usable.',
  request: { params: SessionIdParam, ...body(SendMessageBody) },
  responses: {
    200: json(TurnSchema, 'The finished turn'),
    ...errors,
    409: json(ErrorSchema, 'A turn is already running (`session_busy`, with `if_busy: "reject"`)'),
    413: json(ErrorSchema, 'The message is too large (`message_too_large`)'),
    415: json(ErrorSchema, 'The body is not JSON (`unsupported_media_type`)'),
    429: json(ErrorSchema, 'Too many queued (`queue_full`) or running (`too_many_turns`) turns; see Retry-After'),
    503: json(ErrorSchema, 'The server is shutting down (`shutting_down`)'),
  },
});

const interrupt = createRoute({
  method: 'post',
  path: '/v1/sessions/{id}/interrupt',
  operationId: 'sessions.interrupt',
  summary: 'Interrupt the running turn',
  description: 'The turn ends `interrupted` with what it had produced; the session stays warm for the next message.',
  request: { params: SessionIdParam },
  responses: { 200: json(InterruptResultSchema, 'Whether a turn was interrupted'), ...errors },
});

const getTurn = createRoute({
  method: 'get',
  path: '/v1/sessions/{id}/turns/{turn_id}',
  operationId: 'turns.get',
  summary: 'A turn: its status and, once ended, its result',
  request: { params: TurnParams },
  responses: { 200: json(TurnSchema, 'The turn'), ...errors },
});

export function registerSessionRoutes(app: ApiApp, sessions: SessionService, turns: TurnService): void {
  app.openapi(create, async (c) => {
    const { system_prompt, ...input } = c.req.valid('json') ?? {};
    const s = await sessions.create(c.get('accountId'), { ...input, systemPrompt: system_prompt });
    return c.json(sessionView(s), 201);
  });

  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const page = await sessions.list(c.get('accountId'), q);
    return c.json({ sessions: page.sessions.map(sessionView), next_cursor: page.nextCursor }, 200);
  });

  app.openapi(get, async (c) => c.json(sessionView(await sessions.get(c.get('accountId'), c.req.valid('param').id)), 200));

  app.openapi(patch, async (c) => {
    const { system_prompt, ...patch } = c.req.valid('json');
    const s = await sessions.update(c.get('accountId'), c.req.valid('param').id, {
      ...patch,
      ...(system_prompt !== undefined ? { systemPrompt: system_prompt } : {}),
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

  app.openapi(send, async (c) => {
    const body = c.req.valid('json');
    const { turn } = await turns.send({
      accountId: c.get('accountId'),
      sessionId: c.req.valid('param').id,
      message: body.message,
      ifBusy: body.if_busy,
    });
    return c.json(turnView(turn), 200);
  });

  app.openapi(interrupt, async (c) => {
    const r = await turns.interrupt(c.get('accountId'), c.req.valid('param').id);
    return c.json({ interrupted: r.interrupted, turn_id: r.turnId }, 200);
  });

  app.openapi(getTurn, async (c) => {
    const { id, turn_id } = c.req.valid('param');
    return c.json(turnView(await sessions.getTurn(c.get('accountId'), id, turn_id)), 200);
  });
}
