import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Logger } from 'pino';
import { DomainError, EventsExpiredError } from '../../errors.js';
import { lastEventId } from '../event-id.js';
import type { SessionService } from '../../sessions/service.js';
import { followTurn, TERMINAL_EVENTS, type FollowDeps } from '../../sessions/turn-stream.js';
import type { TurnService } from '../../sessions/turns.js';
import type { ApiApp, ApiEnv } from '../app.js';
import {
  ErrorSchema,
  EventsQuery,
  InterruptResultSchema,
  PermissionDecisionBody,
  PermissionParams,
  SendMessageBody,
  SessionIdParam,
  StreamEventSchema,
  TurnAcceptedSchema,
  TurnParams,
  TurnSchema,
} from '../schemas.js';
import { turnView } from '../views.js';
import { account, body, errors, errorsFor, json } from './helpers.js';

export interface StreamDeps extends FollowDeps {
  heartbeatMs: number;
  /** Events of a turn that ended longer ago than this are gone (410). */
  retentionMs: number;
  log: Logger;
  /** Told when an event stream opens and closes (the caa_stream_clients gauge). */
  clients?: { opened(): void; closed(): void };
}

const sse = { 'text/event-stream': { schema: StreamEventSchema } };

const send = createRoute({
  method: 'post',
  path: '/v1/sessions/{id}/messages',
  operationId: 'messages.send',
  summary: 'Send a message: wait for the answer, stream it, or run it in the background',
  description:
    'Runs one turn of the agent. By default answers when it ends (a model failure still answers 200 with ' +
    '`status: "failed"` and an `error`). With `stream: true` or `Accept: text/event-stream` it answers with ' +
    'Server-Sent Events as the turn runs, ending with `turn.finished` or `turn.failed`. With `background: true` ' +
    'it answers 202 at once.',
  request: { params: SessionIdParam, ...body(SendMessageBody) },
  responses: {
    200: { content: { ...json(TurnSchema, '').content, ...sse }, description: 'The finished turn, or its event stream' },
    202: json(TurnAcceptedSchema, 'Started in the background'),
    ...errors,
    409: json(ErrorSchema, 'A turn is already running (`session_busy`, with `if_busy: "reject"`), or the session is archived (`session_archived`)'),
    413: json(ErrorSchema, 'The message is too large (`message_too_large`)'),
    415: json(ErrorSchema, 'The body is not JSON (`unsupported_media_type`)'),
    429: json(
      ErrorSchema,
      'Too many queued (`queue_full`) or running (`too_many_turns`) turns, or a spent budget (`budget_exceeded`, with `resets_at`); see Retry-After',
    ),
    503: json(ErrorSchema, 'The server is shutting down (`shutting_down`)'),
  },
});

const events = createRoute({
  method: 'get',
  path: '/v1/sessions/{id}/turns/{turn_id}/events',
  operationId: 'turns.events',
  summary: 'Attach to a turn’s event stream (again)',
  description:
    'Replays the events after `Last-Event-ID` (header, or `last_event_id`), then follows the turn live until ' +
    'it ends. After the turn ended, replays it for EVENT_RETENTION. A reconnect after the terminal event answers ' +
    '204 (no content), which tells an EventSource to stop reconnecting.',
  request: { params: TurnParams, query: EventsQuery },
  responses: {
    200: { content: sse, description: 'The event stream' },
    204: { description: 'The client has seen the terminal event already: nothing more will come' },
    ...errors,
    410: json(ErrorSchema, 'The turn’s events are past retention (`events_expired`)'),
  },
});

const getTurn = createRoute({
  method: 'get',
  path: '/v1/sessions/{id}/turns/{turn_id}',
  operationId: 'turns.get',
  summary: 'A turn: its status and, once ended, its result',
  request: { params: TurnParams },
  responses: { 200: json(TurnSchema, 'The turn'), ...errors },
});

const interrupt = createRoute({
  method: 'post',
  path: '/v1/sessions/{id}/interrupt',
  operationId: 'sessions.interrupt',
  summary: 'Interrupt the running turn',
  description: 'The turn ends `interrupted` with what it had produced; the session stays warm for the next message.',
  request: { params: SessionIdParam },
  // In a cluster the running instance is asked over the control channel, which may not answer.
  responses: { 200: json(InterruptResultSchema, 'Whether a turn was interrupted'), ...errors, ...errorsFor('instance_unreachable') },
});

const permission = createRoute({
  method: 'post',
  path: '/v1/sessions/{id}/permissions/{request_id}',
  operationId: 'permissions.decide',
  summary: 'Allow or deny a tool call that is waiting for approval',
  request: { params: PermissionParams, ...body(PermissionDecisionBody) },
  responses: {
    200: json(PermissionDecisionBody.pick({ decision: true }), 'Decided; the turn goes on'),
    ...errors,
    404: json(ErrorSchema, 'No such session, or no such request waiting (`permission_not_found`)'),
    ...errorsFor('instance_unreachable'),
  },
});

export function registerMessageRoutes(app: ApiApp, sessions: SessionService, turns: TurnService, deps: StreamDeps): void {
  app.openapi(send, async (c) => {
    const { accountId, limits } = account(c);
    const sessionId = c.req.valid('param').id;
    const input = c.req.valid('json');
    const started = await turns.start({
      accountId,
      limits,
      sessionId,
      message: input.message,
      ifBusy: input.if_busy,
      ...(input.max_turns !== undefined ? { maxTurns: input.max_turns } : {}),
      ...(input.max_budget_usd !== undefined ? { maxBudgetUsd: input.max_budget_usd } : {}),
    });
    c.set('turnId', started.turnId);
    if (input.background) {
      started.done.catch((err: unknown) =>
        deps.log.error({ err, session_id: sessionId, turn_id: started.turnId, account_id: accountId }, 'background turn failed'),
      );
      const base = `/v1/sessions/${sessionId}/turns/${started.turnId}`;
      const status = started.immediate ? 'running' : 'queued';
      return c.json({ turn_id: started.turnId, session_id: sessionId, status, links: { turn: base, events: `${base}/events` } } as const, 202);
    }
    if (input.stream || (c.req.header('accept') ?? '').includes('text/event-stream')) {
      const cancel = input.on_disconnect === 'cancel' ? () => void turns.interrupt(accountId, sessionId, started.turnId) : undefined;
      started.done.catch(() => {}); // its failure reaches the client as turn.failed
      return streamTurn(c, { accountId, sessionId, turnId: started.turnId }, 0, deps, cancel);
    }
    const { turn } = await started.done;
    return c.json(turnView(turn), 200);
  });

  app.openapi(events, async (c) => {
    const { id, turn_id } = c.req.valid('param');
    const { accountId } = account(c);
    const turn = await sessions.getTurn(accountId, id, turn_id);
    if (turn.finishedAt !== null && deps.now() - turn.finishedAt > deps.retentionMs) throw new EventsExpiredError(turn_id);
    const after = lastEventId(c.req.header('last-event-id'), c.req.valid('query').last_event_id);
    const last = await deps.events.lastSeq(turn_id);
    if (after > last) throw new DomainError('invalid_event_id', `This stream has sent no event ${after} (its last is ${last}).`);
    if (after > 0 && after === last && turn.finishedAt !== null) {
      const [end] = await deps.events.read(turn_id, last - 1, 1);
      // The client saw the end already: nothing more will come, and 204 tells EventSource to stop reconnecting.
      if (end && TERMINAL_EVENTS.has(end.type)) return c.body(null, 204);
    }
    return streamTurn(c, { accountId, sessionId: id, turnId: turn_id }, after, deps);
  });

  app.openapi(getTurn, async (c) => {
    const { id, turn_id } = c.req.valid('param');
    return c.json(turnView(await sessions.getTurn(account(c).accountId, id, turn_id)), 200);
  });

  app.openapi(interrupt, async (c) => {
    const r = await turns.interrupt(account(c).accountId, c.req.valid('param').id);
    return c.json({ interrupted: r.interrupted, turn_id: r.turnId }, 200);
  });

  app.openapi(permission, async (c) => {
    const { id, request_id } = c.req.valid('param');
    const d = c.req.valid('json');
    await turns.resolvePermission(account(c).accountId, id, request_id, {
      decision: d.decision,
      ...(d.message !== undefined ? { message: d.message } : {}),
      ...(d.updated_input !== undefined ? { updatedInput: d.updated_input } : {}),
    });
    return c.json({ decision: d.decision }, 200);
  });
}

/**
 * Writes a turn's events as SSE from the event log: replay after `afterSeq`, then live, until the
 * terminal event. The log is the only buffer, so a client that stops reading just stalls its own
 * stream. `onDisconnect` runs if the client leaves before the end.
 */
function streamTurn(
  c: Context<ApiEnv>,
  target: { accountId: string; sessionId: string; turnId: string },
  afterSeq: number,
  deps: StreamDeps,
  onDisconnect?: () => void,
) {
  c.header('X-Accel-Buffering', 'no');
  return streamSSE(c, async (stream) => {
    const aborted = new AbortController();
    let ended = false;
    stream.onAbort(() => {
      aborted.abort();
      if (!ended) onDisconnect?.();
    });
    deps.clients?.opened();
    try {
      for await (const item of followTurn(target, afterSeq, deps, { heartbeatMs: deps.heartbeatMs, signal: aborted.signal })) {
        if (item.kind === 'heartbeat') {
          await stream.write(': keep-alive\n\n');
          continue;
        }
        const { seq, type, data } = item.event;
        await stream.writeSSE({ id: String(seq), event: type, data: JSON.stringify({ id: seq, type, ...data }) });
      }
      ended = true;
    } finally {
      deps.clients?.closed();
    }
  });
}

