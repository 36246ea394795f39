import type { Selectable } from 'kysely';
import { toInt } from './rows.js';
import type { AccountsTable, ApiKeysTable, UsageDailyTable } from './schema.js';
import type { AccountLimits, AccountRecord, ApiKeyRecord, ToolPolicy, UsageRow } from './types.js';

/** Where `accounts`, `api_keys` and `usage_daily` rows become records, for every backend. */

export type AccountRow = Selectable<AccountsTable>;
/** Key rows are never read with their hash: nothing past `findKey`'s WHERE needs it. */
export type ApiKeyRow = Omit<Selectable<ApiKeysTable>, 'hash'>;
export type UsageDailyRow = Selectable<UsageDailyTable>;

/** Every `api_keys` column except `hash`, for `select(...)`. */
export const KEY_COLUMNS = ['id', 'account_id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at'] as const;

/** Limits are written by this code, but a hand-edited row must not take the account down. */
export function parseLimits(text: string): AccountLimits {
  return parseObject(text) as AccountLimits;
}

export function parseToolPolicy(text: string): ToolPolicy {
  return parseObject(text) as ToolPolicy;
}

function parseObject(text: string): object {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

export function accountFromRow(row: AccountRow): AccountRecord {
  return { id: row.id, name: row.name, limits: parseLimits(row.limits), toolPolicy: parseToolPolicy(row.tool_policy), createdAt: toInt(row.created_at) };
}

export function keyFromRow(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    prefix: row.prefix,
    createdAt: toInt(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : toInt(row.last_used_at),
    revokedAt: row.revoked_at === null ? null : toInt(row.revoked_at),
  };
}

/** `findKey`'s join: the key's columns (hash excepted) and its account's, renamed apart. */
export const FOUND_KEY_COLUMNS = [
  'api_keys.id',
  'api_keys.account_id',
  'api_keys.name',
  'api_keys.prefix',
  'api_keys.created_at',
  'api_keys.last_used_at',
  'api_keys.revoked_at',
  'accounts.name as account_name',
  'accounts.limits as account_limits',
  'accounts.tool_policy as account_tool_policy',
  'accounts.created_at as account_created_at',
] as const;

export function foundKeyFromRow(
  row: ApiKeyRow & { account_name: string; account_limits: string; account_tool_policy: string; account_created_at: number | string },
): { key: ApiKeyRecord; account: AccountRecord } {
  return {
    key: keyFromRow(row),
    account: accountFromRow({
      id: row.account_id,
      name: row.account_name,
      limits: row.account_limits,
      tool_policy: row.account_tool_policy,
      created_at: row.account_created_at,
    }),
  };
}

export function usageFromRow(row: UsageDailyRow): UsageRow {
  return {
    accountId: row.account_id,
    day: row.day,
    model: row.model,
    turns: toInt(row.turns),
    inputTokens: toInt(row.input_tokens),
    outputTokens: toInt(row.output_tokens),
    cacheReadTokens: toInt(row.cache_read_tokens),
    cacheWriteTokens: toInt(row.cache_write_tokens),
    costUsd: Number(row.cost_usd),
  };
}

/** `spentSince`'s sums: SQL SUM gives NULL over no rows, and PostgreSQL's SUM(bigint) is a numeric string. */
export function spentFromRow(row: { cost: number | string | null; tokens: number | string | null } | undefined): {
  costUsd: number;
  tokens: number;
} {
  return { costUsd: Number(row?.cost ?? 0), tokens: Number(row?.tokens ?? 0) };
}
