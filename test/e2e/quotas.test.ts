import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountLimits } from '../../src/store/types.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/harness.js';

const DAY_MS = 86_400_000;

/** Quotas and budgets per account, tripped and recovered through the real service. */
describe('account quotas and budgets', () => {
  let t: TestServer;
  const clock = new TestClock();
  beforeAll(async () => {
    t = await startTestServer({ ADMIN_API_KEY: 'quota-test-admin-key-0123456789abcdef0123' }, { clock });
  });
  afterAll(() => t.close());

  /** A new account with these limits, and a JSON caller that uses its key. */
  async function account(name: string, limits: AccountLimits) {
    const a = await t.server.accounts.createAccount({ name, limits });
    const { key } = await t.server.accounts.createKey(a.id, null);
    const call = (method: string, path: string, body?: unknown) => t.json(method, path, body, { authorization: `Bearer ${key}` });
    return { id: a.id, key, call };
  }

  it('caps concurrent turns per account (429 too_many_turns) and frees the slot when a turn ends', async () => {
    const { call } = await account('one-at-a-time', { maxConcurrentTurns: 1 });
    const s1 = (await call('POST', '/v1/sessions')).body.id;
    const s2 = (await call('POST', '/v1/sessions')).body.id;
    const slow = await call('POST', `/v1/sessions/${s1}/messages`, { message: 'MOCK slow 30 a b c d e f g h', background: true });
    expect(slow.status).toBe(202);
    const refused = await call('POST', `/v1/sessions/${s2}/messages`, { message: 'me too' });
    expect(refused).toMatchObject({ status: 429, body: { error: { code: 'too_many_turns', details: { limit: 1 } } } });
    await waitFor(async () => (await call('GET', slow.body.links.turn)).body.status === 'succeeded');
    expect((await call('POST', `/v1/sessions/${s2}/messages`, { message: 'now?' })).status).toBe(200);
  });

  it('caps stored sessions (429 too_many_sessions) on create, on /chat and on fork; deleting one frees a place', async () => {
    const { call } = await account('two-sessions', { maxSessions: 2 });
    const a = (await call('POST', '/v1/sessions')).body.id;
    expect((await call('POST', '/v1/sessions')).status).toBe(201);
    const third = await call('POST', '/v1/sessions');
    expect(third).toMatchObject({ status: 429, body: { error: { code: 'too_many_sessions', details: { limit: 2 } } } });
    expect((await call('POST', '/chat', { message: 'new session please' })).body.error.code).toBe('too_many_sessions');
    expect((await call('POST', `/v1/sessions/${a}/fork`)).body.error.code).toBe('too_many_sessions');
    expect((await call('GET', '/v1/sessions')).body.sessions).toHaveLength(2); // nothing half-made
    expect((await call('DELETE', `/v1/sessions/${a}`)).status).toBe(204);
    expect((await call('POST', '/chat', { message: 'new session please' })).status).toBe(200);
  });

  it('stops new turns once the daily budget is spent, says when it resets, and recovers the next UTC day', async () => {
    // One mock turn costs about $0.002 (usage × list price); the budget is spent by the first.
    const { key, call } = await account('small-budget', { dailyBudgetUsd: 0.0005 });
    const s = (await call('POST', '/v1/sessions')).body.id;
    const first = await call('POST', `/v1/sessions/${s}/messages`, { message: 'spend it' });
    expect(first.status).toBe(200);
    expect(first.body.cost_usd).toBeGreaterThan(0.0005);

    const res = await t.request('POST', `/v1/sessions/${s}/messages`, { message: 'more' }, { authorization: `Bearer ${key}` });
    const body = await res.json();
    const midnight = Math.floor(clock.now() / DAY_MS + 1) * DAY_MS;
    expect(res.status).toBe(429);
    expect(body.error).toMatchObject({ code: 'budget_exceeded', details: { window: 'daily', unit: 'usd', limit: 0.0005 } });
    expect(body.error.details.spent).toBeCloseTo(first.body.cost_usd, 10);
    expect(Date.parse(body.error.details.resets_at)).toBe(midnight);
    // The server rounded up a moment before this clock was read: its value may be one second more.
    const retryAfter = Number(res.headers.get('retry-after'));
    const remaining = Math.ceil((midnight - clock.now()) / 1000);
    expect(retryAfter).toBeGreaterThanOrEqual(remaining);
    expect(retryAfter).toBeLessThanOrEqual(remaining + 1);

    // The usage report shows the spend by day and model, and the budget's state.
    const usage = await call('GET', '/v1/usage');
    expect(usage.body.rows).toEqual([
      expect.objectContaining({ model: 'claude-sonnet-4-5', turns: 1, cost_usd: expect.closeTo(first.body.cost_usd, 10) }),
    ]);
    expect(usage.body.budgets.daily).toMatchObject({ limit_usd: 0.0005, spent_usd: expect.closeTo(first.body.cost_usd, 10) });

    clock.advance(midnight - clock.now() + 1000);
    expect((await call('POST', `/v1/sessions/${s}/messages`, { message: 'a new day' })).status).toBe(200);
  });

  it('a token budget trips the same way', async () => {
    const { call } = await account('few-tokens', { dailyTokens: 10 });
    const s = (await call('POST', '/v1/sessions')).body.id;
    expect((await call('POST', `/v1/sessions/${s}/messages`, { message: 'use tokens' })).status).toBe(200);
    const refused = await call('POST', `/v1/sessions/${s}/messages`, { message: 'again' });
    expect(refused.body.error).toMatchObject({ code: 'budget_exceeded', details: { unit: 'tokens', limit: 10 } });
  });

  it('per-turn max_turns and max_budget_usd may be lowered, never raised above the account’s', async () => {
    const { call } = await account('per-turn', { maxTurns: 3, maxTurnBudgetUsd: 0.2 });
    const s = (await call('POST', '/v1/sessions')).body.id;
    const high = await call('POST', `/v1/sessions/${s}/messages`, { message: 'hi', max_turns: 4 });
    expect(high).toMatchObject({ status: 400, body: { error: { code: 'validation_error', details: { max_turns: 3 } } } });
    const rich = await call('POST', `/v1/sessions/${s}/messages`, { message: 'hi', max_budget_usd: 0.5 });
    expect(rich).toMatchObject({ status: 400, body: { error: { details: { max_budget_usd: 0.2 } } } });
    expect((await call('GET', '/v1/sessions/' + s)).body.turn_count).toBe(0); // refused before anything ran
    // One step allowed: a tool call needs two, so the turn stops at its limit.
    const capped = await call('POST', `/v1/sessions/${s}/messages`, { message: 'What is the weather in Paris?', max_turns: 1 });
    expect(capped.status).toBe(200);
    expect(capped.body).toMatchObject({ status: 'failed', error: { code: 'max_turns' } });
    expect((await call('POST', `/v1/sessions/${s}/messages`, { message: 'What is the weather in Paris?' })).body.status).toBe('succeeded');
  });

  it('admin usage shows every account; an account sees only its own', async () => {
    const a = await account('usage-a', {});
    const b = await account('usage-b', {});
    for (const x of [a, b]) {
      const s = (await x.call('POST', '/v1/sessions')).body.id;
      await x.call('POST', `/v1/sessions/${s}/messages`, { message: 'count me' });
    }
    const all = await t.json('GET', '/v1/admin/usage', undefined, { authorization: 'Bearer quota-test-admin-key-0123456789abcdef0123' });
    const accounts = new Set(all.body.rows.map((r: { account_id: string }) => r.account_id));
    expect(accounts).toContain(a.id);
    expect(accounts).toContain(b.id);
    const own = await a.call('GET', '/v1/usage');
    expect(new Set(own.body.rows.map((r: { account_id: string }) => r.account_id))).toEqual(new Set([a.id]));
  });
});

async function waitFor(cond: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
