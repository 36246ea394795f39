import { z } from 'zod';

/**
 * What the agent does during a turn, as our own typed events (the SDK's message shapes stay inside
 * runtime/). The sessions domain adds turn.started / turn.finished / turn.failed around these.
 */

export const TokenUsageSchema = z.object({
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  cache_read_input_tokens: z.number().int().nonnegative(),
  cache_creation_input_tokens: z.number().int().nonnegative(),
});

export const TextDeltaEvent = z.object({ type: z.literal('text.delta'), text: z.string() });
export const ThinkingDeltaEvent = z.object({ type: z.literal('thinking.delta'), text: z.string() });
export const ToolStartedEvent = z.object({
  type: z.literal('tool.started'),
  tool_use_id: z.string(),
  name: z.string(),
  input: z.unknown(),
});
export const ToolFinishedEvent = z.object({
  type: z.literal('tool.finished'),
  tool_use_id: z.string(),
  name: z.string(),
  result: z.string(),
  is_error: z.boolean(),
});
/** Token usage of one model call inside the turn, as soon as the call ends. */
export const UsageEvent = z.object({ type: z.literal('usage'), usage: TokenUsageSchema });
/** The model call failed and the CLI will retry it after `delay_ms`. */
export const ModelRetryEvent = z.object({
  type: z.literal('model.retry'),
  attempt: z.number().int(),
  max_retries: z.number().int(),
  delay_ms: z.number(),
  error_status: z.number().int().nullable(),
});

/** The agent wants a tool that needs a person's approval; answer with POST …/permissions/{request_id}. */
export const PermissionRequestedEvent = z.object({
  type: z.literal('permission.requested'),
  request_id: z.string(),
  tool_use_id: z.string(),
  tool: z.string(),
  input: z.record(z.string(), z.unknown()),
  expires_at: z.string(),
});
export const PermissionResolvedEvent = z.object({
  type: z.literal('permission.resolved'),
  request_id: z.string(),
  decision: z.enum(['allow', 'deny']),
  reason: z.enum(['user', 'timeout', 'interrupted']),
});

export const AgentEventSchema = z.discriminatedUnion('type', [
  TextDeltaEvent,
  ThinkingDeltaEvent,
  ToolStartedEvent,
  ToolFinishedEvent,
  UsageEvent,
  ModelRetryEvent,
  PermissionRequestedEvent,
  PermissionResolvedEvent,
]);
export type AgentEvent = z.infer<typeof AgentEventSchema>;
