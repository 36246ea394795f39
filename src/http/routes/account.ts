import { createRoute, z } from '@hono/zod-openapi';
import { dayOf, monthStartOf, type Limits } from '../../accounts/limits.js';
import type { AccountService } from '../../accounts/service.js';
import type { RetentionService } from '../../retention/service.js';
import type { ApiApp } from '../app.js';
import { LimitsSchema, StorageStatsSchema, UsageQuery, UsageReportSchema } from '../schemas-accounts.js';
import { limitsView, statsView, usageRowView, usageTotals } from '../views-accounts.js';
import { account, authErrors, json } from './helpers.js';
import { ErrorSchema, ref } from '../schemas.js';

/** What an account can see about itself: its limits, usage and storage. */

const me = createRoute({
  method: 'get',
  path: '/v1/account',
  operationId: 'account.get',
  summary: 'The calling account and the limits in force for it',
  responses: {
    200: json(
      z
        .object({
          id: z.string().openapi({ description: 'Account id.' }),
          limits: ref(LimitsSchema, 'The limits in force: the account’s own, else the server’s defaults (null = unlimited).'),
          tool_policy: z
            .object({
              builtin_tools: z.array(z.string()).openapi({ description: 'Built-in tools this account’s agents may use (the server’s, narrowed by the account’s policy).' }),
              allowed_domains: z.array(z.string()).openapi({ description: 'The account’s egress allowlist (empty: no network).' }),
            })
            .openapi({ description: 'The tool policy in force.' }),
        })
        .openapi('CurrentAccount'),
      'The account',
    ),
    ...authErrors,
  },
});

const usage = createRoute({
  method: 'get',
  path: '/v1/usage',
  operationId: 'account.usage',
  summary: 'The account’s usage by UTC day and model, and where it stands against its budgets',
  request: { query: UsageQuery },
  responses: { 200: json(UsageReportSchema, 'Usage'), 400: json(ErrorSchema, 'Invalid range'), ...authErrors },
});

const stats = createRoute({
  method: 'get',
  path: '/v1/storage-stats',
  operationId: 'account.storageStats',
  summary: 'What the account stores, and how much of it is due for purge',
  responses: { 200: json(StorageStatsSchema, 'Storage'), ...authErrors },
});

/** `from`..`to` defaulting to this month so far. */
export function usageRange(q: { from?: string; to?: string }, now: number): { from: string; to: string } {
  return { from: q.from ?? monthStartOf(now), to: q.to ?? dayOf(now) };
}

/** Limits with 0 ("unlimited") shown as null, the way an account's own limits are. */
const effective = (l: Limits) => limitsView(Object.fromEntries(Object.entries(l).map(([k, v]) => [k, v || null])));

export function registerAccountRoutes(app: ApiApp, accounts: AccountService, retention: RetentionService): void {
  app.openapi(me, async (c) => {
    const { accountId, limits } = account(c);
    const policy = await accounts.toolPolicy(accountId);
    return c.json({ id: accountId, limits: effective(limits), tool_policy: { builtin_tools: policy.builtinTools, allowed_domains: policy.allowedDomains } }, 200);
  });

  app.openapi(usage, async (c) => {
    const { accountId, limits } = account(c);
    const { from, to } = usageRange(c.req.valid('query'), accounts.now());
    const [rows, b] = await Promise.all([accounts.usage(accountId, from, to), accounts.budgets(accountId, limits)]);
    const window = (w: typeof b.daily) => ({
      limit_usd: w.limitUsd || null,
      limit_tokens: w.limitTokens || null,
      spent_usd: w.spent.costUsd,
      spent_tokens: w.spent.tokens,
      resets_at: new Date(w.resetsAt).toISOString(),
    });
    return c.json(
      { from, to, rows: rows.map(usageRowView), totals: usageTotals(rows), budgets: { daily: window(b.daily), monthly: window(b.monthly) } },
      200,
    );
  });

  app.openapi(stats, async (c) => c.json(statsView(await retention.stats(account(c).accountId)), 200));
}
