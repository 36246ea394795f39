import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { pendingApproval, readResponsesRequest, responseObject, ResponseEventWriter } from '../../openai/responses.js';
import { ResponseCreateBody, ResponseIdParam, ResponseSchema } from '../../openai/responses-schema.js';
import { OpenAiErrorSchema } from '../../openai/chat-schema.js';
import { followTurn } from '../../sessions/turn-stream.js';
import type { ResponseRecord } from '../../store/openai-index.js';
import type { TurnRecord } from '../../store/types.js';
import type { Context } from 'hono';
import type { ApiApp, ApiEnv } from '../app.js';
import { account, body, json } from './helpers.js';
import type { OpenAiRouteDeps } from './openai-chat.js';
import { agentHeaders, OPENAI_TAG, openAiErrors, openAiHook } from './openai-shared.js';

const SessionHeader = z.object({
  'x-session-id': z.uuid().optional().openapi({ description: 'Continue this session of yours (without `previous_response_id`).' }),
});

const create = createRoute({
  method: 'post',
  path: '/v1/responses',
  operationId: 'openai.responses.create',
  tags: [OPENAI_TAG],
  summary: 'OpenAI Responses: one agent turn; chain with previous_response_id',
  description:
    '`previous_response_id` continues that response’s session; `instructions` is the session’s system prompt; ' +
    '`background: true` answers at once (then GET or cancel it); `stream: true` sends Responses events ' +
    '(`response.created`, `response.output_text.delta`, …, `response.completed`) plus `response.agent.*` extension ' +
    'events for the agent’s own tool calls and approval requests. A turn waiting for approval is `in_progress` with ' +
    '`agent.pending_approval`; answer it with POST /v1/sessions/{id}/permissions/{request_id}.',
  request: { headers: SessionHeader, ...body(ResponseCreateBody) },
  responses: {
    200: {
      content: {
        'application/json': { schema: ResponseSchema },
        'text/event-stream': { schema: z.string().openapi({ description: 'Responses stream events' }) },
      },
      description: 'The response (finished, or started with `background`), or its events',
    },
    ...openAiErrors,
    409: json(OpenAiErrorSchema, 'The session is busy (`session_busy`)'),
    429: json(OpenAiErrorSchema, 'A spent budget (`budget_exceeded`) or too many turns'),
  },
});

const retrieve = createRoute({
  method: 'get',
  path: '/v1/responses/{id}',
  operationId: 'openai.responses.get',
  tags: [OPENAI_TAG],
  summary: 'A response as it is now (queued, in_progress, completed, failed, cancelled), or its events again',
  request: {
    params: ResponseIdParam,
    query: z.object({
      stream: z.enum(['true', 'false']).optional().openapi({ description: '`true`: stream its events (replayed, then live until it ends).' }),
      starting_after: z.coerce.number().int().min(-1).optional().openapi({ description: 'With `stream`: only events after this `sequence_number`.' }),
    }),
  },
  responses: {
    200: {
      content: {
        'application/json': { schema: ResponseSchema },
        'text/event-stream': { schema: z.string().openapi({ description: 'Responses stream events' }) },
      },
      description: 'The response, or its events',
    },
    ...openAiErrors,
  },
});

const cancel = createRoute({
  method: 'post',
  path: '/v1/responses/{id}/cancel',
  operationId: 'openai.responses.cancel',
  tags: [OPENAI_TAG],
  summary: 'Interrupt a response’s turn; answers once it has stopped',
  request: { params: ResponseIdParam },
  responses: { 200: json(ResponseSchema, 'The response, `cancelled` (or as it ended, if it had already)'), ...openAiErrors },
});

/** How long cancel waits for the interrupted turn to be recorded before answering as it is. */
const CANCEL_WAIT_MS = 15_000;

export function registerOpenAiResponseRoutes(app: ApiApp, deps: OpenAiRouteDeps): void {
  const { openai, stream: streamDeps } = deps;

  /** The response with its pending approval, read from the event log while the turn runs. */
  async function view(record: ResponseRecord, turn: TurnRecord) {
    const pending = turn.finishedAt === null ? pendingApproval(await streamDeps.events.read(turn.id, 0, 10_000)) : null;
    return responseObject(record, turn, pending);
  }

  /** Resolves once the turn has ended (its terminal event), wherever it runs; or when `ms` pass. */
  async function ended(accountId: string, record: ResponseRecord, ms: number): Promise<void> {
    const target = { accountId, sessionId: record.sessionId, turnId: record.turnId };
    const signal = AbortSignal.timeout(ms);
    for await (const item of followTurn(target, 0, streamDeps, { heartbeatMs: streamDeps.heartbeatMs, signal })) {
      if (item.kind === 'event' && (item.event.type === 'turn.finished' || item.event.type === 'turn.failed')) return;
    }
  }

  /**
   * A response's events from our turn event log through ResponseEventWriter: the same log gives the
   * same events with the same sequence numbers every time, so a reader can resume after one.
   */
  function streamResponse(c: Context<ApiEnv>, accountId: string, record: ResponseRecord, done: Promise<TurnRecord | null> | null, after: number) {
    c.header('X-Accel-Buffering', 'no');
    const format = (record.options.text as { format?: { type?: string } } | undefined)?.format?.type;
    return streamSSE(c, async (stream) => {
      const aborted = new AbortController();
      stream.onAbort(() => aborted.abort());
      const writer = new ResponseEventWriter(record, format === 'json_schema' || format === 'json_object');
      const send = async (events: Array<{ type: string; sequence_number: number }>) => {
        for (const e of events) if (e.sequence_number > after) await stream.writeSSE({ event: e.type, data: JSON.stringify(e) });
      };
      streamDeps.clients?.opened();
      try {
        const target = { accountId, sessionId: record.sessionId, turnId: record.turnId };
        let turn = await openai.getTurn(accountId, record);
        await send(writer.start(turn));
        for await (const item of followTurn(target, 0, streamDeps, { heartbeatMs: streamDeps.heartbeatMs, signal: aborted.signal })) {
          if (item.kind === 'heartbeat') {
            await stream.write(': keep-alive\n\n');
            continue;
          }
          const { type, data } = item.event;
          if (type === 'turn.finished' || type === 'turn.failed') break;
          await send(writer.event(turn, type, data));
        }
        if (aborted.signal.aborted) return;
        // The turn is recorded before its terminal event is logged.
        turn = (await done) ?? (await openai.getTurn(accountId, record));
        await send(writer.end(turn));
      } finally {
        streamDeps.clients?.closed();
      }
    });
  }

  app.openapi(
    create,
    async (c) => {
      const caller = account(c);
      const req = readResponsesRequest(c.req.valid('json'), deps.models);
      const { started, record } = await openai.startResponse(caller, req, c.req.valid('header')['x-session-id']);
      agentHeaders(c, started.sessionId, started.turnId);
      if (req.background && !req.stream) {
        started.done.catch((err: unknown) => streamDeps.log.error({ err, turn_id: started.turnId }, 'background response failed'));
        const turn = await openai.getTurn(caller.accountId, record);
        return c.json(responseObject(record, turn), 200);
      }
      if (!req.stream) {
        const { turn } = await started.done;
        return c.json(responseObject(record, turn), 200);
      }
      started.done.catch(() => {}); // a failure reaches the client as response.failed
      const done = started.done.then((r) => r.turn, () => null);
      return streamResponse(c, caller.accountId, record, done, -1);
    },
    openAiHook,
  );

  app.openapi(
    retrieve,
    async (c) => {
      const { accountId } = account(c);
      const { record, turn } = await openai.getResponse(accountId, c.req.valid('param').id);
      agentHeaders(c, record.sessionId, record.turnId);
      const q = c.req.valid('query');
      // A dropped stream picks up after the last sequence_number it saw (the same events, replayed from the log).
      if (q.stream === 'true') return streamResponse(c, accountId, record, null, q.starting_after ?? -1);
      return c.json(await view(record, turn), 200);
    },
  );

  app.openapi(
    cancel,
    async (c) => {
      const { accountId } = account(c);
      const record = await openai.cancelResponse(accountId, c.req.valid('param').id);
      agentHeaders(c, record.sessionId, record.turnId);
      await ended(accountId, record, CANCEL_WAIT_MS);
      return c.json(await view(record, await openai.getTurn(accountId, record)), 200);
    },
  );
}
