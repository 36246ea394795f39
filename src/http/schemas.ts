import { z } from '@hono/zod-openapi';

/** Request and response schemas: the single source of the API's types and its OpenAPI document. */

/**
 * A property whose schema is a named one (a component), with a description of its own. Metadata
 * set on a named schema itself (`.openapi()`, `.describe()`, `.meta()`) would replace the
 * component's own description; behind `z.lazy` it stays the property's: `{ $ref, description }`.
 */
export const ref = <T extends z.ZodType>(schema: T, description: string) => z.lazy(() => schema).openapi({ description });

export const ErrorSchema = z
  .object({
    error: z
      .object({
        code: z.string().openapi({ description: 'Stable machine-readable code, e.g. `session_busy`; see the error table above.' }),
        message: z.string().openapi({ description: 'What went wrong, for a person.' }),
        details: z.record(z.string(), z.unknown()).optional().openapi({
          description: 'Extra facts for some codes, e.g. `issues` (validation), `limit`, `retry_after_s`, `resets_at`.',
        }),
      })
      .openapi({ description: 'The error.' }),
  })
  .openapi('Error', { description: 'Every error response has this shape.' });

export const SessionIdParam = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' }, description: 'Session id (a UUID).' }),
});

export const UsageSchema = z
  .object({
    input_tokens: z.number().int().openapi({ description: 'Input tokens not read from or written to the prompt cache.' }),
    output_tokens: z.number().int().openapi({ description: 'Tokens the model generated.' }),
    cache_read_input_tokens: z.number().int().openapi({ description: 'Input tokens read from the prompt cache.' }),
    cache_creation_input_tokens: z.number().int().openapi({ description: 'Input tokens written to the prompt cache.' }),
  })
  .openapi('Usage', { description: 'Token usage, summed over the model calls it covers.' });

export const ToolCallSchema = z
  .object({
    id: z.string().openapi({ description: 'The model’s tool_use id.' }),
    name: z.string().openapi({ description: 'Full tool name, e.g. `mcp__weather__get_weather`.' }),
    input: z.unknown().openapi({ description: 'The input the model gave the tool (JSON).' }),
    result: z.string().nullable().openapi({ description: 'Tool output text; null if it never returned.' }),
    is_error: z.boolean().openapi({ description: 'True when the tool reported an error (or was denied).' }),
    denied: z.boolean().optional().openapi({
      description: 'True when the call was refused (not enabled, denied by a person, or no approval in time) and never ran.',
    }),
  })
  .openapi('ToolCall');

export const SessionSchema = z
  .object({
    id: z.uuid().openapi({ description: 'Session id.' }),
    title: z.string().nullable().openapi({ description: 'Title; null = untitled.' }),
    tags: z.array(z.string()).openapi({ description: 'Free-form labels, for filtering the list (`tag=`).' }),
    status: z.enum(['idle', 'running', 'crashed', 'archived']).openapi({
      description: '`crashed`: the agent process died during the last turn; the next message recovers it.',
    }),
    model: z.string().nullable().openapi({ description: 'The model this session runs on; null = server default.' }),
    system_prompt: z.string().nullable().openapi({ description: 'This session’s system prompt; null = server default.' }),
    approval_tools: z.array(z.string()).nullable().openapi({
      description: 'Tools that need a person’s approval in this session, on top of the server’s list.',
    }),
    builtin_tools: z.array(z.string()).nullable().openapi({
      description: 'Built-in tools this session narrows its account’s to (never widens); null = the account’s.',
    }),
    created_at: z.iso.datetime().openapi({ description: 'When the session was created.' }),
    last_active_at: z.iso.datetime().openapi({ description: 'When it was created or last ran a turn; the list is sorted by it.' }),
    turn_count: z.number().int().openapi({ description: 'Turns sent to the session so far.' }),
    usage: ref(UsageSchema, 'Token usage of all its turns.'),
    cost_usd: z.number().openapi({ description: 'Total estimated cost of the session in USD.' }),
    forked_from: z.string().nullable().openapi({ description: 'The session this one was forked from; null if none.' }),
  })
  .openapi('Session', { description: 'A conversation with the agent, kept across turns and restarts.' });

const TurnStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'interrupted']).openapi({
  description: '`queued`: waiting behind a running turn. `running`. Ended: `succeeded`, `failed` (see `error`) or `interrupted`.',
});

export const TurnErrorSchema = z
  .object({
    code: z.string().openapi({ description: 'Why the turn failed: one of the turn error codes listed above (e.g. `model_overloaded`).' }),
    message: z.string().openapi({ description: 'What went wrong, for a person.' }),
  })
  .openapi('TurnError', { description: 'Why a turn failed.' });

export const TurnSchema = z
  .object({
    id: z.uuid().openapi({ description: 'Turn id.' }),
    session_id: z.uuid().openapi({ description: 'The session it belongs to.' }),
    seq: z.number().int().openapi({ description: '1 for the first turn of the session.' }),
    status: TurnStatus,
    prompt: z.string().openapi({ description: 'The user message, verbatim.' }),
    response_text: z.string().openapi({ description: 'The answer text (so far, or partial when failed or interrupted).' }),
    tool_calls: z.array(ToolCallSchema).openapi({ description: 'The tools the agent called, in order.' }),
    usage: ref(UsageSchema, 'Token usage of this turn.'),
    cost_usd: z.number().openapi({ description: 'Estimated cost of this turn in USD.' }),
    duration_ms: z.number().int().openapi({ description: 'How long the turn ran, in milliseconds.' }),
    num_turns: z.number().int().openapi({ description: 'Model round trips the agent made.' }),
    error: ref(TurnErrorSchema, 'Why it failed; null unless `status` is `failed`.').nullable(),
    created_at: z.iso.datetime().openapi({ description: 'When the message was received.' }),
    finished_at: z.iso.datetime().nullable().openapi({ description: 'When the turn ended; null while queued or running.' }),
  })
  .openapi('Turn', { description: 'One message to the agent and its answer.' });

/** The user's text, kept verbatim (not trimmed); blank is rejected. */
const MessageText = z
  .string({ error: 'message is required and must be a string' })
  .refine((s) => s.trim() !== '', 'message must not be empty')
  .openapi({ description: 'The user message. Its UTF-8 size is limited by MAX_MESSAGE_BYTES.' });

const ModelName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,99}$/, 'model must be a model id such as claude-sonnet-4-5')
  .openapi({ description: 'The model to run on, e.g. `claude-sonnet-4-5`; absent or null = the server’s default.' });
const SystemPrompt = z
  .string()
  .min(1)
  .max(100_000)
  .openapi({ description: 'The session’s system prompt; absent or null = the server’s default.' });

/** What to do when the session is already running a turn. */
export const IfBusySchema = z.enum(['reject', 'enqueue', 'interrupt']).default('reject').openapi({
  description:
    '`reject` (default): 409 `session_busy`. `enqueue`: wait in line (429 `queue_full` past the bound); ' +
    'each queued message gets its own answer, in order. `interrupt`: stop the running turn (it ends ' +
    '`interrupted`) and run this one next.',
});

/** Tool rules: a full name (`mcp__weather__get_weather`), a server (`mcp__weather`), or a built-in. */
const BuiltinTools = z
  .array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'a built-in tool name such as Bash or Read'))
  .max(64)
  .openapi({ description: 'Built-in tools (Bash, Read, …) this session may use: only those its account may use take effect.' });

const ApprovalTools = z
  .array(z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'a tool or server name'))
  .max(100)
  .openapi({
    description:
      'Tools that need a person’s approval before they run in this session (on top of the server’s list): a full ' +
      'tool name (`mcp__weather__get_weather`), an MCP server (`mcp__weather`) or a built-in tool.',
  });

const Tags = z
  .array(z.string().trim().min(1).max(64))
  .max(32)
  .openapi({ description: 'Labels (at most 32, each up to 64 characters); replaces the session’s tags.' });

const Title = z.string().trim().min(1).max(200).openapi({ description: 'The session title (up to 200 characters).' });

export const CreateSessionBody = z
  .object({
    title: Title.optional(),
    tags: Tags.optional(),
    model: ModelName.optional(),
    system_prompt: SystemPrompt.optional(),
    approval_tools: ApprovalTools.optional(),
    builtin_tools: BuiltinTools.optional(),
  })
  .strict()
  .openapi('CreateSession', { description: 'Every field is optional.' });

export const PatchSessionBody = z
  .object({
    title: Title.nullable().optional().openapi({ description: 'The new title; null removes it.' }),
    tags: Tags.optional(),
    model: ModelName.nullable().optional(),
    system_prompt: SystemPrompt.nullable().optional(),
    approval_tools: ApprovalTools.nullable().optional(),
    builtin_tools: BuiltinTools.nullable().optional(),
  })
  .strict()
  .openapi('PatchSession', { description: 'Only the fields sent change; null resets one to the default.' });

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
    turn_id: z.uuid().nullable().openapi({ description: 'The interrupted turn; null when none was running.' }),
  })
  .openapi('InterruptResult');

export const TurnParams = z.object({
  id: SessionIdParam.shape.id,
  turn_id: z.uuid().openapi({ param: { name: 'turn_id', in: 'path' }, description: 'Turn id (a UUID).' }),
});

export const RuntimeStatsSchema = z
  .object({
    warm: z.number().int().openapi({ description: 'Sessions with a live agent process.' }),
    busy: z.number().int().openapi({ description: 'Warm sessions running a turn.' }),
    queued: z.number().int().openapi({ description: 'Turns waiting behind a running one.' }),
    rss_bytes: z.number().int().openapi({ description: 'Summed resident memory of the agent processes.' }),
    max_warm: z.number().int().openapi({ description: 'At most this many warm sessions (MAX_WARM_SESSIONS).' }),
    memory_budget_bytes: z.number().int().openapi({ description: 'Evict idle sessions above this summed memory (POOL_MEMORY_MB).' }),
    spawns: z.number().int().openapi({ description: 'Agent processes started since the server started.' }),
    evictions: z.record(z.string(), z.number().int()).openapi({
      description: 'Warm sessions ended, by reason (`capacity`, `memory`, `idle_timeout`, `settings_changed`, …).',
    }),
    crashes: z.number().int().openapi({ description: 'Agent processes that died unexpectedly.' }),
    account_max_warm: z.number().int().openapi({ description: 'Processes one account may hold in use at once (ACCOUNT_MAX_WARM).' }),
    accounts: z
      .array(
        z.object({
          account_id: z.string().openapi({ description: 'Account id.' }),
          in_use: z.number().int().openapi({ description: 'Processes it holds in use: running a turn or waiting on an approval.' }),
          waiting: z.number().int().openapi({ description: 'Its turns waiting for a process (room, or its share).' }),
          share: z.number().int().openapi({ description: 'What it may hold now: its cap, or an equal split of the pool while others wait.' }),
        }),
      )
      .openapi({ description: 'The fair share of the pool, per account holding or waiting for a process.' }),
    sessions: z
      .array(
        z.object({
          id: z.uuid().openapi({ description: 'Session id.' }),
          pid: z.number().int().nullable().openapi({ description: 'Process id of its agent; null while starting.' }),
          busy: z.boolean().openapi({ description: 'True while it runs a turn.' }),
          rss_bytes: z.number().int().openapi({ description: 'Resident memory of its agent process.' }),
          idle_ms: z.number().int().openapi({ description: 'Milliseconds since its last turn ended.' }),
          turns: z.number().int().openapi({ description: 'Turns this process has run.' }),
        }),
      )
      .optional()
      .openapi({ description: 'The warm sessions (GET /v1/runtime only).' }),
  })
  .openapi('RuntimeStats', { description: 'The agent processes of this instance.' });

export const ListSessionsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ description: 'Page size (1–100).' }),
  cursor: z.string().max(512).optional().openapi({ description: 'The `next_cursor` of the previous page.' }),
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
  .object({
    sessions: z.array(SessionSchema).openapi({ description: 'Most recently active first.' }),
    next_cursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
  })
  .openapi('SessionPage', { description: 'One page of sessions.' });

export const HistoryMessageSchema = z
  .discriminatedUnion('role', [
    z
      .object({
        role: z.literal('user').openapi({ description: 'A message the user sent.' }),
        turn_id: z.uuid().openapi({ description: 'The turn this message started.' }),
        content: z.string().openapi({ description: 'The message text.' }),
        created_at: z.iso.datetime().openapi({ description: 'When it was received.' }),
      })
      .openapi({ description: 'A user message.' }),
    z
      .object({
        role: z.literal('assistant').openapi({ description: 'The agent’s answer to the user message before it.' }),
        turn_id: z.uuid().openapi({ description: 'The turn that produced it.' }),
        status: TurnStatus,
        content: z.string().openapi({ description: 'The answer text.' }),
        tool_calls: z.array(ToolCallSchema).openapi({ description: 'The tools the agent called, in order.' }),
        error: TurnSchema.shape.error,
        cost_usd: z.number().openapi({ description: 'Estimated cost of the turn in USD.' }),
        duration_ms: z.number().int().openapi({ description: 'How long the turn ran, in milliseconds.' }),
        usage: ref(UsageSchema, 'Token usage of the turn.'),
        created_at: z.iso.datetime().nullable().openapi({ description: 'When the turn ended.' }),
      })
      .openapi({ description: 'An answer (only once the turn ended).' }),
  ])
  .openapi('HistoryMessage', { description: 'A message of the conversation, by `role`.' });

export const HistorySchema = z
  .object({
    session_id: z.uuid().openapi({ description: 'Session id.' }),
    messages: z.array(HistoryMessageSchema).openapi({ description: 'User and assistant messages, oldest first.' }),
  })
  .openapi('History', { description: 'The conversation of a session.' });

// The seed's API, field for field.
export const ChatBody = z
  .object({
    message: MessageText,
    session_id: z.uuid().optional().openapi({ description: 'Continue this session; omit to start a new one.' }),
    if_busy: IfBusySchema,
  })
  .openapi('ChatRequest', { description: 'The seed API’s request.' });

const SeedToolCalls = z
  .array(
    z.object({
      tool_name: z.string().openapi({ description: 'Full tool name.' }),
      tool_input: z.unknown().openapi({ description: 'The input the model gave the tool (JSON).' }),
      tool_result: z.string().nullable().openapi({ description: 'Tool output text; null if it never returned.' }),
      is_error: z.boolean().openapi({ description: 'True when the tool failed, or was denied (its result says why).' }),
    }),
  )
  .openapi({ description: 'The tools the agent called, in order.' });

export const ChatResponseSchema = z
  .object({
    session_id: z.uuid().openapi({ description: 'The session (new or continued); send it back to continue.' }),
    response_text: z.string().openapi({ description: 'The answer; for a failed turn, its error message when there is no text.' }),
    tool_calls: SeedToolCalls,
    is_error: z.boolean().openapi({ description: 'True when the turn did not succeed.' }),
    cost_usd: z.number().openapi({ description: 'Estimated cost of the turn in USD.' }),
    duration_ms: z.number().int().openapi({ description: 'How long the turn ran, in milliseconds.' }),
  })
  .openapi('ChatResponse', { description: 'The seed API’s answer.' });

export const SeedSessionSchema = z
  .object({
    session_id: z.uuid().openapi({ description: 'Session id.' }),
    title: z.string().nullable().openapi({ description: 'Title; null = untitled.' }),
    created_at: z.iso.datetime().openapi({ description: 'When the session was created.' }),
    turn_count: z.number().int().openapi({ description: 'Turns sent to the session so far.' }),
    total_cost_usd: z.number().openapi({ description: 'Total estimated cost of the session in USD.' }),
    messages: z
      .array(
        z.object({
          role: z.enum(['user', 'assistant']).openapi({ description: 'Who wrote it.' }),
          content: z.string().openapi({ description: 'The message or answer text.' }),
          tool_calls: SeedToolCalls.optional(),
          is_error: z.boolean().optional().openapi({ description: 'Assistant only: true when the turn did not succeed.' }),
          cost_usd: z.number().optional().openapi({ description: 'Assistant only: estimated cost of the turn in USD.' }),
          duration_ms: z.number().int().optional().openapi({ description: 'Assistant only: how long the turn ran, in milliseconds.' }),
        }),
      )
      .openapi({ description: 'User and assistant messages, oldest first (assistant ones once the turn ended).' }),
  })
  .openapi('SeedSession', { description: 'The seed API’s view of a session.' });

// ---- Streaming: one discriminated union of every event a turn's stream carries. ----

const ev = <T extends string, S extends z.ZodRawShape>(type: T, shape: S, description: string) =>
  z
    .object({
      id: z.number().int().openapi({ description: 'Increasing per turn; send it back as Last-Event-ID.' }),
      type: z.literal(type).openapi({ description: 'The event type (also the SSE `event:` name).' }),
      ...shape,
    })
    .openapi(`Event.${type}`, { description });

const d = (description: string) => ({ description });
const ToolUseId = z.string().openapi(d('The model’s tool_use id, linking `tool.started`, `tool.finished` and permission events.'));
const RequestId = z.string().openapi(d('Permission request id: POST the decision to /v1/sessions/{id}/permissions/{request_id}.'));
const ToolName = z.string().openapi(d('Full tool name, e.g. `mcp__weather__get_weather`.'));

export const StreamEventSchema = z
  .discriminatedUnion('type', [
    ev(
      'turn.started',
      { turn_id: z.uuid().openapi(d('The turn.')), session_id: z.uuid().openapi(d('Its session.')) },
      'The turn began running.',
    ),
    ev('text.delta', { text: z.string().openapi(d('The next piece of the answer text.')) }, 'A piece of the answer text.'),
    ev('thinking.delta', { text: z.string().openapi(d('The next piece of the visible thinking.')) }, 'A piece of the model’s visible thinking.'),
    ev(
      'tool.started',
      { tool_use_id: ToolUseId, name: ToolName, input: z.unknown().openapi(d('The input the model gave the tool (JSON).')) },
      'The agent called a tool.',
    ),
    ev(
      'tool.finished',
      {
        tool_use_id: ToolUseId,
        name: ToolName,
        result: z.string().openapi(d('Tool output text.')),
        is_error: z.boolean().openapi(d('True when the tool reported an error or was denied.')),
      },
      'A tool returned.',
    ),
    ev(
      'permission.requested',
      {
        request_id: RequestId,
        tool_use_id: ToolUseId,
        tool: ToolName,
        input: z.record(z.string(), z.unknown()).openapi(d('The input the tool would run with.')),
        expires_at: z.string().openapi(d('ISO time after which the request is denied on its own (`timeout`).')),
      },
      'A tool needs approval: POST /v1/sessions/{id}/permissions/{request_id}.',
    ),
    ev(
      'permission.resolved',
      {
        request_id: RequestId,
        decision: z.enum(['allow', 'deny']).openapi(d('What was decided.')),
        reason: z.enum(['user', 'timeout', 'interrupted']).openapi(d('Who decided: a person, the approval timeout, or an interrupt.')),
      },
      'A permission request was answered, timed out, or dropped by an interrupt.',
    ),
    ev('usage', { usage: ref(UsageSchema, 'Token usage of the model call.') }, 'Token usage of one model call, when it ends.'),
    ev(
      'model.retry',
      {
        attempt: z.number().int().openapi(d('Which retry this is (1 = the first).')),
        max_retries: z.number().int().openapi(d('Retries allowed in all.')),
        delay_ms: z.number().openapi(d('Wait before the retry, in milliseconds.')),
        error_status: z.number().int().nullable().openapi(d('HTTP status of the failed call; null for a network error.')),
      },
      'A model call failed and will be retried.',
    ),
    ev(
      'turn.finished',
      { turn: ref(TurnSchema, 'The ended turn.') },
      'The turn ended (succeeded or interrupted): exactly what the blocking call returns.',
    ),
    ev(
      'turn.failed',
      {
        code: z.string().openapi(d('The turn error code (see the table above), as in `turn.error.code`.')),
        message: z.string().openapi(d('What went wrong, for a person.')),
        turn: ref(TurnSchema, 'The failed turn.'),
      },
      'The turn failed; `code` says why.',
    ),
  ])
  .openapi('StreamEvent', { description: 'An event of a turn’s Server-Sent Events stream, by `type`.' });

export const TurnAcceptedSchema = z
  .object({
    turn_id: z.uuid().openapi(d('The new turn.')),
    session_id: z.uuid().openapi(d('Its session.')),
    status: z.enum(['queued', 'running']).openapi(d('`queued` when it waits behind a running turn.')),
    links: z
      .object({
        turn: z.string().openapi(d('GET this path for the turn (poll until it ends).')),
        events: z.string().openapi(d('GET this path for its event stream.')),
      })
      .openapi(d('Where to follow the turn.')),
  })
  .openapi('TurnAccepted', { description: 'A turn started in the background (`background: true`).' });

export const PermissionDecisionBody = z
  .object({
    decision: z.enum(['allow', 'deny']).openapi(d('Let the tool run, or refuse it.')),
    message: z.string().max(2000).optional().openapi({ description: 'Shown to the model when denying.' }),
    updated_input: z.record(z.string(), z.unknown()).optional().openapi({ description: 'Run the tool with this input instead.' }),
  })
  .strict()
  .openapi('PermissionDecision', { description: 'A person’s answer to a `permission.requested` event.' });

export const PermissionParams = z.object({
  id: SessionIdParam.shape.id,
  request_id: z.uuid().openapi({ param: { name: 'request_id', in: 'path' }, description: 'The `request_id` of a `permission.requested` event.' }),
});

export const EventsQuery = z.object({
  // Read by the route with the header (one parser, one error code: see http/event-id.ts).
  last_event_id: z.string().optional().openapi({
    description: 'Same as the Last-Event-ID header (which wins): the id of the last event seen, a decimal number.',
    pattern: '^(0|[1-9][0-9]*)$',
  }),
});
