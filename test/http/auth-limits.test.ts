import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TestClock, type TestServer } from '../helpers/harness.js';

const ADMIN_KEY = `admin-${randomBytes(33).toString('base64url')}`;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const wrongKey = () => `caa_${randomBytes(32).toString('base64url')}`;

/** A GET from a chosen local address (127.0.0.x): another client, as the server sees it. */
function getFrom(localAddress: string, url: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, localAddress, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
  });
}

/** Failed authentication is rate limited per client address; /health stays minimal and public. */
describe('failed-auth rate limit', () => {
  let t: TestServer;
  let key: string;
  const clock = new TestClock();

  beforeAll(async () => {
    t = await startTestServer({ ADMIN_API_KEY: ADMIN_KEY, AUTH_FAILURE_LIMIT: '5', AUTH_FAILURE_WINDOW: '1m' }, { clock });
    const account = await t.json('POST', '/v1/admin/accounts', { name: 'limits' }, bearer(ADMIN_KEY));
    key = (await t.json('POST', `/v1/admin/accounts/${account.body.id}/keys`, { name: 'k' }, bearer(ADMIN_KEY))).body.key;
  });
  afterAll(() => t?.close());

  it('5 failures answer 401; then 429 too_many_auth_failures with Retry-After, even for a valid key, until the window ends', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await t.json('GET', '/v1/sessions', undefined, i % 2 ? bearer(wrongKey()) : {});
      expect(r.status).toBe(401);
    }
    const limited = await t.request('GET', '/v1/sessions', undefined, bearer(wrongKey()));
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = (await limited.json()) as { error: { code: string; message: string; details: { retry_after_s: number } } };
    expect(body.error).toMatchObject({ code: 'too_many_auth_failures', details: { retry_after_s: retryAfter } });
    // A correct key from the same address waits too: the answer must not tell a guesser it hit.
    expect((await t.json('GET', '/v1/sessions', undefined, bearer(key))).status).toBe(429);
    expect((await t.json('POST', '/chat', { message: 'hi' }, bearer(ADMIN_KEY))).status).toBe(429);

    // Another address is not affected.
    const other = await getFrom('127.0.0.2', `${t.url}/v1/sessions`, bearer(key));
    expect(other.status).toBe(200);
    // Public routes are not behind authentication at all.
    expect((await t.request('GET', '/health')).status).toBe(200);

    clock.advance(61_000);
    expect((await t.json('GET', '/v1/sessions', undefined, bearer(key))).status).toBe(200);
  });

  it('/health is minimal: no runtime figures (those need the admin key at /v1/runtime)', async () => {
    const health = await t.json('GET', '/health');
    expect(health.body).toEqual({
      status: 'healthy',
      version: expect.any(String),
      mode: 'live',
      demo: false,
      model: expect.any(String),
      store: expect.stringMatching(/^(sqlite|postgres)$/),
      sandbox: expect.objectContaining({ mode: expect.any(String) }),
    });
    expect((await t.json('GET', '/v1/runtime', undefined, bearer(key))).status).toBe(403);
    const runtime = await t.json('GET', '/v1/runtime', undefined, bearer(ADMIN_KEY));
    expect(runtime.status).toBe(200);
    expect(runtime.body).toHaveProperty('busy');
  });
});
