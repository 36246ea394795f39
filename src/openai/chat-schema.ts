import { z } from '@hono/zod-openapi';
import { ref } from '../http/schemas.js';

/**
 * Chat Completions request and response shapes as this service takes and gives them. The request
 * object is strict (an unknown field is a 400 naming it); OpenAI fields this service knows but does
 * not offer parse here and are refused with `unsupported_parameter` by chat.ts, so the message can
 * say why. Message objects are lenient: chat UIs add fields of their own to them.
 */

const nullable = <T extends z.ZodType>(t: T) => t.nullable().optional();
/** An OpenAI field accepted and ignored (documented): the agent decides its own sampling and length. */
export const ignored = <T extends z.ZodType>(t: T) =>
  nullable(t).openapi({ description: 'Accepted for compatibility and ignored: the agent decides this itself.' });
/** An OpenAI field refused (`unsupported_parameter`) unless absent, null or neutral. */
export const refused = <T extends z.ZodType>(t: T, why: string) => nullable(t).openapi({ description: `Refused unless absent or neutral: ${why}` });
const d = <T extends z.ZodType>(t: T, description: string) => t.openapi({ description });

const ContentPart = z
  .looseObject({ type: d(z.string(), 'Part type: `text` (or `input_text`).'), text: d(z.string().optional(), 'The text of a text part.') })
  .openapi({ description: 'A content part. Only `text` parts are supported; image, audio and file parts are refused (`unsupported_attachment`).' });

export const ChatMessage = z
  .looseObject({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']).openapi({
      description: '`system`/`developer` set the session’s system prompt; `tool`/`function` are refused (the agent runs its own tools).',
    }),
    content: d(z.union([z.string(), z.array(ContentPart), z.null()]).optional(), 'The message text, or text parts.'),
    name: d(z.string().optional(), 'Accepted and ignored.'),
    tool_calls: d(z.array(z.unknown()).optional(), 'Refused when not empty: the agent runs its own tools.'),
    function_call: d(z.unknown().optional(), 'Refused: the agent runs its own tools.'),
  })
  .openapi('OpenAIChatMessage');


export const ResponseFormat = z.discriminatedUnion('type', [
  z.object({ type: d(z.literal('text'), 'Plain text (the default).') }),
  z.object({ type: d(z.literal('json_object'), 'Any JSON object (structured output with `{"type":"object"}`).') }),
  z.object({
    type: d(z.literal('json_schema'), 'JSON matching `json_schema.schema` (the SDK’s structured output).'),
    json_schema: d(
      z.object({
        name: d(z.string(), 'The schema’s name (echoed by OpenAI; unused here).'),
        description: d(z.string().optional(), 'Unused.'),
        schema: d(z.record(z.string(), z.unknown()).optional(), 'The JSON schema the answer must match.'),
        strict: d(z.boolean().nullable().optional(), 'Accepted; the SDK always validates against the schema.'),
      }),
      'The schema.',
    ),
  }),
]);

export const ChatCompletionBody = z
  .strictObject({
    model: z.string().min(1).openapi({ description: 'One of GET /v1/models.' }),
    messages: z.array(ChatMessage).min(1).openapi({
      description:
        'The conversation. Resend the whole history as usual: only the trailing user message(s) go to the agent; the rest finds the session again.',
    }),
    stream: d(nullable(z.boolean()), 'Answer with `chat.completion.chunk` events and `data: [DONE]`.'),
    stream_options: d(
      nullable(z.object({ include_usage: d(z.boolean().optional(), 'Send a last chunk with `usage` and no choices.') }).loose()),
      'Streaming options.',
    ),
    metadata: nullable(z.record(z.string(), z.string())).openapi({
      description: '`session_id` continues that session (like the `X-Session-Id` header); `if_busy` is `reject` (default), `enqueue` or `interrupt`.',
    }),
    response_format: nullable(ResponseFormat).openapi({ description: '`json_schema` (and `json_object`) run as the agent’s structured output.' }),
    // Accepted and ignored (documented): the agent decides its own sampling and length.
    max_tokens: ignored(z.number().int().min(1)),
    max_completion_tokens: ignored(z.number().int().min(1)),
    temperature: ignored(z.number().min(0).max(2)),
    top_p: ignored(z.number().min(0).max(1)),
    presence_penalty: ignored(z.number()),
    frequency_penalty: ignored(z.number()),
    seed: ignored(z.number().int()),
    user: ignored(z.string()),
    store: ignored(z.boolean()),
    reasoning_effort: ignored(z.string()),
    service_tier: ignored(z.string()),
    parallel_tool_calls: ignored(z.boolean()),
    // Known, refused unless absent or neutral (chat.ts says why).
    n: refused(z.number().int().min(1), 'one answer per turn (`n` > 1).'),
    logprobs: refused(z.boolean(), 'no token log probabilities.'),
    top_logprobs: refused(z.number().int(), 'no token log probabilities.'),
    tools: refused(z.array(z.unknown()), 'the agent runs its own tools server-side.'),
    tool_choice: refused(z.unknown(), 'the agent chooses its own tools (`none`/`auto` accepted).'),
    functions: refused(z.array(z.unknown()), 'the agent runs its own tools server-side.'),
    function_call: refused(z.unknown(), 'the agent runs its own tools server-side.'),
    stop: refused(z.union([z.string(), z.array(z.string())]), 'stop sequences cannot apply to an agent turn.'),
    logit_bias: refused(z.record(z.string(), z.number()), 'token biases cannot apply to an agent turn.'),
    audio: refused(z.unknown(), 'text only.'),
    modalities: refused(z.array(z.string()), 'text only (`["text"]` accepted).'),
    prediction: refused(z.unknown(), 'not supported.'),
    web_search_options: refused(z.unknown(), 'web search is a server-side tool here.'),
  })
  .openapi('OpenAIChatCompletionRequest');
export type ChatCompletionBody = z.infer<typeof ChatCompletionBody>;

const AgentToolCall = z
  .object({
    id: d(z.string(), 'The model’s tool_use id.'),
    name: d(z.string(), 'The tool.'),
    input: d(z.unknown(), 'What it was called with.'),
    result: d(z.string().nullable(), 'What it returned (null while it has not).'),
    is_error: d(z.boolean(), 'Whether it failed or was refused.'),
  })
  .openapi('OpenAIAgentToolCall', { description: 'A tool the agent ran itself (server-side). Not an OpenAI `tool_calls` entry: nothing for the client to run.' });

export const AgentExtension = z
  .object({
    session_id: d(z.string(), 'The session (send it as `X-Session-Id` to continue it explicitly).'),
    turn_id: d(z.string(), 'The turn (our own routes: /v1/sessions/{id}/turns/{turn_id}).'),
    status: d(z.enum(['queued', 'running', 'succeeded', 'failed', 'interrupted']), 'The turn’s status.'),
    cost_usd: d(z.number(), 'What the turn cost.'),
    num_turns: d(z.number().int(), 'Agent steps (model calls) in the turn.'),
    tool_calls: d(z.array(AgentToolCall), 'Tools the agent ran during the turn.'),
    events: z.string().openapi({ description: 'Our own event stream of the turn (resumable with Last-Event-ID).' }),
  })
  .openapi('OpenAIAgentInfo', { description: 'Extension: the session and turn behind this answer.' });

export const ChatCompletionSchema = z
  .object({
    id: d(z.string(), '`chatcmpl-<turn id>`.'),
    object: d(z.literal('chat.completion'), 'Always `chat.completion`.'),
    created: d(z.number().int(), 'Unix seconds.'),
    model: d(z.string(), 'The model the request named.'),
    choices: d(
      z.array(
        z.object({
          index: d(z.number().int(), 'Always 0.'),
          message: d(
            z.object({
              role: d(z.literal('assistant'), 'Always `assistant`.'),
              content: d(z.string().nullable(), 'The agent’s answer (JSON text with `response_format` json_schema).'),
              refusal: d(z.null(), 'Always null.'),
              agent_tool_calls: d(z.array(AgentToolCall).optional(), 'Extension: the tools the agent ran itself.'),
            }),
            'The answer.',
          ),
          finish_reason: d(z.enum(['stop', 'length']), '`stop`.'),
          logprobs: d(z.null(), 'Always null.'),
        }),
      ),
      'One choice.',
    ),
    usage: d(
      z.object({
        prompt_tokens: d(z.number().int(), 'Input tokens of the turn’s model calls, cached ones included.'),
        completion_tokens: d(z.number().int(), 'Output tokens of the turn’s model calls.'),
        total_tokens: d(z.number().int(), 'The sum.'),
      }),
      'Token usage of the whole agent turn.',
    ),
    agent: ref(AgentExtension, 'Extension: the session and turn behind this answer.'),
  })
  .openapi('OpenAIChatCompletion');

export const ModelSchema = z
  .object({
    id: d(z.string(), 'The model name, to send as `model`.'),
    object: d(z.literal('model'), 'Always `model`.'),
    created: d(z.number().int(), 'Unix seconds (when this server started).'),
    owned_by: d(z.string(), 'Always `anthropic`.'),
  })
  .openapi('OpenAIModel');

export const ModelListSchema = z
  .object({ object: d(z.literal('list'), 'Always `list`.'), data: d(z.array(ModelSchema), 'The default model first.') })
  .openapi('OpenAIModelList');

export const OpenAiErrorSchema = z
  .object({
    error: d(z.object({
      message: d(z.string(), 'What went wrong, for a person.'),
      type: z.string().openapi({ description: 'OpenAI’s error type, e.g. `invalid_request_error`, `authentication_error`, `insufficient_quota`.' }),
      code: z.string().openapi({ description: 'Our stable code (the error table), e.g. `unknown_parameter`, `session_busy`.' }),
      param: z.string().nullable().openapi({ description: 'The request field at fault, when there is one.' }),
    }), 'The error.'),
  })
  .openapi('OpenAIError', { description: 'OpenAI’s error shape, used by the OpenAI-compatible routes.' });
