import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputTokens } from '../../mock-model/request.js';
import { costOf } from '../../src/gateway/prices.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { promSum } from '../helpers/prom-text.js';
import { createTenant, type Tenant } from '../helpers/tenants.js';

/**
 * The gateway's ledger (issue 19): every model call a sandboxed agent makes is one row, with the
 * usage read from the upstream's own response. The rows equal what mock-model reported for each
 * request, and their sums equal the SDK's totals for the turn.
 */
describe('model-call ledger', () => {
  let t: TestServer;
  let a: Tenant;
  let b: Tenant;

  beforeAll(async () => {
    t = await startTestServer({ CLAUDE_BUILTIN_TOOLS: 'Bash', ADMIN_API_KEY: 'admin-key-ledger-'.padEnd(48, 'a'), SANDBOX_MEMORY_MB: '2048' });
    expect((await t.json('GET', '/health')).body.sandbox).toMatchObject({ kind: 'bubblewrap' });
    a = await createTenant(t, 'ledger-a');
    b = await createTenant(t, 'ledger-b');
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const messagesCalls = (since: number) => t.mock.requests.filter((r) => r.method === 'POST' && r.path === '/v1/messages' && r.at >= since);

  it('a turn with a tool call: one row per model call, each equal to the mock-model usage, summing to the SDK totals', async () => {
    const sid = await a.newSession();
    const since = Date.now();
    const turn = await a.say(sid, `MOCK tool Bash ${JSON.stringify({ command: 'echo ledger' })}`);
    expect(turn.status).toBe('succeeded');
    const sent = messagesCalls(since);
    // The tool call and the answer after it: at least two model calls.
    expect(sent.length).toBeGreaterThanOrEqual(2);

    const rows = await t.server.store.modelCalls.list({ accountId: a.id, turnId: turn.id });
    expect(rows.map((r) => r.sessionId)).toEqual(sent.map(() => sid));
    expect(rows.every((r) => r.status === 200 && r.retries === 0 && r.model === sent[0]!.body.model)).toBe(true);
    // Each call's input is what mock-model counted for that request body (order is the calls' order).
    expect(rows.map((r) => r.inputTokens)).toEqual(sent.map((r) => inputTokens(r.body)));
    expect(rows.every((r) => r.outputTokens > 0 && r.cacheReadTokens === 0 && r.cacheWriteTokens === 0)).toBe(true);
    for (const r of rows) expect(r.costUsd).toBeCloseTo(costOf(r.model, r)!, 12);

    // The SDK's own totals for the turn are the sums of the rows.
    const totals = await t.server.store.modelCalls.totals({ accountId: a.id, turnId: turn.id });
    expect(totals.calls).toBe(rows.length);
    expect({ input: totals.inputTokens, output: totals.outputTokens }).toEqual({
      input: turn.usage.input_tokens,
      output: turn.usage.output_tokens,
    });
    expect(totals.costUsd).toBeCloseTo(turn.cost_usd, 9);

    // Each call is one observation of the model-call latency histogram.
    // (No other call has been made yet: the histogram holds exactly the account's rows.)
    const metrics = await (await t.request('GET', '/metrics', undefined, { authorization: `Bearer ${t.config.auth.adminKey}` })).text();
    const all = await t.server.store.modelCalls.list({ accountId: a.id });
    expect(promSum(metrics, 'caa_model_call_duration_seconds_count', { status: '200' })).toBe(all.length);
  }, 180_000);

  it("charges each tenant its own calls, and one turn's rows never carry another's", async () => {
    const [sa, sb] = await Promise.all([a.newSession(), b.newSession()]);
    const [ta, tb] = await Promise.all([a.say(sa, 'hello from a'), b.say(sb, 'hello from b, a little longer')]);
    const ra = await t.server.store.modelCalls.list({ accountId: a.id, sessionId: sa });
    const rb = await t.server.store.modelCalls.list({ accountId: b.id, sessionId: sb });
    expect(ra.length).toBeGreaterThan(0);
    expect(rb.length).toBeGreaterThan(0);
    expect(ra.every((r) => r.turnId === ta.id && r.accountId === a.id)).toBe(true);
    expect(rb.every((r) => r.turnId === tb.id && r.accountId === b.id)).toBe(true);
    // Another account's filter sees none of them.
    expect(await t.server.store.modelCalls.list({ accountId: b.id, sessionId: sa })).toEqual([]);
  }, 180_000);
});
