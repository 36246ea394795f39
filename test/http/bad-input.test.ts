import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';

/** Every bad request gets a clear error with a stable code, and nothing is written or run. */
describe('bad input', () => {
  let t: TestServer;
  const UNKNOWN = '0b5ad6a4-8f6e-4a43-9c1f-3f2b1e0a9d11';

  beforeAll(async () => {
    t = await startTestServer({ MAX_MESSAGE_BYTES: '1000' });
  });
  afterAll(() => t.close());

  const expectError = async (res: Response, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(5);
  };

  it.each([
    ['POST', '/chat'],
    ['POST', `/v1/sessions/${UNKNOWN}/messages`],
    ['POST', '/v1/sessions'],
    ['PATCH', `/v1/sessions/${UNKNOWN}`],
  ])('invalid JSON on %s %s → 400 invalid_json', async (method, p) => {
    await expectError(await t.request(method, p, '{"message": "hi"'), 400, 'invalid_json');
  });

  it.each([
    ['missing', {}],
    ['empty', { message: '' }],
    ['blank', { message: '  \n ' }],
    ['not a string', { message: 42 }],
    ['null', { message: null }],
  ])('%s message → 400 validation_error', async (_, body) => {
    const res = await t.request('POST', '/chat', body);
    await expectError(res, 400, 'validation_error');
  });

  it('a message over MAX_MESSAGE_BYTES → 413 message_too_large (counted in UTF-8 bytes)', async () => {
    // 400 three-byte characters: 400 chars but 1200 bytes.
    await expectError(await t.request('POST', '/chat', { message: '€'.repeat(400) }), 413, 'message_too_large');
    // A body far over the limit is refused before it is parsed.
    await expectError(await t.request('POST', '/chat', { message: 'x'.repeat(100_000) }), 413, 'message_too_large');
  });

  it('wrong content type → 415', async () => {
    const res = await t.request('POST', '/chat', 'message=hi', { 'content-type': 'application/x-www-form-urlencoded' });
    await expectError(res, 415, 'unsupported_media_type');
    const plain = await t.request('POST', '/chat', '{"message":"hi"}', { 'content-type': 'text/plain' });
    await expectError(plain, 415, 'unsupported_media_type');
  });

  it.each([
    ['GET', `/v1/sessions/${UNKNOWN}`],
    ['PATCH', `/v1/sessions/${UNKNOWN}`, { title: 'x' }],
    ['DELETE', `/v1/sessions/${UNKNOWN}`],
    ['GET', `/v1/sessions/${UNKNOWN}/messages`],
    ['POST', `/v1/sessions/${UNKNOWN}/messages`, { message: 'hi' }],
    ['GET', `/sessions/${UNKNOWN}`],
    ['POST', '/chat', { message: 'hi', session_id: UNKNOWN }],
  ])('unknown session: %s %s → 404 session_not_found', async (method, p, body?: unknown) => {
    await expectError(await t.request(method, p, body), 404, 'session_not_found');
  });

  it.each([
    encodeURIComponent('../../etc/passwd'),
    'x'.repeat(10_000),
    'not-a-uuid',
    `${UNKNOWN}x`,
  ])('malformed session id in the path → 400 invalid_session_id', async (id) => {
    await expectError(await t.request('GET', `/v1/sessions/${id}`), 400, 'invalid_session_id');
    await expectError(await t.request('POST', `/v1/sessions/${id}/messages`, { message: 'hi' }), 400, 'invalid_session_id');
    await expectError(await t.request('GET', `/sessions/${id}`), 400, 'invalid_session_id');
  });

  it('malformed session_id in the seed body → 400', async () => {
    await expectError(await t.request('POST', '/chat', { message: 'hi', session_id: '../../etc/passwd' }), 400, 'validation_error');
  });

  it('unknown route → 404 JSON', async () => {
    await expectError(await t.request('GET', '/nope'), 404, 'not_found');
    await expectError(await t.request('POST', '/v1/sessions/a/b/c', { message: 'x' }), 404, 'not_found');
  });

  it('bad list parameters → 400', async () => {
    await expectError(await t.request('GET', '/v1/sessions?limit=0'), 400, 'validation_error');
    await expectError(await t.request('GET', '/v1/sessions?limit=abc'), 400, 'validation_error');
    await expectError(await t.request('GET', '/v1/sessions?cursor=%%%garbage'), 400, 'invalid_cursor');
  });

  it('bad session fields → 400', async () => {
    await expectError(await t.request('POST', '/v1/sessions', { title: '' }), 400, 'validation_error');
    await expectError(await t.request('POST', '/v1/sessions', { tags: 'a' }), 400, 'validation_error');
    await expectError(await t.request('POST', '/v1/sessions', { nope: 1 }), 400, 'validation_error');
  });

  it('left nothing behind: no session, no model call, no transcript files', async () => {
    const list = await t.json('GET', '/v1/sessions');
    expect(list.body.sessions).toEqual([]);
    expect(t.mock.requests).toHaveLength(0);
    expect(existsSync(path.join(t.dataDir, 'claude', 'projects'))).toBe(false);
    expect(existsSync(path.join(t.dataDir, 'etc'))).toBe(false);
  });
});
