import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const TOOLS = 'Bash,Read,Write,Edit,Glob,Grep';

describe('sandboxed agents: positive path', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ CLAUDE_BUILTIN_TOOLS: TOOLS, ADMIN_API_KEY: 'admin-secret-'.padEnd(40, 'x') });
  }, 60_000);
  afterAll(() => t.close());

  it('runs Bash inside the sandbox', async () => {
    const admin = { authorization: `Bearer ${t.config.auth.adminKey}` };
    const acct = await t.json('POST', '/v1/admin/accounts', { name: 'a' }, admin);
    const key = await t.json('POST', `/v1/admin/accounts/${acct.body.id}/keys`, {}, admin);
    const h = { authorization: `Bearer ${key.body.key}` };
    const s = await t.json('POST', '/v1/sessions', {}, h);
    const r = await t.json('POST', `/v1/sessions/${s.body.id}/messages`, { message: `MOCK tool Bash ${JSON.stringify({ command: 'id; pwd; echo hi > f.txt; cat f.txt; ps ax; cat /proc/1/environ | tr "\\0" "\\n"' })}` }, h);
    console.log(JSON.stringify(r.body, null, 1).slice(0, 4000));
    expect(r.status).toBe(200);
  }, 120_000);
});
