import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { createTenant, type Tenant } from '../helpers/tenants.js';

const ADMIN_KEY = 'admin-key-for-tool-policy-tests-'.padEnd(48, 'p');

/** The admin narrows an account's built-in tools; its agents see refused calls, never a 5xx. */
describe('per-account tool policy', () => {
  let t: TestServer;
  let a: Tenant;
  const admin = { authorization: `Bearer ${ADMIN_KEY}` };
  beforeAll(async () => {
    t = await startTestServer({ CLAUDE_BUILTIN_TOOLS: 'Bash,Read,Write', ADMIN_API_KEY: ADMIN_KEY });
    a = await createTenant(t, 'narrowed');
  }, 60_000);
  afterAll(() => t?.close());

  it('defaults to the server’s tools; PATCH narrows them, shown by the admin and by GET /v1/account', async () => {
    expect((await t.json('GET', '/v1/account', undefined, a.headers)).body.tool_policy).toEqual({ builtin_tools: ['Bash', 'Read', 'Write'], allowed_domains: [] });
    const patched = await t.json('PATCH', `/v1/admin/accounts/${a.id}`, { tool_policy: { builtin_tools: ['Read', 'Grep'], allowed_domains: ['example.com'] } }, admin);
    expect(patched.status).toBe(200);
    expect(patched.body.tool_policy).toEqual({ builtin_tools: ['Read', 'Grep'], allowed_domains: ['example.com'] });
    // Grep is not offered by the server, so the account cannot have it.
    expect((await t.json('GET', '/v1/account', undefined, a.headers)).body.tool_policy).toEqual({ builtin_tools: ['Read'], allowed_domains: ['example.com'] });
  });

  it('a tool the policy leaves out is a denied call the model sees; the allowed one runs', async () => {
    const s = await a.newSession();
    const bash = await a.say(s, 'MOCK tool Bash {"command":"echo should-not-run"}');
    expect(bash.status).toBe('succeeded');
    expect(bash.tool_calls[0]).toMatchObject({ name: 'Bash', denied: true });
    expect(bash.tool_calls[0].result).toMatch(/not allowed for this account/);
    const read = await a.tool(s, 'Read', { file_path: 'missing.txt' });
    expect(read.denied).toBeFalsy();
  }, 120_000);

  it('a session may narrow its account’s tools, never widen them', async () => {
    // The account may use Read only (policy above); a session asking for Bash and Read gets Read.
    const r = await t.json('POST', '/v1/sessions', { builtin_tools: ['Bash', 'Read'] }, a.headers);
    expect(r.status).toBe(201);
    expect(r.body.builtin_tools).toEqual(['Bash', 'Read']);
    expect((await a.say(r.body.id, 'MOCK tool Bash {"command":"echo widened"}')).tool_calls[0]).toMatchObject({ denied: true });
    expect((await a.tool(r.body.id, 'Read', { file_path: 'x.txt' })).denied).toBeFalsy();
    // A session that narrows to nothing built-in is refused Read too; the turn goes on.
    const none = await t.json('POST', '/v1/sessions', { builtin_tools: [] }, a.headers);
    const read = await a.say(none.body.id, 'MOCK tool Read {"file_path":"x.txt"}');
    expect(read.status).toBe('succeeded');
    expect(read.tool_calls[0]).toMatchObject({ name: 'Read', denied: true });
    expect(read.tool_calls[0].result).toMatch(/not allowed for this account/);
    // PATCH null gives the session its account's tools back.
    expect((await t.json('PATCH', `/v1/sessions/${none.body.id}`, { builtin_tools: null }, a.headers)).body.builtin_tools).toBeNull();
    expect((await a.tool(none.body.id, 'Read', { file_path: 'x.txt' })).denied).toBeFalsy();
    expect((await t.json('POST', '/v1/sessions', { builtin_tools: ['rm -rf /'] }, a.headers)).status).toBe(400);
  }, 180_000);

  it('refuses a malformed policy with 400 and a stable code', async () => {
    for (const tool_policy of [{ builtin_tools: ['rm -rf'] }, { allowed_domains: ['http://x'] }, { other: true }]) {
      const r = await t.json('PATCH', `/v1/admin/accounts/${a.id}`, { tool_policy }, admin);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('validation_error');
    }
    // Null restores the server's configuration.
    const reset = await t.json('PATCH', `/v1/admin/accounts/${a.id}`, { tool_policy: {} }, admin);
    expect(reset.body.tool_policy).toEqual({ builtin_tools: null, allowed_domains: null });
  });
});
