import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';

/**
 * Keyless (loopback, no keys) → keyed: the first key ends keyless mode; the sessions made without
 * a key belong to the implicit account `local`, and a key created for `local` reaches them.
 */
describe('keyless → keyed', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t?.close());

  it('a key for `local` reaches the sessions made without a key; other keys do not', async () => {
    const session = (await t.json('POST', '/v1/sessions', { title: 'made keyless' })).body.id as string;
    expect((await t.json('POST', `/v1/sessions/${session}/messages`, { message: 'hello' })).body.status).toBe('succeeded');

    // Keyless, the caller is its own admin: it creates the `local` account's first key.
    const created = await t.json('POST', '/v1/admin/accounts/local/keys', { name: 'mine' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ account_id: 'local', key: expect.stringMatching(/^caa_/) });
    const local = { authorization: `Bearer ${created.body.key}` };

    // Keyless mode has ended.
    expect((await t.json('GET', `/v1/sessions/${session}`)).status).toBe(401);
    // The local key sees the session and its history.
    const got = await t.json('GET', `/v1/sessions/${session}`, undefined, local);
    expect(got.status).toBe(200);
    expect(got.body.title).toBe('made keyless');
    expect((await t.json('GET', `/v1/sessions/${session}/messages`, undefined, local)).body.messages).toHaveLength(2);
    expect((await t.json('POST', `/v1/sessions/${session}/messages`, { message: 'again' }, local)).body.status).toBe('succeeded');

    // `local` is now an account like others; a second call to create a key for it reuses it.
    const second = await t.json('POST', '/v1/admin/accounts/local/keys', { name: 'two' }, local);
    expect(second.status).toBe(403); // an account key is not the admin key
  });
});
