import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ChunkWriter, chatCompletion, readChatRequest } from '../../openai/chat.js';
import { ChatCompletionBody, ChatCompletionSchema, ModelListSchema, ModelSchema, OpenAiErrorSchema } from '../../openai/chat-schema.js';
import { OpenAiRequestError } from '../../openai/errors.js';
import type { OpenAiService } from '../../openai/service.js';
import { followTurn } from '../../sessions/turn-stream.js';
import type { ApiApp } from '../app.js';
import { account, body, json } from './helpers.js';
import type { StreamDeps } from './messages.js';
import { agentHeaders, OPENAI_TAG, openAiErrors, openAiHook, turnFailure } from './openai-shared.js';

export interface OpenAiRouteDeps {
  openai: OpenAiService;
  stream: StreamDeps;
  /** Offered models, the default first. */
  models: readonly string[];
  startedAt: number;
}

const SessionHeader = z.object({
  'x-session-id': z.uuid().optional().openapi({ description: 'Continue this session of yours (else it is found from the history, or new).' }),
});

const completions = createRoute({
  method: 'post',
  path: '/v1/chat/completions',
  operationId: 'openai.chat.completions',
  tags: [OPENAI_TAG],
  summary: 'OpenAI Chat Completions, answered by an agent turn of a session',
  description:
    'Point an OpenAI client here (`baseURL: <server>/v1`, `apiKey`: an account key). The session is `X-Session-Id`, ' +
    '`metadata.session_id`, or the one whose conversation the resent history is (a new one otherwise); only the new ' +
    'user message(s) go to the agent. `stream: true` answers with chunks and `data: [DONE]`. The agent’s tool calls ' +
    'are its own: they appear in `agent_tool_calls` (and `delta.agent_tool_call`), never as `tool_calls`. ' +
    '`max_tokens`, `max_completion_tokens`, `temperature`, `top_p`, penalties, `seed`, `user`, `store` are accepted and ' +
    'ignored. `n` > 1, `logprobs`, `tools`, `stop`, audio and image parts are refused. Headers `X-Session-Id` and ' +
    '`X-Turn-Id` name the turn, whose events `/v1/sessions/{id}/turns/{turn_id}/events` replays.',
  request: { headers: SessionHeader, ...body(ChatCompletionBody) },
  responses: {
    200: {
      content: {
        'application/json': { schema: ChatCompletionSchema },
        'text/event-stream': { schema: z.string().openapi({ description: '`data: <chat.completion.chunk>` lines, then `data: [DONE]`' }) },
      },
      description: 'The completion, or its chunks',
    },
    ...openAiErrors,
    409: json(OpenAiErrorSchema, 'The session is busy (`session_busy`)'),
    429: json(OpenAiErrorSchema, 'A spent budget (`budget_exceeded`) or too many turns'),
    500: json(OpenAiErrorSchema, 'The turn failed (its error code)'),
  },
});

const listModels = createRoute({
  method: 'get',
  path: '/v1/models',
  operationId: 'openai.models.list',
  tags: [OPENAI_TAG],
  summary: 'The models this server offers (CLAUDE_MODEL, then CLAUDE_MODELS)',
  responses: { 200: json(ModelListSchema, 'The models'), ...openAiErrors },
});

const getModel = createRoute({
  method: 'get',
  path: '/v1/models/{model}',
  operationId: 'openai.models.get',
  tags: [OPENAI_TAG],
  summary: 'One offered model',
  request: { params: z.object({ model: z.string().openapi({ param: { name: 'model', in: 'path' }, description: 'A model id from GET /v1/models.' }) }) },
  responses: { 200: json(ModelSchema, 'The model'), ...openAiErrors },
});

export function registerOpenAiChatRoutes(app: ApiApp, deps: OpenAiRouteDeps): void {
  const model = (id: string) => ({ id, object: 'model' as const, created: Math.floor(deps.startedAt / 1000), owned_by: 'anthropic' });

  app.openapi(listModels, (c) => {
    account(c);
    return c.json({ object: 'list' as const, data: deps.models.map(model) }, 200);
  });

  app.openapi(getModel, (c) => {
    account(c);
    const id = c.req.valid('param').model;
    if (!deps.models.includes(id)) throw new OpenAiRequestError('model_not_found', 'model', `The model '${id}' does not exist on this server.`);
    return c.json(model(id), 200);
  });

  app.openapi(
    completions,
    async (c) => {
      const caller = account(c);
      const req = readChatRequest(c.req.valid('json'), deps.models);
      const started = await deps.openai.startChat(caller, req, c.req.valid('header')['x-session-id']);
      agentHeaders(c, started.sessionId, started.turnId);
      if (!req.stream) {
        const { turn } = await started.done;
        if (turn.status === 'failed') {
          const f = turnFailure(c, turn);
          return c.json(f.body, f.status as ContentfulStatusCode) as never;
        }
        return c.json(chatCompletion(turn, req.model), 200);
      }
      started.done.catch(() => {}); // its failure reaches the client as an error chunk
      const target = { accountId: caller.accountId, sessionId: started.sessionId, turnId: started.turnId };
      c.header('X-Accel-Buffering', 'no');
      return streamSSE(c, async (stream) => {
        const aborted = new AbortController();
        stream.onAbort(() => aborted.abort());
        const chunks = new ChunkWriter(started.turnId, req.model, Math.floor(deps.stream.now() / 1000));
        const send = (data: unknown) => stream.writeSSE({ data: JSON.stringify(data) });
        deps.stream.clients?.opened();
        try {
          await send(chunks.start());
          for await (const item of followTurn(target, 0, deps.stream, { heartbeatMs: deps.stream.heartbeatMs, signal: aborted.signal })) {
            if (item.kind === 'heartbeat') {
              await stream.write(': keep-alive\n\n');
              continue;
            }
            const { type, data } = item.event;
            if (type === 'turn.finished' || type === 'turn.failed') break;
            // Structured output: the answer is the final JSON, not the prose before it.
            if (req.outputSchema && type === 'text.delta') continue;
            const chunk = chunks.event(type, data);
            if (chunk) await send(chunk);
          }
          if (aborted.signal.aborted) return;
          // The conversation is recorded before [DONE], so the client's next message finds its session.
          const { turn } = await started.done.catch(async () => ({ turn: await deps.stream.catalog.getTurn(caller.accountId, started.sessionId, started.turnId) }));
          if (!turn || turn.status === 'failed') {
            await send(turn ? turnFailure(c, turn).body : { error: { message: 'The turn could not be recorded.', type: 'server_error', code: 'internal_error', param: null } });
          } else {
            if (req.outputSchema && turn.responseText) await send({ ...chunks.start(), choices: [{ index: 0, delta: { content: turn.responseText }, finish_reason: null, logprobs: null }] });
            await send(chunks.finish(turn));
            if (req.includeUsage) await send(chunks.usage(turn));
          }
          await stream.writeSSE({ data: '[DONE]' });
        } finally {
          deps.stream.clients?.closed();
        }
      });
    },
    openAiHook,
  );
}
