import type { TestServer } from './harness.js';

/** An account with one API key, and calls made with it. */
export interface Tenant {
  id: string;
  headers: Record<string, string>;
  newSession(body?: Record<string, unknown>): Promise<string>;
  /** One blocking turn; returns the turn body. */
  say(sessionId: string, message: string): Promise<any>;
  /** One turn that calls `tool` with `input` through the mock model; returns its first tool call. */
  tool(sessionId: string, tool: string, input: Record<string, unknown>): Promise<{ name: string; result: string; denied?: boolean; is_error?: boolean }>;
}

export async function createTenant(t: TestServer, name: string): Promise<Tenant> {
  const admin = { authorization: `Bearer ${t.config.auth.adminKey}` };
  const acct = await t.json('POST', '/v1/admin/accounts', { name }, admin);
  if (acct.status !== 201) throw new Error(`account: ${acct.status} ${JSON.stringify(acct.body)}`);
  const key = await t.json('POST', `/v1/admin/accounts/${acct.body.id}/keys`, {}, admin);
  const headers = { authorization: `Bearer ${key.body.key}` };
  const tenant: Tenant = {
    id: acct.body.id,
    headers,
    async newSession(body = {}) {
      return (await t.json('POST', '/v1/sessions', body, headers)).body.id;
    },
    async say(sessionId, message) {
      const r = await t.json('POST', `/v1/sessions/${sessionId}/messages`, { message }, headers);
      if (r.status !== 200) throw new Error(`turn: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    async tool(sessionId, tool, input) {
      const turn = await tenant.say(sessionId, `MOCK tool ${tool} ${JSON.stringify(input)}`);
      return turn.tool_calls[0];
    },
  };
  return tenant;
}
