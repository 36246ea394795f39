import { createHash, randomBytes, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';

/**
 * API keys and account isolation, through the whole real server: every account-facing route is
 * tried without a key, with a malformed, unknown or revoked one, and with another account's key;
 * none of them may act on, or even reveal, account A's session.
 */

const ADMIN_KEY = `admin-${randomBytes(33).toString('base64url')}`;
const KEY_SHAPE = /^caa_[A-Za-z0-9_-]{43}$/;

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

interface Account {
  id: string;
  name: string;
}
interface CreatedKey {
  id: string;
  account_id: string;
  prefix: string;
  key: string;
}

/** What a row of the matrix sends, for a given session (A's, or one that never existed). */
interface Target {
  sessionId: string;
  turnId: string;
}
interface Call {
  method: string;
  path: string;
  body?: unknown;
}

/**
 * One account-facing route. `route` is its OpenAPI method + path template, so the table can be
 * checked against what the server documents. `own` marks the routes that show the caller's own
 * data (not A's session by id): another account gets its own view there, not a 404.
 */
interface Endpoint {
  route: string;
  call(t: Target): Call;
  own?: { status: number; check(body: any): void };
  /** The 404 code when it is not `session_not_found` (a response id of A's). */
  notFound?: string;
}

/** A permission request id that exists nowhere; the same in every request so responses compare. */
const PERMISSION_ID = randomUUID();

describe('API keys and account isolation', () => {
  let t: TestServer;
  const admin = bearer(ADMIN_KEY);
  let A: Account;
  let B: Account;
  /** A's key, B's key, and a key of A's that is revoked before any test runs. */
  let kA: CreatedKey;
  let kB: CreatedKey;
  let kR: CreatedKey;
  let sessionA: string;
  let turnA: string;
  /** Every key secret this file has been shown, to look for in the database. */
  const secrets: CreatedKey[] = [];

  const call = (c: Call, headers: Record<string, string>) => t.request(c.method, c.path, c.body, headers);

  async function createAccount(name: string): Promise<Account> {
    const r = await t.json('POST', '/v1/admin/accounts', { name }, admin);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  }
  async function createKey(accountId: string, name: string): Promise<CreatedKey> {
    const r = await t.json('POST', `/v1/admin/accounts/${accountId}/keys`, { name }, admin);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    secrets.push(r.body);
    return r.body;
  }
  async function revoke(accountId: string, keyId: string) {
    const r = await t.json('DELETE', `/v1/admin/accounts/${accountId}/keys/${keyId}`, undefined, admin);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.revoked_at).not.toBeNull();
    return r.body;
  }
  async function listKeys(accountId: string): Promise<Array<Record<string, unknown>>> {
    const r = await t.json('GET', `/v1/admin/accounts/${accountId}/keys`, undefined, admin);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.keys;
  }

  /** Everything of A's that must never reach another caller. */
  const secretsOfA = () => [sessionA, turnA, 'secret-title-of-A', 'secret prompt of A', A.id];
  function expectNoLeak(text: string) {
    for (const s of secretsOfA()) expect(text, `response leaks ${JSON.stringify(s)}`).not.toContain(s);
  }

  beforeAll(async () => {
    t = await startTestServer({ ADMIN_API_KEY: ADMIN_KEY });
    A = await createAccount('alpha');
    B = await createAccount('bravo');
    kA = await createKey(A.id, 'a-main');
    kB = await createKey(B.id, 'b-main');
    kR = await createKey(A.id, 'a-revoked');
    await revoke(A.id, kR.id);

    const created = await t.json('POST', '/v1/sessions', { title: 'secret-title-of-A' }, bearer(kA.key));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    sessionA = created.body.id;
    // A's turn goes through the OpenAI Responses route, so A also has a response id to protect.
    const model = t.config.model.name;
    const turn = await t.json('POST', '/v1/responses', { model, input: 'secret prompt of A', metadata: { session_id: sessionA } }, bearer(kA.key));
    expect(turn.status, JSON.stringify(turn.body)).toBe(200);
    expect(turn.body.status, JSON.stringify(turn.body)).toBe('completed');
    turnA = turn.body.agent.turn_id;
  });
  afterAll(() => t?.close());

  /**
   * Every account-facing route, aimed at A's session. Ordered so that, should isolation break, a
   * destructive call (archive, DELETE) cannot hide a leak in a later read: DELETE comes last.
   */
  const ENDPOINTS: Endpoint[] = [
    {
      route: 'GET /v1/sessions',
      call: () => ({ method: 'GET', path: '/v1/sessions' }),
      own: { status: 200, check: (b) => expect(Array.isArray(b.sessions)).toBe(true) },
    },
    {
      route: 'POST /v1/sessions',
      call: () => ({ method: 'POST', path: '/v1/sessions', body: { title: 'b-own-session' } }),
      own: { status: 201, check: (b) => expect(b.title).toBe('b-own-session') },
    },
    {
      route: 'GET /v1/usage',
      call: () => ({ method: 'GET', path: '/v1/usage' }),
      // A ran a turn today; B's report must not count it.
      own: {
        status: 200,
        check: (b) => {
          expect(b.totals.turns).toBe(0);
          for (const row of b.rows) expect(row.account_id).toBe(B.id);
        },
      },
    },
    {
      route: 'GET /v1/storage-stats',
      call: () => ({ method: 'GET', path: '/v1/storage-stats' }),
      // A's session has a turn; B's own sessions have none.
      own: { status: 200, check: (b) => expect(b.turns).toBe(0) },
    },
    {
      route: 'GET /v1/account',
      call: () => ({ method: 'GET', path: '/v1/account' }),
      own: { status: 200, check: (b) => expect(b.id).toBe(B.id) },
    },
    { route: 'GET /v1/sessions/{id}', call: (x) => ({ method: 'GET', path: `/v1/sessions/${x.sessionId}` }) },
    { route: 'GET /v1/sessions/{id}/messages', call: (x) => ({ method: 'GET', path: `/v1/sessions/${x.sessionId}/messages` }) },
    { route: 'GET /sessions/{session_id}', call: (x) => ({ method: 'GET', path: `/sessions/${x.sessionId}` }) },
    {
      route: 'GET /v1/sessions/{id}/turns/{turn_id}',
      call: (x) => ({ method: 'GET', path: `/v1/sessions/${x.sessionId}/turns/${x.turnId}` }),
    },
    {
      route: 'GET /v1/sessions/{id}/turns/{turn_id}/events',
      call: (x) => ({ method: 'GET', path: `/v1/sessions/${x.sessionId}/turns/${x.turnId}/events` }),
    },
    {
      route: 'POST /v1/sessions/{id}/messages',
      call: (x) => ({ method: 'POST', path: `/v1/sessions/${x.sessionId}/messages`, body: { message: 'intruder message' } }),
    },
    {
      route: 'POST /chat',
      call: (x) => ({ method: 'POST', path: '/chat', body: { message: 'intruder chat', session_id: x.sessionId } }),
    },
    { route: 'POST /v1/sessions/{id}/interrupt', call: (x) => ({ method: 'POST', path: `/v1/sessions/${x.sessionId}/interrupt` }) },
    {
      route: 'POST /v1/sessions/{id}/permissions/{request_id}',
      call: (x) => ({ method: 'POST', path: `/v1/sessions/${x.sessionId}/permissions/${PERMISSION_ID}`, body: { decision: 'allow' } }),
    },
    {
      route: 'POST /v1/sessions/{id}/fork',
      call: (x) => ({ method: 'POST', path: `/v1/sessions/${x.sessionId}/fork`, body: { title: 'fork-by-intruder' } }),
    },
    {
      route: 'PATCH /v1/sessions/{id}',
      call: (x) => ({ method: 'PATCH', path: `/v1/sessions/${x.sessionId}`, body: { title: 'renamed-by-intruder' } }),
    },
    { route: 'POST /v1/sessions/{id}/archive', call: (x) => ({ method: 'POST', path: `/v1/sessions/${x.sessionId}/archive` }) },
    { route: 'POST /v1/sessions/{id}/unarchive', call: (x) => ({ method: 'POST', path: `/v1/sessions/${x.sessionId}/unarchive` }) },
    {
      route: 'GET /v1/models',
      call: () => ({ method: 'GET', path: '/v1/models' }),
      own: { status: 200, check: (b) => expect(b.object).toBe('list') },
    },
    {
      route: 'GET /v1/models/{model}',
      call: () => ({ method: 'GET', path: `/v1/models/${t.config.model.name}` }),
      own: { status: 200, check: (b) => expect(b.object).toBe('model') },
    },
    {
      route: 'POST /v1/chat/completions',
      call: (x) => ({
        method: 'POST',
        path: '/v1/chat/completions',
        body: { model: t.config.model.name, messages: [{ role: 'user', content: 'intruder completion' }], metadata: { session_id: x.sessionId } },
      }),
    },
    {
      route: 'POST /v1/responses',
      call: (x) => ({ method: 'POST', path: '/v1/responses', body: { model: t.config.model.name, input: 'intruder response', metadata: { session_id: x.sessionId } } }),
    },
    {
      route: 'GET /v1/responses/{id}',
      call: (x) => ({ method: 'GET', path: `/v1/responses/resp_${x.turnId.replaceAll('-', '')}` }),
      notFound: 'response_not_found',
    },
    {
      route: 'POST /v1/responses/{id}/cancel',
      call: (x) => ({ method: 'POST', path: `/v1/responses/resp_${x.turnId.replaceAll('-', '')}/cancel` }),
      notFound: 'response_not_found',
    },
    { route: 'GET /v1/sessions/{id}/files', call: (x) => ({ method: 'GET', path: `/v1/sessions/${x.sessionId}/files` }) },
    { route: 'PUT /v1/sessions/{id}/files/{path}', call: (x) => ({ method: 'PUT', path: `/v1/sessions/${x.sessionId}/files/probe.txt`, body: { probe: true } }) },
    { route: 'GET /v1/sessions/{id}/files/{path}', call: (x) => ({ method: 'GET', path: `/v1/sessions/${x.sessionId}/files/probe.txt` }) },
    { route: 'DELETE /v1/sessions/{id}/files/{path}', call: (x) => ({ method: 'DELETE', path: `/v1/sessions/${x.sessionId}/files/probe.txt` }) },
    { route: 'DELETE /v1/sessions/{id}', call: (x) => ({ method: 'DELETE', path: `/v1/sessions/${x.sessionId}` }) },
  ];

  /** Every admin-only route; A's own account and key are the targets, so a missing guard would show. */
  const ADMIN_ROUTES: Array<{ route: string; call(): Call }> = [
    { route: 'POST /v1/admin/accounts', call: () => ({ method: 'POST', path: '/v1/admin/accounts', body: { name: 'mallory' } }) },
    { route: 'GET /v1/admin/accounts', call: () => ({ method: 'GET', path: '/v1/admin/accounts' }) },
    { route: 'GET /v1/admin/accounts/{account_id}', call: () => ({ method: 'GET', path: `/v1/admin/accounts/${A.id}` }) },
    {
      route: 'PATCH /v1/admin/accounts/{account_id}',
      call: () => ({ method: 'PATCH', path: `/v1/admin/accounts/${A.id}`, body: { name: 'renamed-by-a', limits: { max_sessions: 1000 } } }),
    },
    {
      route: 'POST /v1/admin/accounts/{account_id}/keys',
      call: () => ({ method: 'POST', path: `/v1/admin/accounts/${A.id}/keys`, body: { name: 'minted-by-a' } }),
    },
    { route: 'GET /v1/admin/accounts/{account_id}/keys', call: () => ({ method: 'GET', path: `/v1/admin/accounts/${A.id}/keys` }) },
    {
      route: 'DELETE /v1/admin/accounts/{account_id}/keys/{key_id}',
      // B's key: were the guard missing, A could switch B off.
      call: () => ({ method: 'DELETE', path: `/v1/admin/accounts/${B.id}/keys/${kB.id}` }),
    },
    { route: 'GET /v1/admin/usage', call: () => ({ method: 'GET', path: '/v1/admin/usage' }) },
    { route: 'POST /v1/admin/purge', call: () => ({ method: 'POST', path: '/v1/admin/purge', body: { dry_run: true } }) },
    { route: 'GET /v1/admin/storage-stats', call: () => ({ method: 'GET', path: '/v1/admin/storage-stats' }) },
    { route: 'GET /v1/runtime', call: () => ({ method: 'GET', path: '/v1/runtime' }) },
  ];

  /** Open to anyone by design: liveness, readiness and the API description. */
  const PUBLIC_ROUTES = ['GET /health', 'GET /ready'];

  it('the tables cover every route the server documents', async () => {
    const doc = await t.json('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    const documented = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    const tested = [...ENDPOINTS.map((e) => e.route), ...ADMIN_ROUTES.map((r) => r.route), ...PUBLIC_ROUTES];
    // A new route must be added to one of the tables (and so be tried without a key and by another account).
    expect(documented.sort()).toEqual(tested.sort());
  });

  describe('without a valid key every account route answers 401', () => {
    /** Each way of not being authenticated, and the code that names it. */
    const REFUSED: Array<{ what: string; headers(): Record<string, string>; code: string }> = [
      { what: 'no Authorization header', headers: () => ({}), code: 'unauthorized' },
      { what: 'Bearer not-a-key', headers: () => ({ authorization: 'Bearer not-a-key' }), code: 'invalid_api_key' },
      { what: 'Basic xyz', headers: () => ({ authorization: 'Basic xyz' }), code: 'invalid_api_key' },
      // Right shape, never issued: refused after the lookup, with the same code as a malformed one.
      { what: 'an unknown key', headers: () => bearer(`caa_${randomBytes(32).toString('base64url')}`), code: 'invalid_api_key' },
      { what: 'a revoked key of A', headers: () => bearer(kR.key), code: 'api_key_revoked' },
    ];
    const cases = REFUSED.flatMap((cred) => ENDPOINTS.map((endpoint) => ({ title: `${cred.what}: ${endpoint.route}`, cred, endpoint })));

    it.each(cases)('$title', async ({ cred, endpoint }) => {
      const res = await call(endpoint.call({ sessionId: sessionA, turnId: turnA }), cred.headers());
      const text = await res.text();
      expect(res.status).toBe(401);
      expect(JSON.parse(text).error.code).toBe(cred.code);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expectNoLeak(text);
    });
  });

  describe('another account’s key (B) never reaches A’s session', () => {
    it.each(ENDPOINTS.filter((e) => e.own))('$route: 200 with B’s own view', async (endpoint) => {
      const res = await call(endpoint.call({ sessionId: sessionA, turnId: turnA }), bearer(kB.key));
      const text = await res.text();
      expect(res.status).toBe(endpoint.own!.status);
      expectNoLeak(text);
      endpoint.own!.check(JSON.parse(text));
    });

    it.each(ENDPOINTS.filter((e) => !e.own))('$route: 404, as if A’s session did not exist', async (endpoint) => {
      const res = await call(endpoint.call({ sessionId: sessionA, turnId: turnA }), bearer(kB.key));
      const text = await res.text();
      // 404, never 403: a 403 would confirm that the id exists.
      expect(res.status).toBe(404);
      expect(JSON.parse(text).error.code).toBe(endpoint.notFound ?? 'session_not_found');

      // The error message names the id the caller sent; that echo is no leak only if the answer is
      // exactly the one for a session that never existed. So compare with such a request.
      const ghost = randomUUID();
      const probe = await call(endpoint.call({ sessionId: ghost, turnId: turnA }), bearer(kB.key));
      expect(probe.status).toBe(404);
      const echoed = text.replaceAll(sessionA, ghost);
      expect(echoed).toBe(await probe.text());
      // Nothing else of A's (turn id, title, prompt, account id) is in it.
      expectNoLeak(echoed);
    });
  });

  describe('the admin key is for accounts and keys only', () => {
    it.each(ENDPOINTS)('$route → 403 forbidden', async (endpoint) => {
      const res = await call(endpoint.call({ sessionId: sessionA, turnId: turnA }), admin);
      expect(res.status).toBe(403);
      expect(((await res.json()) as any).error.code).toBe('forbidden');
    });
  });

  it('after all that, A’s session is unchanged and B lists none of it', async () => {
    const s = await t.json('GET', `/v1/sessions/${sessionA}`, undefined, bearer(kA.key));
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({ id: sessionA, title: 'secret-title-of-A', status: 'idle', turn_count: 1 });
    const history = await t.json('GET', `/v1/sessions/${sessionA}/messages`, undefined, bearer(kA.key));
    expect(history.body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    expect(history.body.messages[0].content).toBe('secret prompt of A');

    // A still has exactly its one session: no fork or chat session of the intruder's landed here.
    const listA = await t.json('GET', '/v1/sessions', undefined, bearer(kA.key));
    expect(listA.body.sessions.map((x: { id: string }) => x.id)).toEqual([sessionA]);

    // B has only the session it created itself, archived or not.
    for (const q of ['', '?archived=true']) {
      const listB = await t.json('GET', `/v1/sessions${q}`, undefined, bearer(kB.key));
      expect(listB.status).toBe(200);
      expectNoLeak(JSON.stringify(listB.body));
      expect(listB.body.sessions.map((x: { title: string }) => x.title)).toEqual(q ? [] : ['b-own-session']);
    }
  });

  describe('admin routes', () => {
    it.each(ADMIN_ROUTES)('$route: 401 without a key, 403 forbidden with an account key', async (r) => {
      const none = await call(r.call(), {});
      expect(none.status).toBe(401);
      expect(((await none.json()) as any).error.code).toBe('unauthorized');
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer /);

      const withA = await call(r.call(), bearer(kA.key));
      expect(withA.status).toBe(403);
      expect(((await withA.json()) as any).error.code).toBe('forbidden');
    });

    it('the refused admin calls changed nothing', async () => {
      const accounts = await t.json('GET', '/v1/admin/accounts', undefined, admin);
      expect(accounts.body.accounts.map((a: Account) => a.name).sort()).toEqual(['alpha', 'bravo']);
      const a = await t.json('GET', `/v1/admin/accounts/${A.id}`, undefined, admin);
      expect(a.body).toMatchObject({ name: 'alpha', limits: { max_sessions: null } });
      expect((await listKeys(A.id)).map((k) => k.name)).toEqual(['a-main', 'a-revoked']);
      expect((await t.json('GET', '/v1/account', undefined, bearer(kB.key))).status).toBe(200);
    });
  });

  it('revoking a key works from the very next request; last_used_at tracks use', async () => {
    const fresh = await createKey(A.id, 'short-lived');
    const unused = await createKey(A.id, 'never-used');
    const ok = await t.json('GET', '/v1/account', undefined, bearer(fresh.key));
    expect(ok.status).toBe(200);
    expect(ok.body.id).toBe(A.id);

    // last_used_at is written after the request is let through, so wait for it.
    await vi.waitFor(
      async () => {
        const keys = await listKeys(A.id);
        expect(keys.find((k) => k.id === fresh.id)!.last_used_at).toEqual(expect.any(String));
      },
      { timeout: 5_000, interval: 50 },
    );
    const keys = await listKeys(A.id);
    expect(keys.find((k) => k.id === unused.id)!.last_used_at).toBeNull();
    // The listing shows prefixes only: never the secret or its hash.
    for (const k of [...keys, ...(await listKeys(B.id))]) {
      expect(k).not.toHaveProperty('key');
      expect(k).not.toHaveProperty('hash');
      expect(k.prefix).toBe(secrets.find((s) => s.id === k.id)!.prefix);
    }
    const listed = JSON.stringify(keys);
    for (const s of secrets) expect(listed).not.toContain(s.key);

    await revoke(A.id, fresh.id);
    const refused = await t.json('GET', '/v1/account', undefined, bearer(fresh.key));
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('api_key_revoked');
    // Only that key: A's other key still works.
    expect((await t.json('GET', '/v1/account', undefined, bearer(kA.key))).status).toBe(200);
  });

  describe('admin API basics', () => {
    it('a taken account name → 409 conflict', async () => {
      const r = await t.json('POST', '/v1/admin/accounts', { name: 'alpha' }, admin);
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('conflict');
    });

    it('an unknown account → 404 account_not_found', async () => {
      const unknown = randomUUID();
      for (const [method, p, body] of [
        ['GET', `/v1/admin/accounts/${unknown}`],
        ['GET', `/v1/admin/accounts/${unknown}/keys`],
        ['POST', `/v1/admin/accounts/${unknown}/keys`, { name: 'x' }],
      ] as const) {
        const r = await t.json(method, p, body, admin);
        expect(r.status, `${method} ${p}`).toBe(404);
        expect(r.body.error.code).toBe('account_not_found');
      }
    });

    it('revoking an unknown key, or another account’s key under A → 404 api_key_not_found', async () => {
      const unknown = await t.json('DELETE', `/v1/admin/accounts/${A.id}/keys/${randomUUID()}`, undefined, admin);
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('api_key_not_found');
      const crossed = await t.json('DELETE', `/v1/admin/accounts/${A.id}/keys/${kB.id}`, undefined, admin);
      expect(crossed.status).toBe(404);
      expect(crossed.body.error.code).toBe('api_key_not_found');
      expect((await t.json('GET', '/v1/account', undefined, bearer(kB.key))).status).toBe(200);
    });

    it('a new key is returned once, in our shape, with its prefix', async () => {
      const k = await createKey(B.id, 'b-second');
      expect(k.key).toMatch(KEY_SHAPE);
      expect(k.prefix).toBe(k.key.slice(0, 12));
      expect(k).not.toHaveProperty('hash');
      expect(k.account_id).toBe(B.id);
      // Each key is new randomness, not derived from the account.
      expect(new Set(secrets.map((s) => s.key)).size).toBe(secrets.length);
    });
  });

  /**
   * The control for the matrix: the very same requests with A's own key go through (on a second
   * session of A's, so the checks above stay valid). B's 404s therefore come from whose session
   * it is, not from a request that would have failed anyway.
   */
  it('the same requests with A’s own key succeed', async () => {
    const created = await t.json('POST', '/v1/sessions', { title: 'control' }, bearer(kA.key));
    const body = { model: t.config.model.name, input: 'control', metadata: { session_id: created.body.id } };
    const first = await t.json('POST', '/v1/responses', body, bearer(kA.key));
    expect(first.body.status).toBe('completed');
    const target = { sessionId: created.body.id as string, turnId: first.body.agent.turn_id as string };
    const expected: Record<string, number> = {
      'POST /v1/sessions': 201,
      'POST /v1/sessions/{id}/fork': 201,
      'DELETE /v1/sessions/{id}': 204,
      'PUT /v1/sessions/{id}/files/{path}': 201,
      'DELETE /v1/sessions/{id}/files/{path}': 204,
      // Past the session check: there is just no such request waiting.
      'POST /v1/sessions/{id}/permissions/{request_id}': 404,
    };
    for (const endpoint of ENDPOINTS) {
      const res = await call(endpoint.call(target), bearer(kA.key));
      const text = await res.text();
      expect(res.status, `${endpoint.route}: ${text.slice(0, 200)}`).toBe(expected[endpoint.route] ?? 200);
      if (res.status === 404) expect(JSON.parse(text).error.code).toBe('permission_not_found');
    }
  });

  /** Every row of a table, straight from the database the server uses. */
  async function rowsOf(table: 'api_keys' | 'accounts'): Promise<Array<Record<string, unknown>>> {
    const postgres = t.config.postgres;
    if (postgres) {
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      try {
        return (await client.query(`select * from ${pg.escapeIdentifier(postgres.schema)}.${table}`)).rows;
      } finally {
        await client.end();
      }
    }
    const db = new Database(t.config.databasePath, { readonly: true });
    try {
      return db.prepare(`select * from ${table}`).all() as Array<Record<string, unknown>>;
    } finally {
      db.close();
    }
  }

  it('keys are stored only as a SHA-256 hash and a 12-character prefix', async () => {
    const keys = await rowsOf('api_keys');
    const accounts = await rowsOf('accounts');
    // Every key this file was shown has its row (so the checks below looked at the right rows).
    expect(keys.map((r) => r.id).sort()).toEqual(secrets.map((s) => s.id).sort());
    expect(accounts).toHaveLength(2);

    for (const s of secrets) {
      const row = keys.find((r) => r.id === s.id)!;
      expect(row.hash).toBe(sha256(s.key));
      expect(row.prefix).toBe(s.key.slice(0, 12));
      // Neither the secret nor the part of it beyond the prefix is anywhere in either table.
      for (const r of [...keys, ...accounts]) {
        for (const value of Object.values(r)) {
          expect(String(value)).not.toContain(s.key);
          expect(String(value)).not.toContain(s.key.slice(12));
        }
      }
    }
    // Nor is the admin key, which lives in the environment only.
    expect(JSON.stringify([...keys, ...accounts])).not.toContain(ADMIN_KEY);
  });
});
