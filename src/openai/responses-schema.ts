import { z } from '@hono/zod-openapi';
import { ChatMessage, ignored, refused } from './chat-schema.js';

const d = <T extends z.ZodType>(t: T, description: string) => t.openapi({ description });

/** Responses API request shapes (strict at the top, lenient in input items; see chat-schema.ts). */

const InputItem = ChatMessage.extend({
  type: z.string().optional().openapi({ description: 'Only `message` items (the default) are supported.' }),
  role: d(z.string(), '`user`, `assistant`, `system` or `developer`.'),
}).openapi('OpenAIResponseInputItem');

const nullable = <T extends z.ZodType>(t: T) => t.nullable().optional();

const TextFormat = z.discriminatedUnion('type', [
  z.object({ type: d(z.literal('text'), 'Plain text (the default).') }),
  z.object({ type: d(z.literal('json_object'), 'Any JSON object.') }),
  z.looseObject({
    type: d(z.literal('json_schema'), 'JSON matching `schema` (the SDK’s structured output).'),
    name: d(z.string().optional(), 'The schema’s name (unused).'),
    description: d(z.string().optional(), 'Unused.'),
    schema: d(z.record(z.string(), z.unknown()), 'The JSON schema the answer must match.'),
    strict: d(z.boolean().nullable().optional(), 'Accepted; the SDK always validates.'),
  }),
]);

export const ResponseCreateBody = z
  .strictObject({
    model: d(z.string().min(1), 'One of GET /v1/models.'),
    input: z.union([z.string().min(1), z.array(InputItem).min(1)]).openapi({
      description: 'The new message (a string), or message items; `system`/`developer` items add to `instructions`.',
    }),
    instructions: nullable(z.string()).openapi({ description: 'The session’s system prompt (set on a new session; a changed one is applied).' }),
    previous_response_id: nullable(z.string()).openapi({ description: 'Continue the session of that response (forked if it has moved on since).' }),
    background: nullable(z.boolean()).openapi({ description: 'Answer at once (status `queued`/`in_progress`); GET /v1/responses/{id} later.' }),
    stream: d(nullable(z.boolean()), 'Answer with Responses stream events.'),
    store: nullable(z.boolean()).openapi({ description: 'Default true. False: the response cannot be retrieved or chained (its turn is still in the session).' }),
    metadata: nullable(z.record(z.string(), z.string())).openapi({ description: 'Echoed back; `session_id` and `if_busy` are read as on chat completions.' }),
    text: d(
      nullable(
        z.looseObject({
          format: d(TextFormat.optional(), 'The answer’s format: `text`, `json_object` or `json_schema` (structured output).'),
          verbosity: d(z.string().nullable().optional(), 'Accepted and ignored.'),
        }),
      ),
      'Text output options.',
    ),
    // Accepted and ignored (documented).
    max_output_tokens: ignored(z.number().int().min(1)),
    temperature: ignored(z.number().min(0).max(2)),
    top_p: ignored(z.number().min(0).max(1)),
    user: ignored(z.string()),
    safety_identifier: ignored(z.string()),
    prompt_cache_key: ignored(z.string()),
    service_tier: ignored(z.string()),
    reasoning: ignored(z.unknown()),
    truncation: ignored(z.string()),
    parallel_tool_calls: ignored(z.boolean()),
    include: ignored(z.array(z.string())),
    stream_options: ignored(z.unknown()),
    max_tool_calls: ignored(z.number().int()),
    // Known, refused unless absent or neutral.
    tools: refused(z.array(z.unknown()), 'the agent runs its own tools server-side.'),
    tool_choice: refused(z.unknown(), 'the agent chooses its own tools (`none`/`auto` accepted).'),
    conversation: refused(z.unknown(), 'use previous_response_id or X-Session-Id.'),
    prompt: refused(z.unknown(), 'prompt templates are not supported.'),
    top_logprobs: refused(z.number().int(), 'no token log probabilities.'),
  })
  .openapi('OpenAIResponseCreateRequest');
export type ResponseCreateBody = z.infer<typeof ResponseCreateBody>;

export const ResponseIdParam = z.object({
  id: z.string().min(1).openapi({ param: { name: 'id', in: 'path' }, description: 'A response id (`resp_…`).' }),
});

export const ResponseSchema = z
  .looseObject({
    id: d(z.string(), '`resp_…` (the turn id’s 128 bits).'),
    object: d(z.literal('response'), 'Always `response`.'),
    created_at: d(z.number().int(), 'Unix seconds.'),
    status: d(
      z.enum(['queued', 'in_progress', 'completed', 'failed', 'cancelled', 'incomplete']),
      'From the turn: queued, running → `in_progress` (also while a tool call waits for approval), succeeded → `completed`, failed, interrupted → `cancelled`.',
    ),
    model: d(z.string(), 'The model the request named.'),
    output: d(z.array(z.unknown()), 'One `message` item with one `output_text` part once the turn has ended.'),
    output_text: d(z.string(), 'The answer’s text (JSON with a json_schema format).'),
    error: d(
      z.object({ code: d(z.string(), 'The turn’s error code.'), message: d(z.string(), 'What went wrong.') }).nullable(),
      'Set when `failed`.',
    ),
    usage: d(z.unknown().nullable(), 'Token usage of the turn, once it has ended.'),
    previous_response_id: d(z.string().nullable(), 'The response this one continued.'),
    instructions: d(z.string().nullable(), 'The instructions the request gave.'),
    metadata: d(z.record(z.string(), z.string()), 'The request’s metadata.'),
    agent: z.unknown().openapi({ description: 'Extension: session, turn, tool calls, and `pending_approval` while a tool call waits for a person.' }),
  })
  .openapi('OpenAIResponse');
