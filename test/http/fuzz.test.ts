import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { fillPath, operationsOf, type Operation } from '../helpers/operations.js';

const ADMIN_KEY = `admin-${randomBytes(33).toString('base64url')}`;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

/** Bodies no operation accepts as they are: broken JSON, wrong types, huge and deep values, NUL bytes. */
const BODIES: Array<[string, string]> = [
  ['truncated', '{"message": "hi"'],
  ['not JSON', 'message=hi'],
  ['bare string', '"hello"'],
  ['number', '42'],
  ['null', 'null'],
  ['array', '[{"message":"hi"}]'],
  ['BOM', '\uFEFF{"message":"hi"}'],
  ['NUL in a value', '{"message":"a\\u0000b","title":"t\\u0000","name":"n\\u0000","decision":"allow\\u0000"}'],
  ['raw NUL', '{"message":"a\u0000b"}'],
  ['wrong types', '{"message":42,"title":[],"name":{},"tags":"x","limits":[],"decision":true,"stream":"yes","if_busy":7,"max_turns":"x","max_budget_usd":-1,"older_than_days":"x","dry_run":"no"}'],
  ['nulls', '{"message":null,"title":null,"name":null,"tags":null,"limits":null,"decision":null,"updated_input":null}'],
  ['huge numbers', '{"max_turns":1e309,"max_budget_usd":1e308,"limit":99999999999999999999,"older_than_days":-1e308}'],
  ['deep array', `{"message":"hi","updated_input":${deep(5_000)}}`],
  ['deep object', `{"message":"hi","updated_input":${deepObject(5_000)},"limits":${deepObject(2_000)}}`],
  ['very deep', deep(200_000)],
  ['prototype keys', '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}},"message":"hi"}'],
  ['huge string', JSON.stringify({ message: 'x'.repeat(5_000), title: 't'.repeat(50_000), name: 'n'.repeat(50_000) })],
  ['many keys', JSON.stringify(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])))],
];

/** Ids that must never reach anything but a clean 4xx. */
const IDS = ['../../etc/passwd', '..%2F..%2Fetc', '%00', 'a\u0000b', ' ', 'x'.repeat(5_000), "1' OR '1'='1", '00000000-0000-0000-0000-000000000000', randomUUID().toUpperCase()];

const QUERY_VALUES = ['-1', 'abc', '1e309', '%00', '\u0000', 'x'.repeat(5_000), '[]', '{"a":1}', '2024-13-45', '0x10'];

/**
 * Every operation of the served document × hostile input: no response is a 5xx, and every error
 * body is `{"error":{"code","message"}}` with a stable code.
 */
describe('fuzz: every operation × hostile input', () => {
  let t: TestServer;
  let keyA = '';
  const values: Record<string, string> = {};
  const foreign: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestServer({ ADMIN_API_KEY: ADMIN_KEY, MAX_MESSAGE_BYTES: '10000' });
    const admin = bearer(ADMIN_KEY);
    const a = (await t.json('POST', '/v1/admin/accounts', { name: 'fuzz-a' }, admin)).body;
    const b = (await t.json('POST', '/v1/admin/accounts', { name: 'fuzz-b' }, admin)).body;
    keyA = (await t.json('POST', `/v1/admin/accounts/${a.id}/keys`, { name: 'a' }, admin)).body.key;
    const keyB = (await t.json('POST', `/v1/admin/accounts/${b.id}/keys`, { name: 'b' }, admin)).body;
    const mine = (await t.json('POST', '/v1/sessions', {}, bearer(keyA))).body.id as string;
    const myTurn = (await t.json('POST', `/v1/sessions/${mine}/messages`, { message: 'hi' }, bearer(keyA))).body.id as string;
    const theirs = (await t.json('POST', '/v1/sessions', {}, bearer(keyB.key))).body.id as string;
    const theirTurn = (await t.json('POST', `/v1/sessions/${theirs}/messages`, { message: 'hi' }, bearer(keyB.key))).body.id as string;
    Object.assign(values, { id: mine, session_id: mine, turn_id: myTurn, request_id: randomUUID(), account_id: a.id, key_id: randomUUID() });
    Object.assign(foreign, { id: theirs, session_id: theirs, turn_id: theirTurn, account_id: b.id, key_id: keyB.id });
  });
  afterAll(() => t?.close());

  it('answers no 5xx and only well-formed errors', async () => {
    const doc = (await t.json('GET', '/openapi.json')).body;
    // Destructive operations last, so the others keep their targets.
    const ops = operationsOf(doc).sort((x, y) => Number(x.method === 'DELETE') - Number(y.method === 'DELETE'));
    const bad: string[] = [];
    let calls = 0;

    const call = async (op: Operation, label: string, url: string, init: RequestInit) => {
      calls++;
      let res: Response;
      try {
        res = await fetch(url, { ...init, method: op.method, signal: AbortSignal.timeout(60_000) });
      } catch (err) {
        bad.push(`${op.operationId} [${label}]: no answer (${String((err as Error).cause ?? err)})`);
        return;
      }
      const text = await res.text();
      if (res.status >= 500) bad.push(`${op.operationId} [${label}]: ${res.status} ${text.slice(0, 200)}`);
      if (res.status < 400) return;
      try {
        const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
        if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string' || !/^[a-z_0-9]+$/.test(body.error.code)) {
          bad.push(`${op.operationId} [${label}]: ${res.status} without {"error":{"code","message"}}: ${text.slice(0, 200)}`);
        }
      } catch {
        bad.push(`${op.operationId} [${label}]: ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
      }
    };

    for (const op of ops) {
      const isAdmin = op.path.startsWith('/v1/admin') || op.path === '/v1/runtime';
      const auth = op.secured ? bearer(isAdmin ? ADMIN_KEY : keyA) : {};
      const url = (over: Record<string, string> = {}, query = '') => `${t.url}${fillPath(op.path, { ...values, ...over })}${query}`;
      const json = { ...auth, 'content-type': 'application/json' };

      if (op.method !== 'GET') {
        for (const [label, body] of BODIES) await call(op, label, url(), { headers: json, body });
      }
      for (const name of op.pathParams) {
        for (const id of IDS) await call(op, `${name}=${JSON.stringify(id.slice(0, 20))}`, url({ [name]: id }), { headers: json, body: op.method === 'GET' ? undefined : '{}' });
        // Another account's id: it must look like an unknown one.
        if (foreign[name] && !isAdmin) await call(op, `foreign ${name}`, url({ [name]: foreign[name]! }), { headers: json, body: op.method === 'GET' ? undefined : '{}' });
      }
      for (const name of [...op.queryParams, 'cursor', 'limit']) {
        for (const v of QUERY_VALUES) await call(op, `?${name}=${JSON.stringify(v.slice(0, 20))}`, url({}, `?${name}=${encodeURIComponent(v)}`), { headers: auth });
      }
      for (const v of ['abc', '-1', '1e5', '9'.repeat(5_000), '\u00ff', '1'.padStart(400, '0')]) {
        await call(op, `Last-Event-ID ${JSON.stringify(v.slice(0, 20))}`, url(), { headers: { ...auth, 'last-event-id': v } });
      }
      await call(op, 'garbage authorization', url(), { headers: { authorization: `Bearer ${'\u00e9'.repeat(10)}\t\u00ff` } });
      await call(op, 'huge authorization', url(), { headers: { authorization: `Bearer caa_${'A'.repeat(8_000)}` } });
    }
    expect(calls).toBeGreaterThan(500);
    expect(bad).toEqual([]);
  });
});
