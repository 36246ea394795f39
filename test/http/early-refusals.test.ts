import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { startProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const ADMIN_KEY = `admin-${randomBytes(33).toString('base64url')}`;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/**
 * Requests refused before their body is read (413 on Content-Length, 401, 415) must leave a
 * keep-alive connection usable: Node's own fetch (undici) sends them one after another on one
 * connection, which a TCP proxy in front of the server counts.
 */
describe('early refusals on a keep-alive connection', () => {
  let t: TestServer;
  let proxy: TcpProxy;
  let key: string;

  beforeAll(async () => {
    t = await startTestServer({ ADMIN_API_KEY: ADMIN_KEY, MAX_MESSAGE_BYTES: '1000' });
    proxy = await startProxy(Number(new URL(t.url).port));
    const account = await t.json('POST', '/v1/admin/accounts', { name: 'keep-alive' }, bearer(ADMIN_KEY));
    key = (await t.json('POST', `/v1/admin/accounts/${account.body.id}/keys`, { name: 'k' }, bearer(ADMIN_KEY))).body.key;
  });
  afterAll(async () => {
    await proxy?.close();
    await t?.close();
  });

  const post = (path: string, body: string, headers: Record<string, string>) =>
    fetch(`${proxy.url}${path}`, { method: 'POST', headers: { connection: 'keep-alive', ...headers }, body });

  async function expectRefusals(n: number, send: () => Promise<Response>, status: number, code: string) {
    const before = proxy.connections;
    const outcomes: string[] = [];
    for (let i = 0; i < n; i++) {
      try {
        const res = await send();
        const body = (await res.json()) as { error: { code: string } };
        outcomes.push(`${res.status} ${body.error.code}`);
      } catch (err) {
        outcomes.push(`socket error: ${String((err as Error).cause ?? err)}`);
      }
    }
    expect(outcomes).toEqual(Array.from({ length: n }, () => `${status} ${code}`));
    // The next request on the same connection works.
    const next = await fetch(`${proxy.url}/v1/account`, { headers: bearer(key) });
    expect(next.status).toBe(200);
    await next.text();
    // The connections were kept, not replaced one per refusal (undici may open a second one while
    // it still counts the first as busy: at most two for the whole batch).
    expect(proxy.connections - before).toBeLessThanOrEqual(2);
  }

  it('20 bodies of 2 MiB: each gets 413 message_too_large, and the connection still serves the next request', async () => {
    const big = JSON.stringify({ message: 'x'.repeat(2 * 1024 * 1024) });
    await expectRefusals(20, () => post('/chat', big, { 'content-type': 'application/json', ...bearer(key) }), 413, 'message_too_large');
  });

  it('401 before the body is read (a wrong key with a 512 KiB body), then the next request works', async () => {
    const body = JSON.stringify({ message: 'y'.repeat(512 * 1024) });
    await expectRefusals(20, () => post('/chat', body, { 'content-type': 'application/json', ...bearer('caa_wrong') }), 401, 'invalid_api_key');
  });

  it('415 for a body that is not JSON, then the next request works', async () => {
    const body = 'z'.repeat(512 * 1024);
    await expectRefusals(10, () => post('/chat', body, { 'content-type': 'text/plain', ...bearer(key) }), 415, 'unsupported_media_type');
  });

  it('a body too large to be worth draining is refused with Connection: close, and the server goes on', async () => {
    const huge = 'h'.repeat(20 * 1024 * 1024);
    const res = await post('/chat', huge, { 'content-type': 'application/json', ...bearer(key) }).catch((err: unknown) => err);
    // Either the 413 arrived (saying the connection ends) or the client saw the close first.
    if (res instanceof Response) {
      expect(res.status).toBe(413);
      expect(res.headers.get('connection')).toBe('close');
    }
    expect((await fetch(`${proxy.url}/health`)).status).toBe(200);
  });
});

describe('usage dates', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ ADMIN_API_KEY: ADMIN_KEY });
  });
  afterAll(() => t?.close());

  it.each(['2024-13-45', '2024-02-30', '2023-02-29', '2024-00-10', '0000-00-00'])(
    '%s is no calendar day: 400 validation_error on /v1/usage and the admin report',
    async (day) => {
      const account = await t.json('POST', '/v1/admin/accounts', { name: `u-${day}` }, bearer(ADMIN_KEY));
      const key = (await t.json('POST', `/v1/admin/accounts/${account.body.id}/keys`, { name: 'k' }, bearer(ADMIN_KEY))).body.key;
      for (const q of [`from=${day}`, `to=${day}`]) {
        const own = await t.json('GET', `/v1/usage?${q}`, undefined, bearer(key));
        expect(own.status).toBe(400);
        expect(own.body.error.code).toBe('validation_error');
        const admin = await t.json('GET', `/v1/admin/usage?${q}`, undefined, bearer(ADMIN_KEY));
        expect(admin.status).toBe(400);
        expect(admin.body.error.code).toBe('validation_error');
      }
      // A real leap day is fine.
      expect((await t.json('GET', '/v1/usage?from=2024-02-29&to=2024-03-01', undefined, bearer(key))).status).toBe(200);
    },
  );
});
