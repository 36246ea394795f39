import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { fillPath, operationsOf, responseChecker, type Operation, type ResponseCheck } from '../helpers/operations.js';

const ADMIN_KEY = `admin-${randomBytes(33).toString('base64url')}`;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** A body each operation accepts, so its own success path is exercised too. */
const VALID_BODY: Record<string, unknown> = {
  'sessions.create': { title: 'contract' },
  'sessions.update': { title: 'renamed' },
  'sessions.fork': {},
  'messages.send': { message: 'hello' },
  'admin.accounts.create': { name: `contract-${randomUUID().slice(0, 8)}` },
  'admin.accounts.update': { limits: { max_sessions: 100 } },
  'admin.keys.create': { name: 'second' },
  'admin.purge': {},
  'permissions.decide': { decision: 'allow' },
  'seed.chat': { message: 'hello' },
};

/** Statuses every operation that documents them must be seen to answer with here. */
const MUST_SEE = ['400', '401', '403', '413', '415'];

/**
 * Every operation of the served document, called with each documented error that can be
 * provoked from outside (no key, a wrong key, the wrong kind of key, a body that is not JSON,
 * malformed JSON, a body over the limit, malformed and unknown ids, bad query values) and with
 * a valid request: every status must be one the document lists for that operation, and every
 * JSON body must match its schema, checked by Ajv (not by the zod schemas that produced them).
 */
describe('OpenAPI document vs. the server', () => {
  let t: TestServer;
  let doc: any;
  let check: ResponseCheck;
  const ids: Record<string, string> = {};
  let accountKey = '';
  let deleteSession = '';

  beforeAll(async () => {
    t = await startTestServer({ ADMIN_API_KEY: ADMIN_KEY, MAX_MESSAGE_BYTES: '1000', MAX_FILE_BYTES: '100000' });
    doc = (await t.json('GET', '/openapi.json')).body;
    check = responseChecker(doc);
    const admin = bearer(ADMIN_KEY);
    const account = (await t.json('POST', '/v1/admin/accounts', { name: 'contract' }, admin)).body;
    accountKey = (await t.json('POST', `/v1/admin/accounts/${account.id}/keys`, { name: 'main' }, admin)).body.key;
    const other = (await t.json('POST', '/v1/admin/accounts', { name: 'contract-other' }, admin)).body;
    const otherKey = (await t.json('POST', `/v1/admin/accounts/${other.id}/keys`, { name: 'revoke-me' }, admin)).body;
    const session = (await t.json('POST', '/v1/sessions', {}, bearer(accountKey))).body.id as string;
    const turn = await t.json('POST', `/v1/sessions/${session}/messages`, { message: 'first' }, bearer(accountKey));
    expect(turn.body.status).toBe('succeeded');
    deleteSession = (await t.json('POST', '/v1/sessions', {}, bearer(accountKey))).body.id;
    Object.assign(ids, { id: session, session_id: session, turn_id: turn.body.id, request_id: randomUUID(), account_id: other.id, key_id: otherKey.id });
  });
  afterAll(() => t?.close());

  it('lists tags per resource, servers and the license', () => {
    expect(doc.info.license).toMatchObject({ name: 'MIT' });
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    const tags = new Set(doc.tags.map((x: { name: string }) => x.name));
    for (const op of operationsOf(doc)) {
      expect(op.operationId.length).toBeGreaterThan(0);
      const opTags = doc.paths[op.path][op.method.toLowerCase()].tags as string[];
      expect(opTags).toHaveLength(1);
      expect(tags.has(opTags[0]!)).toBe(true);
    }
    expect(tags.size).toBeGreaterThanOrEqual(6);
  });

  it('every operation answers only documented statuses, with bodies that match their schemas', async () => {
    const ops = operationsOf(doc).sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    expect(ops.length).toBeGreaterThanOrEqual(30);
    const problems: string[] = [];
    const seen = new Map<string, Set<string>>();

    const send = async (op: Operation, label: string, init: { path?: string; headers?: Record<string, string>; body?: string; query?: string }) => {
      const values = { ...ids, ...(op.method === 'DELETE' && op.path === '/v1/sessions/{id}' ? { id: deleteSession } : {}) };
      const url = `${t.url}${init.path ?? fillPath(op.path, values)}${init.query ?? ''}`;
      const res = await fetch(url, { method: op.method, headers: init.headers ?? {}, body: init.body });
      const type = res.headers.get('content-type');
      // An event stream is read until it ends (the session's turn is short); its events are checked elsewhere.
      const text = await res.text();
      let body: unknown = text;
      if ((type ?? '').startsWith('application/json')) {
        try {
          body = JSON.parse(text);
        } catch {
          problems.push(`${op.operationId} [${label}]: invalid JSON body`);
        }
      }
      const problem = check(op, res.status, type, body);
      if (problem) problems.push(`${op.operationId} [${label}]: ${problem}`);
      if (!seen.has(op.operationId)) seen.set(op.operationId, new Set());
      seen.get(op.operationId)!.add(String(res.status));
    };

    for (const op of ops) {
      const isAdmin = op.path.startsWith('/v1/admin') || op.path === '/v1/runtime';
      const own = op.secured ? bearer(isAdmin ? ADMIN_KEY : accountKey) : {};
      const json = { 'content-type': 'application/json' };
      const valid = op.hasBody || op.method !== 'GET' ? JSON.stringify(VALID_BODY[op.operationId] ?? {}) : undefined;

      if (op.secured) {
        await send(op, 'no key', { headers: json, body: valid });
        await send(op, 'unknown key', { headers: { ...json, ...bearer(`caa_${randomBytes(32).toString('base64url')}`) }, body: valid });
        await send(op, 'wrong kind of key', { headers: { ...json, ...bearer(isAdmin ? accountKey : ADMIN_KEY) }, body: valid });
      }
      if (op.method !== 'GET') {
        await send(op, 'text/plain', { headers: { ...own, 'content-type': 'text/plain' }, body: 'hello' });
        await send(op, 'malformed JSON', { headers: { ...own, ...json }, body: '{"message": ' });
        await send(op, 'too large', { headers: { ...own, ...json }, body: JSON.stringify({ message: 'x'.repeat(200_000) }) });
      }
      if (op.hasBody) await send(op, 'wrong types', { headers: { ...own, ...json }, body: '{"message": 42, "title": [], "name": {}, "decision": 1}' });
      for (const name of op.pathParams) {
        await send(op, `bad ${name}`, { path: fillPath(op.path, { ...ids, [name]: '../../etc/passwd' }), headers: { ...own, ...json }, body: valid });
        await send(op, `overlong ${name}`, { path: fillPath(op.path, { ...ids, [name]: 'x'.repeat(300) }), headers: { ...own, ...json }, body: valid });
        await send(op, `unknown ${name}`, { path: fillPath(op.path, { ...ids, [name]: randomUUID() }), headers: { ...own, ...json }, body: valid });
      }
      for (const name of op.queryParams) {
        await send(op, `bad ${name}`, { query: `?${name}=${encodeURIComponent('-1.5e3&x')}`, headers: own });
      }
      await send(op, 'valid', { headers: op.hasBody || valid ? { ...own, ...json } : own, body: valid });
    }

    expect(problems).toEqual([]);
    // The OpenAI-compatible operations keep OpenAI's own error contract (their 400s are about
    // OpenAI parameters): they are held to "only documented statuses" above, not to this list.
    const unseen = ops.filter((op) => !op.operationId.startsWith('openai.')).flatMap((op) =>
      op.statuses.filter((s) => MUST_SEE.includes(s) && !seen.get(op.operationId)?.has(s)).map((s) => `${op.operationId}: ${s} documented, never provoked`),
    );
    expect(unseen).toEqual([]);
  });
});
