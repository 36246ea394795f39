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
    denied: z.boolean().optional().openapi({
      description: 'True when the call was refused (not enabled, denied by a person, or no approval in time) and never ran.',
    }),
  })
  .openapi('ToolCall');

export const SessionSchema = z
  .object({
    id: z.uuid(),
    title: z.string().nullable(),
    tags: z.array(z.string()),
    status: z.enum(['idle', 'running', 'crashed', 'archived']).openapi({
      description: '`crashed`: the agent process died during the last turn; the next message recovers it.',
    }),
    model: z.string().nullable().openapi({ description: 'The model this session runs on; null = server default.' }),
    system_prompt: z.string().nullable().openapi({ description: 'This session’s system prompt; null = server default.' }),
    approval_tools: z.array(z.string()).nullable().openapi({
      description: 'Tools that need a person’s approval in this session, on top of the server’s list.',
    }),
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

const ModelName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,99}$/, 'model must be a model id such as claude-sonnet-4-5');
const SystemPrompt = z.string().min(1).max(100_000);

/** What to do when the session is already running a turn. */
export const IfBusySchema = z.enum(['reject', 'enqueue', 'interrupt']).default('reject').openapi({
  description:
    '`reject` (default): 409 `session_busy`. `enqueue`: wait in line (429 `queue_full` past the bound); ' +
    'each queued message gets its own answer, in order. `interrupt`: stop the running turn (it ends ' +
    '`interrupted`) and run this one next.',
});

/** Tool rules: a full name (`mcp__weather__get_weather`), a server (`mcp__weather`), or a built-in. */
const ApprovalTools = z.array(z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'a tool or server name')).max(100);

const Tags = z.array(z.string().trim().min(1).max(64)).max(32);

export const CreateSessionBody = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    tags: Tags.optional(),
    model: ModelName.optional(),
    system_prompt: SystemPrompt.optional(),
    approval_tools: ApprovalTools.optional(),
  })
  .strict()
  .openapi('CreateSession');

export const PatchSessionBody = z
  .object({
    title: z.string().trim().min(1).max(200).nullable().optional(),
    tags: Tags.optional(),
    model: ModelName.nullable().optional(),
    system_prompt: SystemPrompt.nullable().optional(),
    approval_tools: ApprovalTools.nullable().optional(),
  })
  .strict()
  .openapi('PatchSession');

export const SendMessageBody = z
  .object({
    message: MessageText,
    if_busy: IfBusySchema,
    stream: z.boolean().optional().openapi({
      description: 'Answer with Server-Sent Events as the turn runs (also chosen by `Accept: text/event-stream`).',
    }),
    background: z.boolean().optional().openapi({
      description: 'Answer 202 at once with the turn id and links; poll the turn or attach to its events.',
    }),
    on_disconnect: z.enum(['continue', 'cancel']).default('continue').openapi({
      description: 'What a dropped streaming connection does to the turn: nothing (default), or interrupt it.',
    }),
    max_turns: z.number().int().min(1).optional().openapi({
      description: 'At most this many agent steps (model calls) in this turn; may not exceed the account’s limit.',
    }),
    max_budget_usd: z.number().positive().optional().openapi({
      description: 'This turn may spend at most this many USD; may not exceed the account’s per-turn limit.',
    }),
  })
  .openapi('SendMessage');

export const InterruptResultSchema = z
  .object({
    interrupted: z.boolean().openapi({ description: 'False when no turn was running.' }),
    turn_id: z.uuid().nullable(),
  })
  .openapi('InterruptResult');

export const TurnParams = z.object({
  id: SessionIdParam.shape.id,
  turn_id: z.uuid().openapi({ param: { name: 'turn_id', in: 'path' } }),
});

export const RuntimeStatsSchema = z
  .object({
    warm: z.number().int().openapi({ description: 'Sessions with a live agent process.' }),
    busy: z.number().int().openapi({ description: 'Warm sessions running a turn.' }),
    queued: z.number().int().openapi({ description: 'Turns waiting behind a running one.' }),
    rss_bytes: z.number().int().openapi({ description: 'Summed resident memory of the agent processes.' }),
    max_warm: z.number().int(),
    memory_budget_bytes: z.number().int(),
    spawns: z.number().int(),
    evictions: z.record(z.string(), z.number().int()),
    crashes: z.number().int(),
    sessions: z
      .array(
        z.object({
          id: z.uuid(),
          pid: z.number().int().nullable(),
          busy: z.boolean(),
          rss_bytes: z.number().int(),
          idle_ms: z.number().int(),
          turns: z.number().int(),
        }),
      )
      .optional(),
  })
  .openapi('RuntimeStats');

export const ListSessionsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(512).optional(),
  q: z.string().trim().min(1).max(200).optional().openapi({ description: 'Only sessions whose title contains this (any case).' }),
  tag: z.string().trim().min(1).max(64).optional().openapi({ description: 'Only sessions with this tag.' }),
  archived: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .openapi({ description: '`true`: list archived sessions (hidden by default) instead.' }),
});

export const ForkSessionBody = z
  .object({
    turn_id: z.uuid().optional().openapi({
      description: 'Fork with the conversation through this turn (default: through the latest finished turn).',
    }),
    title: z.string().trim().min(1).max(200).optional().openapi({ description: 'Default: the source’s title + " (fork)".' }),
  })
  .strict()
  .openapi('ForkSession');

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
      usage: UsageSchema,
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
    if_busy: IfBusySchema,
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

// ---- Streaming: one discriminated union of every event a turn's stream carries. ----

const ev = <T extends string, S extends z.ZodRawShape>(type: T, shape: S, description: string) =>
  z
    .object({ id: z.number().int().openapi({ description: 'Increasing per turn; send it back as Last-Event-ID.' }), type: z.literal(type), ...shape })
    .openapi(`Event.${type}`, { description });

export const StreamEventSchema = z
  .discriminatedUnion('type', [
    ev('turn.started', { turn_id: z.uuid(), session_id: z.uuid() }, 'The turn began running.'),
    ev('text.delta', { text: z.string() }, 'A piece of the answer text.'),
    ev('thinking.delta', { text: z.string() }, 'A piece of the model’s visible thinking.'),
    ev('tool.started', { tool_use_id: z.string(), name: z.string(), input: z.unknown() }, 'The agent called a tool.'),
    ev('tool.finished', { tool_use_id: z.string(), name: z.string(), result: z.string(), is_error: z.boolean() }, 'A tool returned.'),
    ev(
      'permission.requested',
      { request_id: z.string(), tool_use_id: z.string(), tool: z.string(), input: z.record(z.string(), z.unknown()), expires_at: z.string() },
      'A tool needs approval: POST /v1/sessions/{id}/permissions/{request_id}.',
    ),
    ev(
      'permission.resolved',
      { request_id: z.string(), decision: z.enum(['allow', 'deny']), reason: z.enum(['user', 'timeout', 'interrupted']) },
      'A permission request was answered, timed out, or dropped by an interrupt.',
    ),
    ev('usage', { usage: UsageSchema }, 'Token usage of one model call, when it ends.'),
    ev(
      'model.retry',
      { attempt: z.number().int(), max_retries: z.number().int(), delay_ms: z.number(), error_status: z.number().int().nullable() },
      'A model call failed and will be retried.',
    ),
    ev('turn.finished', { turn: TurnSchema }, 'The turn ended (succeeded or interrupted): exactly what the blocking call returns.'),
    ev('turn.failed', { code: z.string(), message: z.string(), turn: TurnSchema }, 'The turn failed; `code` says why.'),
  ])
  .openapi('StreamEvent');

export const TurnAcceptedSchema = z
  .object({
    turn_id: z.uuid(),
    session_id: z.uuid(),
    status: z.enum(['queued', 'running']),
    links: z.object({ turn: z.string(), events: z.string() }),
  })
  .openapi('TurnAccepted');

export const PermissionDecisionBody = z
  .object({
    decision: z.enum(['allow', 'deny']),
    message: z.string().max(2000).optional().openapi({ description: 'Shown to the model when denying.' }),
    updated_input: z.record(z.string(), z.unknown()).optional().openapi({ description: 'Run the tool with this input instead.' }),
  })
  .strict()
  .openapi('PermissionDecision');

export const PermissionParams = z.object({
  id: SessionIdParam.shape.id,
  request_id: z.uuid().openapi({ param: { name: 'request_id', in: 'path' } }),
});

export const EventsQuery = z.object({
  last_event_id: z.coerce.number().int().min(0).optional().openapi({ description: 'Same as the Last-Event-ID header.' }),
});
