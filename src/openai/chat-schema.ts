import { z } from '@hono/zod-openapi';

/**
 * Chat Completions request and response shapes as this service takes and gives them. The request
 * object is strict (an unknown field is a 400 naming it); OpenAI fields this service knows but does
 * not offer parse here and are refused with `unsupported_parameter` by chat.ts, so the message can
 * say why. Message objects are lenient: chat UIs add fields of their own to them.
 */

const ContentPart = z
  .looseObject({ type: z.string(), text: z.string().optional() })
  .openapi({ description: 'A content part. Only `text` parts are supported; image, audio and file parts are refused (`unsupported_attachment`).' });

export const ChatMessage = z
  .looseObject({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']).openapi({
      description: '`system`/`developer` set the session’s system prompt; `tool`/`function` are refused (the agent runs its own tools).',
    }),
    content: z.union([z.string(), z.array(ContentPart), z.null()]).optional(),
    name: z.string().optional(),
    tool_calls: z.array(z.unknown()).optional(),
    function_call: z.unknown().optional(),
  })
  .openapi('OpenAIChatMessage');

const nullable = <T extends z.ZodType>(t: T) => t.nullable().optional();

export const ResponseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: z.string(),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

export const ChatCompletionBody = z
  .strictObject({
    model: z.string().min(1).openapi({ description: 'One of GET /v1/models.' }),
    messages: z.array(ChatMessage).min(1).openapi({
      description:
        'The conversation. Resend the whole history as usual: only the trailing user message(s) go to the agent; the rest finds the session again.',
    }),
    stream: nullable(z.boolean()),
    stream_options: nullable(z.object({ include_usage: z.boolean().optional() }).loose()),
    metadata: nullable(z.record(z.string(), z.string())).openapi({
      description: '`session_id` continues that session (like the `X-Session-Id` header); `if_busy` is `reject` (default), `enqueue` or `interrupt`.',
    }),
    response_format: nullable(ResponseFormat).openapi({ description: '`json_schema` (and `json_object`) run as the agent’s structured output.' }),
    // Accepted and ignored (documented): the agent decides its own sampling and length.
    max_tokens: nullable(z.number().int().min(1)),
    max_completion_tokens: nullable(z.number().int().min(1)),
    temperature: nullable(z.number().min(0).max(2)),
    top_p: nullable(z.number().min(0).max(1)),
    presence_penalty: nullable(z.number()),
    frequency_penalty: nullable(z.number()),
    seed: nullable(z.number().int()),
    user: nullable(z.string()),
    store: nullable(z.boolean()),
    reasoning_effort: nullable(z.string()),
    service_tier: nullable(z.string()),
    parallel_tool_calls: nullable(z.boolean()),
    // Known, refused unless absent or neutral (chat.ts says why).
    n: nullable(z.number().int().min(1)),
    logprobs: nullable(z.boolean()),
    top_logprobs: nullable(z.number().int()),
    tools: nullable(z.array(z.unknown())),
    tool_choice: nullable(z.unknown()),
    functions: nullable(z.array(z.unknown())),
    function_call: nullable(z.unknown()),
    stop: nullable(z.union([z.string(), z.array(z.string())])),
    logit_bias: nullable(z.record(z.string(), z.number())),
    audio: nullable(z.unknown()),
    modalities: nullable(z.array(z.string())),
    prediction: nullable(z.unknown()),
    web_search_options: nullable(z.unknown()),
  })
  .openapi('OpenAIChatCompletionRequest');
export type ChatCompletionBody = z.infer<typeof ChatCompletionBody>;

const AgentToolCall = z
  .object({
    id: z.string(),
    name: z.string(),
    input: z.unknown(),
    result: z.string().nullable(),
    is_error: z.boolean(),
  })
  .openapi('OpenAIAgentToolCall', { description: 'A tool the agent ran itself (server-side). Not an OpenAI `tool_calls` entry: nothing for the client to run.' });

export const AgentExtension = z
  .object({
    session_id: z.string(),
    turn_id: z.string(),
    status: z.enum(['queued', 'running', 'succeeded', 'failed', 'interrupted']),
    cost_usd: z.number(),
    num_turns: z.number().int(),
    tool_calls: z.array(AgentToolCall),
    events: z.string().openapi({ description: 'Our own event stream of the turn (resumable with Last-Event-ID).' }),
  })
  .openapi('OpenAIAgentInfo', { description: 'Extension: the session and turn behind this answer.' });

export const ChatCompletionSchema = z
  .object({
    id: z.string(),
    object: z.literal('chat.completion'),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({
          role: z.literal('assistant'),
          content: z.string().nullable(),
          refusal: z.null(),
          agent_tool_calls: z.array(AgentToolCall).optional(),
        }),
        finish_reason: z.enum(['stop', 'length']),
        logprobs: z.null(),
      }),
    ),
    usage: z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int(), total_tokens: z.number().int() }),
    agent: AgentExtension,
  })
  .openapi('OpenAIChatCompletion');

export const ModelSchema = z
  .object({ id: z.string(), object: z.literal('model'), created: z.number().int(), owned_by: z.string() })
  .openapi('OpenAIModel');

export const ModelListSchema = z.object({ object: z.literal('list'), data: z.array(ModelSchema) }).openapi('OpenAIModelList');

export const OpenAiErrorSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string().openapi({ description: 'OpenAI’s error type, e.g. `invalid_request_error`, `authentication_error`, `insufficient_quota`.' }),
      code: z.string().openapi({ description: 'Our stable code (the error table), e.g. `unknown_parameter`, `session_busy`.' }),
      param: z.string().nullable().openapi({ description: 'The request field at fault, when there is one.' }),
    }),
  })
  .openapi('OpenAIError', { description: 'OpenAI’s error shape, used by the OpenAI-compatible routes.' });
