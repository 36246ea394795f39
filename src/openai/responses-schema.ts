import { z } from '@hono/zod-openapi';
import { ChatMessage } from './chat-schema.js';

/** Responses API request shapes (strict at the top, lenient in input items; see chat-schema.ts). */

const InputItem = ChatMessage.extend({
  type: z.string().optional().openapi({ description: 'Only `message` items (the default) are supported.' }),
  role: z.string(),
}).openapi('OpenAIResponseInputItem');

const nullable = <T extends z.ZodType>(t: T) => t.nullable().optional();

const TextFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    name: z.string().optional(),
    description: z.string().optional(),
    schema: z.record(z.string(), z.unknown()),
    strict: z.boolean().nullable().optional(),
  }),
]);

export const ResponseCreateBody = z
  .strictObject({
    model: z.string().min(1),
    input: z.union([z.string().min(1), z.array(InputItem).min(1)]).openapi({
      description: 'The new message (a string), or message items; `system`/`developer` items add to `instructions`.',
    }),
    instructions: nullable(z.string()).openapi({ description: 'The session’s system prompt (set on a new session; a changed one is applied).' }),
    previous_response_id: nullable(z.string()).openapi({ description: 'Continue the session of that response (forked if it has moved on since).' }),
    background: nullable(z.boolean()).openapi({ description: 'Answer at once (status `queued`/`in_progress`); GET /v1/responses/{id} later.' }),
    stream: nullable(z.boolean()),
    store: nullable(z.boolean()).openapi({ description: 'Default true. False: the response cannot be retrieved or chained (its turn is still in the session).' }),
    metadata: nullable(z.record(z.string(), z.string())).openapi({ description: 'Echoed back; `session_id` and `if_busy` are read as on chat completions.' }),
    text: nullable(z.looseObject({ format: TextFormat.optional(), verbosity: z.string().nullable().optional() })),
    // Accepted and ignored (documented).
    max_output_tokens: nullable(z.number().int().min(1)),
    temperature: nullable(z.number().min(0).max(2)),
    top_p: nullable(z.number().min(0).max(1)),
    user: nullable(z.string()),
    safety_identifier: nullable(z.string()),
    prompt_cache_key: nullable(z.string()),
    service_tier: nullable(z.string()),
    reasoning: nullable(z.unknown()),
    truncation: nullable(z.string()),
    parallel_tool_calls: nullable(z.boolean()),
    include: nullable(z.array(z.string())),
    stream_options: nullable(z.unknown()),
    max_tool_calls: nullable(z.number().int()),
    // Known, refused unless absent or neutral.
    tools: nullable(z.array(z.unknown())),
    tool_choice: nullable(z.unknown()),
    conversation: nullable(z.unknown()),
    prompt: nullable(z.unknown()),
    top_logprobs: nullable(z.number().int()),
  })
  .openapi('OpenAIResponseCreateRequest');
export type ResponseCreateBody = z.infer<typeof ResponseCreateBody>;

export const ResponseIdParam = z.object({
  id: z.string().min(1).openapi({ param: { name: 'id', in: 'path' }, description: 'A response id (`resp_…`).' }),
});

export const ResponseSchema = z
  .looseObject({
    id: z.string(),
    object: z.literal('response'),
    created_at: z.number().int(),
    status: z.enum(['queued', 'in_progress', 'completed', 'failed', 'cancelled', 'incomplete']),
    model: z.string(),
    output: z.array(z.unknown()),
    output_text: z.string(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    usage: z.unknown().nullable(),
    previous_response_id: z.string().nullable(),
    instructions: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    agent: z.unknown().openapi({ description: 'Extension: session, turn, tool calls, and `pending_approval` while a tool call waits for a person.' }),
  })
  .openapi('OpenAIResponse');
