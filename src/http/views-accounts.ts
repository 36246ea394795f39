import type { z } from '@hono/zod-openapi';
import type { PurgeResult } from '../retention/service.js';
import { iso } from '../sessions/views.js';
import type { AccountLimits, AccountRecord, ApiKeyRecord, StorageStats, ToolPolicy, UsageRow } from '../store/types.js';
import type { AccountSchema, ApiKeySchema, LimitsSchema, PurgeReportSchema, StorageStatsSchema, ToolPolicySchema, UsageRowSchema } from './schemas-accounts.js';

/** Account, key, usage and retention records → API shapes. */

type LimitsBody = z.infer<typeof LimitsSchema>;

const LIMIT_NAMES = {
  max_concurrent_turns: 'maxConcurrentTurns',
  max_sessions: 'maxSessions',
  daily_budget_usd: 'dailyBudgetUsd',
  monthly_budget_usd: 'monthlyBudgetUsd',
  daily_tokens: 'dailyTokens',
  monthly_tokens: 'monthlyTokens',
  max_turns: 'maxTurns',
  max_turn_budget_usd: 'maxTurnBudgetUsd',
  retention_days: 'retentionDays',
  max_storage_bytes: 'maxStorageBytes',
} as const satisfies Record<keyof LimitsBody, keyof AccountLimits>;

export function limitsFromBody(body: LimitsBody): AccountLimits {
  const out: AccountLimits = {};
  for (const [api, own] of Object.entries(LIMIT_NAMES) as Array<[keyof LimitsBody, keyof AccountLimits]>) {
    const v = body[api];
    if (v !== undefined && v !== null) out[own] = v;
  }
  return out;
}

export function limitsView(limits: AccountLimits): LimitsBody {
  const out: LimitsBody = {};
  for (const [api, own] of Object.entries(LIMIT_NAMES) as Array<[keyof LimitsBody, keyof AccountLimits]>) {
    out[api] = limits[own] ?? null;
  }
  return out;
}

type ToolPolicyBody = z.infer<typeof ToolPolicySchema>;

export const toolPolicyFromBody = (b: ToolPolicyBody): ToolPolicy => ({
  ...(b.builtin_tools != null ? { builtinTools: [...new Set(b.builtin_tools)] } : {}),
  ...(b.allowed_domains != null ? { allowedDomains: [...new Set(b.allowed_domains)] } : {}),
});

export const toolPolicyView = (p: ToolPolicy): ToolPolicyBody => ({
  builtin_tools: p.builtinTools ?? null,
  allowed_domains: p.allowedDomains ?? null,
});

export const accountView = (a: AccountRecord): z.infer<typeof AccountSchema> => ({
  id: a.id,
  name: a.name,
  limits: limitsView(a.limits),
  tool_policy: toolPolicyView(a.toolPolicy),
  created_at: iso(a.createdAt),
});

export const keyView = (k: ApiKeyRecord): z.infer<typeof ApiKeySchema> => ({
  id: k.id,
  account_id: k.accountId,
  name: k.name,
  prefix: k.prefix,
  created_at: iso(k.createdAt),
  last_used_at: k.lastUsedAt === null ? null : iso(k.lastUsedAt),
  revoked_at: k.revokedAt === null ? null : iso(k.revokedAt),
});

export const usageRowView = (r: UsageRow): z.infer<typeof UsageRowSchema> => ({
  account_id: r.accountId,
  day: r.day,
  model: r.model,
  turns: r.turns,
  input_tokens: r.inputTokens,
  output_tokens: r.outputTokens,
  cache_read_tokens: r.cacheReadTokens,
  cache_write_tokens: r.cacheWriteTokens,
  cost_usd: r.costUsd,
});

export function usageTotals(rows: UsageRow[]) {
  const t = { turns: 0, input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, cost_usd: 0 };
  for (const r of rows.map(usageRowView)) {
    for (const k of Object.keys(t) as Array<keyof typeof t>) t[k] += r[k];
  }
  return t;
}

export const statsView = (s: StorageStats & { retentionDays: number }): z.infer<typeof StorageStatsSchema> => ({
  sessions: s.sessions,
  turns: s.turns,
  entries: s.entries,
  bytes: s.bytes,
  oldest_activity_at: s.oldestActivityAt === null ? null : iso(s.oldestActivityAt),
  due_for_purge: s.dueForPurge,
  retention_days: s.retentionDays,
});

export const purgeView = (r: PurgeResult): z.infer<typeof PurgeReportSchema> => ({
  dry_run: r.dryRun,
  sessions: r.sessions,
  turns: r.turns,
  events: r.events,
  entries: r.entries,
  bytes: r.bytes,
  local_files: r.localFiles,
  session_ids: r.sessionIds,
});
