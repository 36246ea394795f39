import { createRoute, z } from '@hono/zod-openapi';
import type { AccountService } from '../../accounts/service.js';
import type { RetentionService } from '../../retention/service.js';
import type { ApiApp } from '../app.js';
import {
  AccountParam,
  AccountSchema,
  AdminUsageQuery,
  ApiKeySchema,
  CreateAccountBody,
  CreatedKeySchema,
  CreateKeyBody,
  KeyParams,
  PatchAccountBody,
  PurgeBody,
  PurgeReportSchema,
  StorageStatsSchema,
  UsageReportSchema,
} from '../schemas-accounts.js';
import { accountView, keyView, limitsFromBody, toolPolicyFromBody, purgeView, statsView, usageRowView, usageTotals } from '../views-accounts.js';
import { body, errorsFor, json } from './helpers.js';
import { usageRange } from './account.js';

/** `/v1/admin/...`: accounts, keys, usage of all accounts, retention. Needs the admin key. */


const createAccount = createRoute({
  method: 'post',
  path: '/v1/admin/accounts',
  operationId: 'admin.accounts.create',
  summary: 'Create an account',
  request: body(CreateAccountBody),
  responses: { 201: json(AccountSchema, 'The account'), ...errorsFor('conflict') },
});
const listAccounts = createRoute({
  method: 'get',
  path: '/v1/admin/accounts',
  operationId: 'admin.accounts.list',
  summary: 'List accounts',
  responses: { 200: json(z.object({ accounts: z.array(AccountSchema).openapi({ description: 'Every account.' }) }), 'Every account') },
});
const getAccount = createRoute({
  method: 'get',
  path: '/v1/admin/accounts/{account_id}',
  operationId: 'admin.accounts.get',
  summary: 'Get an account',
  request: { params: AccountParam },
  responses: { 200: json(AccountSchema, 'The account'), ...errorsFor('account_not_found') },
});
const patchAccount = createRoute({
  method: 'patch',
  path: '/v1/admin/accounts/{account_id}',
  operationId: 'admin.accounts.update',
  summary: 'Rename an account or set its limits',
  request: { params: AccountParam, ...body(PatchAccountBody) },
  responses: { 200: json(AccountSchema, 'The account'), ...errorsFor('account_not_found', 'conflict') },
});
const createKey = createRoute({
  method: 'post',
  path: '/v1/admin/accounts/{account_id}/keys',
  operationId: 'admin.keys.create',
  summary: 'Create an API key for an account; the secret is in this response only',
  request: { params: AccountParam, ...body(CreateKeyBody, false) },
  responses: { 201: json(CreatedKeySchema, 'The key, with its secret'), ...errorsFor('account_not_found') },
});
const listKeys = createRoute({
  method: 'get',
  path: '/v1/admin/accounts/{account_id}/keys',
  operationId: 'admin.keys.list',
  summary: 'List an account’s keys (prefixes only)',
  request: { params: AccountParam },
  responses: { 200: json(z.object({ keys: z.array(ApiKeySchema).openapi({ description: 'The account’s keys, revoked ones included.' }) }), 'The keys'), ...errorsFor('account_not_found') },
});
const revokeKey = createRoute({
  method: 'delete',
  path: '/v1/admin/accounts/{account_id}/keys/{key_id}',
  operationId: 'admin.keys.revoke',
  summary: 'Revoke a key: it stops working at once, on every instance',
  request: { params: KeyParams },
  responses: { 200: json(ApiKeySchema, 'The revoked key'), ...errorsFor('account_not_found', 'api_key_not_found') },
});
const usage = createRoute({
  method: 'get',
  path: '/v1/admin/usage',
  operationId: 'admin.usage',
  summary: 'Usage of every account (or one) by UTC day and model',
  request: { query: AdminUsageQuery },
  responses: { 200: json(UsageReportSchema, 'Usage') },
});
const purge = createRoute({
  method: 'post',
  path: '/v1/admin/purge',
  operationId: 'admin.purge',
  summary: 'Purge sessions past their retention now (or, with dry_run, report what would go)',
  request: body(PurgeBody, false),
  responses: { 200: json(PurgeReportSchema, 'What was (or would be) purged') },
});
const stats = createRoute({
  method: 'get',
  path: '/v1/admin/storage-stats',
  operationId: 'admin.storageStats',
  summary: 'What the whole store holds, and how much is due for purge',
  responses: { 200: json(StorageStatsSchema, 'Storage') },
});

export function registerAdminRoutes(app: ApiApp, accounts: AccountService, retention: RetentionService): void {
  app.openapi(createAccount, async (c) => {
    const { name, limits } = c.req.valid('json');
    return c.json(accountView(await accounts.createAccount({ name, limits: limitsFromBody(limits ?? {}) })), 201);
  });
  app.openapi(listAccounts, async (c) => c.json({ accounts: (await accounts.listAccounts()).map(accountView) }, 200));
  app.openapi(getAccount, async (c) => c.json(accountView(await accounts.getAccount(c.req.valid('param').account_id)), 200));
  app.openapi(patchAccount, async (c) => {
    const { name, limits, tool_policy } = c.req.valid('json');
    const patch = {
      ...(name !== undefined ? { name } : {}),
      ...(limits !== undefined ? { limits: limitsFromBody(limits) } : {}),
      ...(tool_policy !== undefined ? { toolPolicy: toolPolicyFromBody(tool_policy) } : {}),
    };
    return c.json(accountView(await accounts.updateAccount(c.req.valid('param').account_id, patch)), 200);
  });

  app.openapi(createKey, async (c) => {
    // `local` (keyless mode's implicit account) is created on its first key: see AccountService.accountForKey.
    const { id } = await accounts.accountForKey(c.req.valid('param').account_id);
    const { key, record } = await accounts.createKey(id, c.req.valid('json')?.name ?? null);
    return c.json({ ...keyView(record), key }, 201);
  });
  app.openapi(listKeys, async (c) => c.json({ keys: (await accounts.listKeys(c.req.valid('param').account_id)).map(keyView) }, 200));
  app.openapi(revokeKey, async (c) => {
    const { account_id, key_id } = c.req.valid('param');
    return c.json(keyView(await accounts.revokeKey(account_id, key_id)), 200);
  });

  app.openapi(usage, async (c) => {
    const q = c.req.valid('query');
    const { from, to } = usageRange(q, accounts.now());
    const rows = await accounts.usage(q.account_id ?? null, from, to);
    return c.json({ from, to, rows: rows.map(usageRowView), totals: usageTotals(rows) }, 200);
  });
  app.openapi(purge, async (c) => {
    const b = c.req.valid('json') ?? { dry_run: false };
    return c.json(purgeView(await retention.purge({ dryRun: b.dry_run, ...(b.account_id ? { accountId: b.account_id } : {}) })), 200);
  });
  app.openapi(stats, async (c) => c.json(statsView(await retention.stats(null)), 200));
}
