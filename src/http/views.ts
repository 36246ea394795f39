import type { z } from '@hono/zod-openapi';
import type { SessionRecord, TurnRecord } from '../store/types.js';
import { iso, turnView } from '../sessions/views.js';
import type { ChatResponseSchema, HistoryMessageSchema, SeedSessionSchema, SessionSchema } from './schemas.js';

export { turnView };

/** Domain records → API shapes (snake_case, ISO timestamps). */


export function sessionView(s: SessionRecord): z.infer<typeof SessionSchema> {
  return {
    id: s.id,
    title: s.title,
    tags: s.tags,
    status: s.status,
    model: s.model,
    system_prompt: s.systemPrompt,
    approval_tools: s.approvalTools,
    builtin_tools: s.builtinTools,
    created_at: iso(s.createdAt),
    last_active_at: iso(s.lastActiveAt),
    turn_count: s.turnCount,
    usage: s.usage,
    cost_usd: s.costUsd,
    forked_from: s.forkedFrom,
  };
}

export function historyView(turns: TurnRecord[]): z.infer<typeof HistoryMessageSchema>[] {
  return turns.flatMap((t) => {
    const user = { role: 'user' as const, turn_id: t.id, content: t.prompt, created_at: iso(t.createdAt) };
    if (t.status === 'queued' || t.status === 'running') return [user];
    const v = turnView(t);
    return [
      user,
      {
        role: 'assistant' as const,
        turn_id: t.id,
        status: v.status,
        content: v.response_text,
        tool_calls: v.tool_calls,
        error: v.error,
        cost_usd: v.cost_usd,
        duration_ms: v.duration_ms,
        usage: v.usage,
        created_at: v.finished_at,
      },
    ];
  });
}

const seedToolCalls = (t: TurnRecord) =>
  t.toolCalls.map((c) => ({ tool_name: c.name, tool_input: c.input, tool_result: c.result, is_error: c.is_error }));

/** The seed's POST /chat answer. A failed turn carries its error message as the response text. */
export function chatView(t: TurnRecord): z.infer<typeof ChatResponseSchema> {
  const failed = t.status !== 'succeeded';
  return {
    session_id: t.sessionId,
    response_text: failed && !t.responseText ? (t.errorMessage ?? 'The turn failed.') : t.responseText,
    tool_calls: seedToolCalls(t),
    is_error: failed,
    cost_usd: t.costUsd,
    duration_ms: t.durationMs,
  };
}

export function seedSessionView(s: SessionRecord, turns: TurnRecord[]): z.infer<typeof SeedSessionSchema> {
  return {
    session_id: s.id,
    title: s.title,
    created_at: iso(s.createdAt),
    turn_count: s.turnCount,
    total_cost_usd: s.costUsd,
    messages: turns.flatMap((t) => {
      const user = { role: 'user' as const, content: t.prompt };
      if (t.status === 'queued' || t.status === 'running') return [user];
      const chat = chatView(t);
      return [
        user,
        {
          role: 'assistant' as const,
          content: chat.response_text,
          tool_calls: chat.tool_calls,
          is_error: chat.is_error,
          cost_usd: chat.cost_usd,
          duration_ms: chat.duration_ms,
        },
      ];
    }),
  };
}
