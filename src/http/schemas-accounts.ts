import { z } from '@hono/zod-openapi';

/** Schemas of accounts, keys, usage and retention (admin and per-account). */

const positive = (description: string) => z.number().positive().nullable().optional().openapi({ description });
const count = (description: string) => z.number().int().min(1).nullable().optional().openapi({ description });

export const LimitsSchema = z
  .object({
    max_concurrent_turns: count('Turns running at once.'),
    max_sessions: count('Sessions stored at once.'),
    daily_budget_usd: positive('USD per UTC day; new turns answer 429 `budget_exceeded` once spent.'),
    monthly_budget_usd: positive('USD per UTC calendar month.'),
    daily_tokens: count('Input + output tokens per UTC day.'),
    monthly_tokens: count('Input + output tokens per UTC calendar month.'),
    max_turns: count('Agent steps one turn may take at most.'),
    max_turn_budget_usd: positive('USD one turn may spend at most.'),
    retention_days: count('Idle sessions are purged after this many days (only shorter than the server’s RETENTION_DAYS).'),
  })
  .strict()
  .openapi('Limits', { description: 'Per-account limits; null or absent = the server’s default.' });

export const AccountSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    limits: LimitsSchema,
    created_at: z.iso.datetime(),
  })
  .openapi('Account');

export const AccountParam = z.object({
  account_id: z.string().min(1).max(200).openapi({ param: { name: 'account_id', in: 'path' } }),
});

export const KeyParams = AccountParam.extend({
  key_id: z.uuid().openapi({ param: { name: 'key_id', in: 'path' } }),
});

const AccountName = z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,99}$/, 'a name of letters, digits and . _ @ - (max 100)');

export const CreateAccountBody = z.object({ name: AccountName, limits: LimitsSchema.optional() }).strict().openapi('CreateAccount');

export const PatchAccountBody = z
  .object({ name: AccountName.optional(), limits: LimitsSchema.optional().openapi({ description: 'Replaces the limits as a whole.' }) })
  .strict()
  .openapi('PatchAccount');

export const ApiKeySchema = z
  .object({
    id: z.uuid(),
    account_id: z.string(),
    name: z.string().nullable(),
    prefix: z.string().openapi({ description: 'The key’s first characters, to recognise it; the rest is never stored.' }),
    created_at: z.iso.datetime(),
    last_used_at: z.iso.datetime().nullable(),
    revoked_at: z.iso.datetime().nullable(),
  })
  .openapi('ApiKey');

export const CreatedKeySchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: 'The secret key. Shown this once; only its hash is stored.' }),
}).openapi('CreatedApiKey');

export const CreateKeyBody = z.object({ name: z.string().trim().min(1).max(100).optional() }).strict().openapi('CreateApiKey');

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC day as YYYY-MM-DD');

export const UsageQuery = z.object({
  from: Day.optional().openapi({ description: 'First UTC day (default: the first of this month).' }),
  to: Day.optional().openapi({ description: 'Last UTC day (default: today).' }),
});

export const AdminUsageQuery = UsageQuery.extend({ account_id: z.string().min(1).max(200).optional() });

const Tokens = {
  turns: z.number().int(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  cache_read_tokens: z.number().int(),
  cache_write_tokens: z.number().int(),
  cost_usd: z.number(),
};

export const UsageRowSchema = z.object({ account_id: z.string(), day: z.string(), model: z.string(), ...Tokens }).openapi('UsageRow');

const BudgetWindow = z.object({
  limit_usd: z.number().nullable().openapi({ description: 'null = no limit.' }),
  limit_tokens: z.number().int().nullable(),
  spent_usd: z.number(),
  spent_tokens: z.number().int(),
  resets_at: z.iso.datetime(),
});

export const UsageReportSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    rows: z.array(UsageRowSchema).openapi({ description: 'By day, account and model.' }),
    totals: z.object(Tokens),
    budgets: z.object({ daily: BudgetWindow, monthly: BudgetWindow }).optional().openapi({
      description: 'Where the account stands now (per-account report only).',
    }),
  })
  .openapi('UsageReport');

export const PurgeBody = z
  .object({
    dry_run: z.boolean().default(false).openapi({ description: 'Report what would be purged; delete nothing.' }),
    account_id: z.string().min(1).max(200).optional().openapi({ description: 'Only this account’s sessions.' }),
  })
  .strict()
  .openapi('PurgeRequest');

export const PurgeReportSchema = z
  .object({
    dry_run: z.boolean(),
    sessions: z.number().int(),
    turns: z.number().int(),
    events: z.number().int(),
    entries: z.number().int().openapi({ description: 'Transcript entries, subagent transcripts included.' }),
    bytes: z.number().int(),
    local_files: z.number().int().openapi({ description: 'The SDK’s local transcript files removed on this instance.' }),
    session_ids: z.array(z.string()),
  })
  .openapi('PurgeReport');

export const StorageStatsSchema = z
  .object({
    sessions: z.number().int(),
    turns: z.number().int(),
    entries: z.number().int(),
    bytes: z.number().int(),
    oldest_activity_at: z.iso.datetime().nullable(),
    due_for_purge: z.number().int(),
    retention_days: z.number().int().openapi({ description: '0 = sessions are kept forever.' }),
  })
  .openapi('StorageStats');
