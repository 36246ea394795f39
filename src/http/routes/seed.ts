import { createRoute, z } from '@hono/zod-openapi';
import type { SessionService } from '../../sessions/service.js';
import type { TurnService } from '../../sessions/turns.js';
import type { ApiApp } from '../app.js';
import { ChatBody, ChatResponseSchema, ErrorSchema, SeedSessionSchema } from '../schemas.js';
import { chatView, seedSessionView } from '../views.js';
import { account, authErrors, errorsFor } from './helpers.js';

/** The seed prototype's API, kept field for field so its clients keep working. */

const chat = createRoute({
  method: 'post',
  path: '/chat',
  operationId: 'seed.chat',
  summary: 'Send a message (seed API); omit session_id to start a new session',
  request: { body: { content: { 'application/json': { schema: ChatBody } }, required: true } },
  responses: {
    200: { content: { 'application/json': { schema: ChatResponseSchema } }, description: 'The answer' },
    400: { content: { 'application/json': { schema: ErrorSchema } }, description: 'Invalid input' },
    404: { content: { 'application/json': { schema: ErrorSchema } }, description: 'Unknown session_id' },
    409: { content: { 'application/json': { schema: ErrorSchema } }, description: 'Session busy' },
    429: { content: { 'application/json': { schema: ErrorSchema } }, description: 'Too many turns' },
    413: { content: { 'application/json': { schema: ErrorSchema } }, description: 'Message too large' },
    ...errorsFor('shutting_down'),
    ...authErrors,
  },
});

const getSession = createRoute({
  method: 'get',
  path: '/sessions/{session_id}',
  operationId: 'seed.getSession',
  summary: 'The full conversation of a session (seed API)',
  request: {
    params: z.object({ session_id: z.uuid().openapi({ param: { name: 'session_id', in: 'path' }, description: 'Session id (a UUID).' }) }),
  },
  responses: {
    200: { content: { 'application/json': { schema: SeedSessionSchema } }, description: 'The conversation' },
    400: { content: { 'application/json': { schema: ErrorSchema } }, description: 'Malformed id' },
    404: { content: { 'application/json': { schema: ErrorSchema } }, description: 'No such session' },
    ...authErrors,
  },
});

export function registerSeedRoutes(app: ApiApp, sessions: SessionService, turns: TurnService): void {
  app.openapi(chat, async (c) => {
    const { message, session_id, if_busy } = c.req.valid('json');
    const { turn } = await turns.send({
      ...account(c),
      ...(session_id ? { sessionId: session_id } : {}),
      message,
      ifBusy: if_busy,
    });
    c.set('sessionId', turn.sessionId);
    c.set('turnId', turn.id);
    return c.json(chatView(turn), 200);
  });

  app.openapi(getSession, async (c) => {
    const { session, turns } = await sessions.history(account(c).accountId, c.req.valid('param').session_id);
    return c.json(seedSessionView(session, turns), 200);
  });
}
