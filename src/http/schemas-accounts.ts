import { z } from '@hono/zod-openapi';
import { ref } from './schemas.js';

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
    max_storage_bytes: count('Bytes all of the account’s session workspaces may hold; an upload past it answers 413 `storage_quota_exceeded`.'),
  })
  .strict()
  .openapi('Limits', { description: 'Per-account limits; null or absent = the server’s default.' });

const ToolName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'a built-in tool name such as Bash or Read');
const DomainName = z
  .string()
  .regex(/^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'a lower-case domain such as example.com or *.example.com');

export const ToolPolicySchema = z
  .object({
    builtin_tools: z.array(ToolName).max(64).nullable().optional().openapi({
      description: 'Built-in tools (Bash, Read, …) this account’s agents may use; only tools the server enables (CLAUDE_BUILTIN_TOOLS) take effect. Null = all of the server’s.',
    }),
    allowed_domains: z.array(DomainName).max(256).nullable().optional().openapi({
      description: 'Egress allowlist for the account’s agents (recorded; egress itself is not available yet, see README).',
    }),
  })
  .strict()
  .openapi('ToolPolicy', { description: 'What the admin allows an account’s agents; null or absent = the server’s configuration.' });

export const AccountSchema = z
  .object({
    id: z.string().openapi({ description: 'Account id.' }),
    name: z.string().openapi({ description: 'Unique name; the CLI accepts it in place of the id.' }),
    limits: ref(LimitsSchema, 'The account’s own limits (null = the server’s default).'),
    tool_policy: ref(ToolPolicySchema, 'The account’s own tool policy (null = the server’s configuration).'),
    created_at: z.iso.datetime().openapi({ description: 'When the account was created.' }),
  })
  .openapi('Account', { description: 'A tenant: its sessions, keys, usage and limits are its own.' });

export const AccountParam = z.object({
  account_id: z.string().min(1).max(200).openapi({ param: { name: 'account_id', in: 'path' }, description: 'Account id.' }),
});

export const KeyParams = AccountParam.extend({
  key_id: z.uuid().openapi({ param: { name: 'key_id', in: 'path' }, description: 'API key id (not the secret).' }),
});

const AccountName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,99}$/, 'a name of letters, digits and . _ @ - (max 100)')
  .openapi({ description: 'Unique account name: letters, digits, space and . _ @ - (up to 100).' });

export const CreateAccountBody = z
  .object({ name: AccountName, limits: ref(LimitsSchema, 'Limits; absent ones are the server’s defaults.').optional() })
  .strict()
  .openapi('CreateAccount');

export const PatchAccountBody = z
  .object({
    name: AccountName.optional(),
    limits: ref(LimitsSchema, 'Replaces the limits as a whole.').optional(),
    tool_policy: ref(ToolPolicySchema, 'Replaces the tool policy as a whole.').optional(),
  })
  .strict()
  .openapi('PatchAccount');

export const ApiKeySchema = z
  .object({
    id: z.uuid().openapi({ description: 'Key id (not the secret).' }),
    account_id: z.string().openapi({ description: 'The account the key acts for.' }),
    name: z.string().nullable().openapi({ description: 'A label; null if none.' }),
    prefix: z.string().openapi({ description: 'The key’s first characters, to recognise it; the rest is never stored.' }),
    created_at: z.iso.datetime().openapi({ description: 'When the key was created.' }),
    last_used_at: z.iso.datetime().nullable().openapi({ description: 'When it last authenticated a request (roughly); null if never.' }),
    revoked_at: z.iso.datetime().nullable().openapi({ description: 'When it was revoked; null while it works.' }),
  })
  .openapi('ApiKey', { description: 'An API key’s record; the secret itself is never shown again.' });

export const CreatedKeySchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: 'The secret key. Shown this once; only its hash is stored.' }),
}).openapi('CreatedApiKey');

export const CreateKeyBody = z
  .object({ name: z.string().trim().min(1).max(100).optional().openapi({ description: 'A label for the key (up to 100 characters).' }) })
  .strict()
  .openapi('CreateApiKey');

/** A real calendar day: `2024-13-45` has the right shape but is no day, so it is refused rather than echoed. */
const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC day as YYYY-MM-DD')
  .refine((d) => {
    const t = Date.parse(`${d}T00:00:00Z`);
    return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === d;
  }, 'not a calendar day');

export const UsageQuery = z.object({
  from: Day.optional().openapi({ description: 'First UTC day (default: the first of this month).' }),
  to: Day.optional().openapi({ description: 'Last UTC day (default: today).' }),
});

export const AdminUsageQuery = UsageQuery.extend({
  account_id: z.string().min(1).max(200).optional().openapi({ description: 'Only this account (default: every account).' }),
});

const Tokens = {
  turns: z.number().int().openapi({ description: 'Turns that ran.' }),
  input_tokens: z.number().int().openapi({ description: 'Input tokens (not from or into the prompt cache).' }),
  output_tokens: z.number().int().openapi({ description: 'Output tokens.' }),
  cache_read_tokens: z.number().int().openapi({ description: 'Input tokens read from the prompt cache.' }),
  cache_write_tokens: z.number().int().openapi({ description: 'Input tokens written to the prompt cache.' }),
  cost_usd: z.number().openapi({ description: 'Estimated cost in USD.' }),
};

export const UsageRowSchema = z
  .object({
    account_id: z.string().openapi({ description: 'Account id.' }),
    day: z.string().openapi({ description: 'UTC day, YYYY-MM-DD.' }),
    model: z.string().openapi({ description: 'The model the turns ran on.' }),
    ...Tokens,
  })
  .openapi('UsageRow', { description: 'Usage of one account on one model on one UTC day.' });

const BudgetWindow = (window: string) =>
  z
    .object({
      limit_usd: z.number().nullable().openapi({ description: 'USD budget; null = no limit.' }),
      limit_tokens: z.number().int().nullable().openapi({ description: 'Token budget (input + output); null = no limit.' }),
      spent_usd: z.number().openapi({ description: 'USD spent so far in this window.' }),
      spent_tokens: z.number().int().openapi({ description: 'Tokens (input + output) used so far in this window.' }),
      resets_at: z.iso.datetime().openapi({ description: 'When the window starts afresh (UTC midnight).' }),
    })
    .openapi({ description: `The ${window} budget.` });

export const UsageReportSchema = z
  .object({
    from: z.string().openapi({ description: 'First UTC day covered, YYYY-MM-DD.' }),
    to: z.string().openapi({ description: 'Last UTC day covered, YYYY-MM-DD.' }),
    rows: z.array(UsageRowSchema).openapi({ description: 'By day, account and model.' }),
    totals: z.object(Tokens).openapi({ description: 'The rows summed.' }),
    budgets: z.object({ daily: BudgetWindow('daily (UTC day)'), monthly: BudgetWindow('monthly (UTC calendar month)') }).optional().openapi({
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
    dry_run: z.boolean().openapi({ description: 'True when nothing was deleted (a report of what would be).' }),
    sessions: z.number().int().openapi({ description: 'Sessions purged.' }),
    turns: z.number().int().openapi({ description: 'Their turns.' }),
    events: z.number().int().openapi({ description: 'Their stored stream events.' }),
    entries: z.number().int().openapi({ description: 'Transcript entries, subagent transcripts included.' }),
    bytes: z.number().int().openapi({ description: 'Size of the transcript entries, in bytes.' }),
    local_files: z.number().int().openapi({ description: 'The SDK’s local transcript files removed on this instance.' }),
    session_ids: z.array(z.string()).openapi({ description: 'The sessions purged.' }),
  })
  .openapi('PurgeReport', { description: 'What a purge removed (or, with dry_run, would remove).' });

export const StorageStatsSchema = z
  .object({
    sessions: z.number().int().openapi({ description: 'Sessions stored.' }),
    turns: z.number().int().openapi({ description: 'Turns stored.' }),
    entries: z.number().int().openapi({ description: 'Transcript entries stored, subagent transcripts included.' }),
    bytes: z.number().int().openapi({ description: 'Size of the transcript entries, in bytes.' }),
    oldest_activity_at: z.iso.datetime().nullable().openapi({ description: 'Last activity of the longest-idle session; null if none.' }),
    due_for_purge: z.number().int().openapi({ description: 'Sessions idle past their retention, purged at the next sweep.' }),
    retention_days: z.number().int().openapi({ description: '0 = sessions are kept forever.' }),
  })
  .openapi('StorageStats', { description: 'What the store holds.' });
