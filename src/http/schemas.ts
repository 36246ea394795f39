import { z } from '@hono/zod-openapi';

/** Request and response schemas: the single source of the API's types and its OpenAPI document. */

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ description: 'Stable machine-readable code, e.g. `session_busy`.' }),
      message: z.string().openapi({ description: 'What went wrong, for a person.' }),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi('Error');

export const SessionIdParam = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' }, description: 'Session id (a UUID).' }),
});

export const UsageSchema = z
  .object({
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    cache_read_input_tokens: z.number().int(),
    cache_creation_input_tokens: z.number().int(),
  })
  .openapi('Usage');

export const ToolCallSchema = z
  .object({
    id: z.string().openapi({ description: 'The model’s tool_use id.' }),
    name: z.string().openapi({ description: 'Full tool name, e.g. `mcp__weather__get_weather`.' }),
    input: z.unknown(),
    result: z.string().nullable().openapi({ description: 'Tool output text; null if it never returned.' }),
    is_error: z.boolean(),
  })
  .openapi('ToolCall');

export const SessionSchema = z
  .object({
    id: z.uuid(),
    title: z.string().nullable(),
    tags: z.array(z.string()),
    status: z.enum(['idle', 'running', 'crashed', 'archived']),
    model: z.string().nullable(),
    created_at: z.iso.datetime(),
    last_active_at: z.iso.datetime(),
    turn_count: z.number().int(),
    usage: UsageSchema,
    cost_usd: z.number().openapi({ description: 'Total estimated cost of the session in USD.' }),
    forked_from: z.string().nullable(),
  })
  .openapi('Session');

export const TurnSchema = z
  .object({
    id: z.uuid(),
    session_id: z.uuid(),
    seq: z.number().int().openapi({ description: '1 for the first turn of the session.' }),
    status: z.enum(['queued', 'running', 'succeeded', 'failed', 'interrupted']),
    prompt: z.string(),
    response_text: z.string(),
    tool_calls: z.array(ToolCallSchema),
    usage: UsageSchema,
    cost_usd: z.number(),
    duration_ms: z.number().int(),
    num_turns: z.number().int().openapi({ description: 'Model round trips the agent made.' }),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    created_at: z.iso.datetime(),
    finished_at: z.iso.datetime().nullable(),
  })
  .openapi('Turn');

/** The user's text, kept verbatim (not trimmed); blank is rejected. */
const MessageText = z
  .string({ error: 'message is required and must be a string' })
  .refine((s) => s.trim() !== '', 'message must not be empty')
  .openapi({ description: 'The user message. Its UTF-8 size is limited by MAX_MESSAGE_BYTES.' });

const Tags = z.array(z.string().trim().min(1).max(64)).max(32);

export const CreateSessionBody = z
  .object({ title: z.string().trim().min(1).max(200).optional(), tags: Tags.optional() })
  .strict()
  .openapi('CreateSession');

export const PatchSessionBody = z
  .object({ title: z.string().trim().min(1).max(200).nullable().optional(), tags: Tags.optional() })
  .strict()
  .openapi('PatchSession');

export const SendMessageBody = z
  .object({ message: MessageText })
  .openapi('SendMessage');

export const ListSessionsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(512).optional(),
});

export const SessionPageSchema = z
  .object({ sessions: z.array(SessionSchema), next_cursor: z.string().nullable() })
  .openapi('SessionPage');

export const HistoryMessageSchema = z
  .discriminatedUnion('role', [
    z.object({ role: z.literal('user'), turn_id: z.uuid(), content: z.string(), created_at: z.iso.datetime() }),
    z.object({
      role: z.literal('assistant'),
      turn_id: z.uuid(),
      status: TurnSchema.shape.status,
      content: z.string(),
      tool_calls: z.array(ToolCallSchema),
      error: TurnSchema.shape.error,
      cost_usd: z.number(),
      duration_ms: z.number().int(),
      created_at: z.iso.datetime().nullable(),
    }),
  ])
  .openapi('HistoryMessage');

export const HistorySchema = z
  .object({ session_id: z.uuid(), messages: z.array(HistoryMessageSchema) })
  .openapi('History');

// The seed's API, field for field.
export const ChatBody = z
  .object({
    message: MessageText,
    session_id: z.uuid().optional(),
  })
  .openapi('ChatRequest');

export const ChatResponseSchema = z
  .object({
    session_id: z.uuid(),
    response_text: z.string(),
    tool_calls: z.array(z.object({ tool_name: z.string(), tool_input: z.unknown(), tool_result: z.string().nullable() })),
    is_error: z.boolean(),
    cost_usd: z.number(),
    duration_ms: z.number().int(),
  })
  .openapi('ChatResponse');

export const SeedSessionSchema = z
  .object({
    session_id: z.uuid(),
    title: z.string().nullable(),
    created_at: z.iso.datetime(),
    turn_count: z.number().int(),
    total_cost_usd: z.number(),
    messages: z.array(
      z.object({
        role: z.enum(['user', 'assistant']),
        content: z.string(),
        tool_calls: ChatResponseSchema.shape.tool_calls.optional(),
        is_error: z.boolean().optional(),
        cost_usd: z.number().optional(),
        duration_ms: z.number().int().optional(),
      }),
    ),
  })
  .openapi('SeedSession');
