import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { promSeries, promSum, promValue } from '../helpers/prom-text.js';
import { readSse, type SseEvent, type SseRead } from '../helpers/sse.js';

/**
 * GET /metrics through the whole real server: turns that succeed, fail and stream move the right
 * series by the right amounts, the runtime's figures are mirrored at scrape time, labels stay
 * bounded (no session or turn ids), and the endpoint is protected like the admin routes.
 */

const ADMIN_KEY = `admin-${randomBytes(33).toString('base64url')}`;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const admin = bearer(ADMIN_KEY);
const MESSAGES = '/v1/sessions/:id/messages';
const TOKEN_TYPES = { input: 'input_tokens', output: 'output_tokens', cache_read: 'cache_read_input_tokens', cache_write: 'cache_creation_input_tokens' } as const;

interface Turn {
  id: string;
  session_id: string;
  status: string;
  usage: Record<string, number>;
  cost_usd: number;
  duration_ms: number;
  error: { code: string } | null;
}

async function scrape(t: TestServer, headers: Record<string, string> = admin): Promise<string> {
  const res = await t.request('GET', '/metrics', undefined, headers);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return text;
}

async function accountKey(t: TestServer, name: string): Promise<{ accountId: string; key: string }> {
  const acc = await t.json('POST', '/v1/admin/accounts', { name }, admin);
  expect(acc.status, JSON.stringify(acc.body)).toBe(201);
  const key = await t.json('POST', `/v1/admin/accounts/${acc.body.id}/keys`, { name: `${name}-key` }, admin);
  expect(key.status, JSON.stringify(key.body)).toBe(201);
  return { accountId: acc.body.id, key: key.body.key };
}

async function newSession(t: TestServer, auth: Record<string, string>): Promise<string> {
  const r = await t.json('POST', '/v1/sessions', {}, auth);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id;
}

async function waitForTurn(t: TestServer, auth: Record<string, string>, sessionId: string, turnId: string): Promise<Turn> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await t.json('GET', `/v1/sessions/${sessionId}/turns/${turnId}`, undefined, auth);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    if (!['queued', 'running'].includes(r.body.status)) return r.body;
    if (Date.now() > deadline) throw new Error(`turn ${turnId} still ${r.body.status}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

function streamPost(t: TestServer, auth: Record<string, string>, sessionId: string, message: string): Promise<Response> {
  return fetch(`${t.url}/v1/sessions/${sessionId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify({ message, stream: true }),
  });
}

/** The ended turn of a read stream (its terminal event carries it). */
function endedTurn(read: SseRead): Turn {
  const last = read.events.at(-1)!;
  expect(['turn.finished', 'turn.failed'], JSON.stringify(last)).toContain(last.event);
  return last.data.turn as Turn;
}

describe('Prometheus metrics (admin-protected)', () => {
  let t: TestServer;
  let auth: Record<string, string>;
  let accountId: string;
  beforeAll(async () => {
    t = await startTestServer({ ADMIN_API_KEY: ADMIN_KEY });
    const k = await accountKey(t, 'metrics');
    accountId = k.accountId;
    auth = bearer(k.key);
  });
  afterAll(() => t?.close());

  it('turns that succeed, fail and stream move the right series by the right amounts', async () => {
    const backend = t.server.store.backend;
    const model = t.config.model.name;
    const before = await scrape(t);
    // Every series this test reads exists from the start (or appears below, checked there).
    for (const name of ['caa_warm_sessions', 'caa_busy_sessions', 'caa_queued_turns', 'caa_pool_rss_bytes', 'caa_stream_clients', 'caa_process_spawns_total', 'caa_process_crashes_total']) {
      expect(promValue(before, name), name).toBeDefined();
    }
    expect(promValue(before, 'caa_stream_clients')).toBe(0);
    expect(promSeries(before, 'caa_process_evictions_total').map((s) => s.labels.reason).sort()).toEqual(
      ['budget_spent', 'capacity', 'deleted', 'idle_timeout', 'memory', 'settings_changed', 'stale'],
    );
    // Default process metrics come from this server's own registry.
    expect(promValue(before, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);

    // 1. A plain message that succeeds.
    const s1 = await newSession(t, auth);
    const plain = await t.json('POST', `/v1/sessions/${s1}/messages`, { message: 'hello metrics' }, auth);
    expect(plain.status, JSON.stringify(plain.body)).toBe(200);
    expect(plain.body.status).toBe('succeeded');

    // 2. A message whose model call fails.
    const s2 = await newSession(t, auth);
    const failed = await t.json('POST', `/v1/sessions/${s2}/messages`, { message: 'MOCK fail 500' }, auth);
    expect(failed.status, JSON.stringify(failed.body)).toBe(200);
    expect(failed.body.status).toBe('failed');
    const errorCode = failed.body.error.code as string;
    expect(errorCode).toBeTruthy();

    // 3. A streamed message, read to its end.
    const s3 = await newSession(t, auth);
    const streamedRes = await streamPost(t, auth, s3, 'stream me');
    expect(streamedRes.status).toBe(200);
    const streamed = endedTurn(await readSse(streamedRes));
    expect(streamed.status).toBe('succeeded');

    // 4. A slow stream: scraped while open, with a second message queued behind it.
    let firstDelta!: () => void;
    const sawDelta = new Promise<void>((r) => (firstDelta = r));
    const slowRes = await streamPost(t, auth, s3, 'MOCK slow 100 a b c d e f g h i j');
    expect(slowRes.status).toBe(200);
    const slowRead = readSse(slowRes, { onEvent: (e: SseEvent) => e.event === 'text.delta' && firstDelta() });
    await sawDelta;
    const queuedPost = await t.json('POST', `/v1/sessions/${s3}/messages`, { message: 'after the slow one', if_busy: 'enqueue', background: true }, auth);
    expect(queuedPost.status, JSON.stringify(queuedPost.body)).toBe(202);
    expect(queuedPost.body.status).toBe('queued');
    const mid = await scrape(t);
    const slow = endedTurn(await slowRead);
    expect(slow.status).toBe('succeeded');
    const queued = await waitForTurn(t, auth, s3, queuedPost.body.turn_id);
    expect(queued.status).toBe('succeeded');

    expect(promValue(mid, 'caa_stream_clients')).toBe(1);
    expect(promValue(mid, 'caa_busy_sessions')).toBeGreaterThanOrEqual(1);
    expect(promValue(mid, 'caa_queued_turns')).toBe(1);
    // The open stream's request was already counted: streamed responses are timed until their headers.
    const messages200 = (text: string) => promValue(text, 'caa_http_requests_total', { method: 'POST', route: MESSAGES, status: '200' }) ?? 0;
    expect(messages200(mid) - messages200(before)).toBe(4);

    // 5. Requests refused before a route ran, and one that matches no route.
    expect((await t.request('GET', `/v1/sessions/${s1}`)).status).toBe(401);
    expect((await t.request('GET', `/no-such-route/${s1}`, undefined, admin)).status).toBe(404);

    const after = await scrape(t);
    const delta = (name: string, labels: Record<string, string> = {}) => promSum(after, name, labels) - promSum(before, name, labels);
    const turns: Turn[] = [plain.body, failed.body, streamed, slow, queued];

    // Gauges back at rest.
    expect(promValue(after, 'caa_stream_clients')).toBe(0);
    expect(promValue(after, 'caa_busy_sessions')).toBe(0);
    expect(promValue(after, 'caa_queued_turns')).toBe(0);

    // Turns, by final status; the succeeded ones under the model that answered.
    expect(delta('caa_turns_total', { status: 'succeeded' })).toBe(4);
    expect(delta('caa_turns_total', { status: 'succeeded', model })).toBe(4);
    expect(delta('caa_turns_total', { status: 'failed' })).toBe(1);
    expect(delta('caa_turns_total', { status: 'interrupted' })).toBe(0);
    expect(delta('caa_turn_errors_total', { code: errorCode })).toBe(1);
    expect(delta('caa_turn_errors_total')).toBe(1);
    expect(promSeries(after, 'caa_turns_total').every((s) => Object.keys(s.labels).sort().join() === 'model,status')).toBe(true);

    // Durations: one observation per turn, summing to the turns' own duration_ms.
    expect(delta('caa_turn_duration_seconds_count', { status: 'succeeded' })).toBe(4);
    expect(delta('caa_turn_duration_seconds_count', { status: 'failed' })).toBe(1);
    const ok = turns.filter((x) => x.status === 'succeeded');
    expect(delta('caa_turn_duration_seconds_sum', { status: 'succeeded' })).toBeCloseTo(ok.reduce((s, x) => s + x.duration_ms / 1000, 0), 6);
    expect(slow.duration_ms).toBeGreaterThanOrEqual(900);
    expect(promValue(after, 'caa_turn_duration_seconds_bucket', { status: 'succeeded', model, le: '0.5' })).toBeLessThan(
      promValue(after, 'caa_turn_duration_seconds_count', { status: 'succeeded', model })!,
    );
    // Time to first token: each succeeded turn streamed text; it came before the turn ended.
    expect(delta('caa_turn_time_to_first_token_seconds_count', { model })).toBe(4);
    const ttft = delta('caa_turn_time_to_first_token_seconds_sum', { model });
    expect(ttft).toBeGreaterThan(0);
    expect(ttft).toBeLessThan(delta('caa_turn_duration_seconds_sum', { status: 'succeeded', model }));

    // Tokens and cost: exactly what the turns report.
    for (const [type, field] of Object.entries(TOKEN_TYPES)) {
      expect(delta('caa_tokens_total', { type }), type).toBe(turns.reduce((s, x) => s + x.usage[field]!, 0));
    }
    expect(delta('caa_tokens_total', { type: 'output', model })).toBeGreaterThan(0);
    const cost = turns.reduce((s, x) => s + x.cost_usd, 0);
    expect(cost).toBeGreaterThan(0);
    expect(delta('caa_cost_usd_total')).toBeCloseTo(cost, 9);

    // HTTP: route templates, not paths; refused and unmatched requests too.
    expect(delta('caa_http_requests_total', { method: 'POST', route: MESSAGES, status: '200' })).toBe(4);
    expect(delta('caa_http_requests_total', { method: 'POST', route: MESSAGES, status: '202' })).toBe(1);
    expect(delta('caa_http_request_duration_seconds_count', { method: 'POST', route: MESSAGES, status: '200' })).toBe(4);
    expect(delta('caa_http_requests_total', { method: 'POST', route: '/v1/sessions', status: '201' })).toBe(3);
    expect(delta('caa_http_requests_total', { method: 'GET', route: '/v1/sessions/:id', status: '401' })).toBe(1);
    expect(delta('caa_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(delta('caa_http_requests_total', { method: 'GET', route: '/metrics', status: '200' })).toBe(2);
    expect(promSeries(after, 'caa_http_requests_total').every((s) => !s.labels.route!.includes(s1))).toBe(true);

    // Store calls, timed per operation and backend: one admission and one finish per turn.
    expect(delta('caa_store_operation_duration_seconds_count', { operation: 'queue.admit', backend })).toBe(5);
    expect(delta('caa_store_operation_duration_seconds_count', { operation: 'catalog.finishTurn', backend })).toBe(5);
    expect(delta('caa_store_operation_duration_seconds_count', { operation: 'transcripts.append', backend })).toBeGreaterThan(0);
    expect(delta('caa_store_operation_duration_seconds_count', { operation: 'accounts.findKey', backend })).toBeGreaterThan(0);
    expect(promSeries(after, 'caa_store_operation_duration_seconds_count').every((s) => s.labels.backend === backend)).toBe(true);

    // The pool, mirrored at scrape time.
    const rt = await t.json('GET', '/v1/runtime', undefined, admin);
    expect(rt.status).toBe(200);
    expect(promValue(after, 'caa_process_spawns_total')).toBe(rt.body.spawns);
    expect(delta('caa_process_spawns_total')).toBeGreaterThanOrEqual(3);
    expect(promValue(after, 'caa_process_crashes_total')).toBe(rt.body.crashes);
    for (const [reason, n] of Object.entries(rt.body.evictions as Record<string, number>)) {
      expect(promValue(after, 'caa_process_evictions_total', { reason }), reason).toBe(n);
    }
    expect(promValue(after, 'caa_warm_sessions')).toBe(rt.body.warm);
    expect(rt.body.warm).toBeGreaterThanOrEqual(1);
    expect(promValue(after, 'caa_pool_rss_bytes')).toBeGreaterThan(0);

    // Bounded labels: no session or turn id anywhere, and no account unless enabled.
    for (const text of [mid, after]) {
      for (const id of [s1, s2, s3, ...turns.map((x) => x.id), accountId]) expect(text).not.toContain(id);
    }
  });

  it('a client that drops its stream stops counting at once, while the turn goes on', async () => {
    const sessionId = await newSession(t, auth);
    const words = Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ');
    const res = await streamPost(t, auth, sessionId, `MOCK slow 300 ${words}`);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    expect(promValue(await scrape(t), 'caa_stream_clients')).toBe(1);
    await reader.cancel();
    // The turn still runs for seconds: only the disconnect can bring the gauge down this soon.
    const deadline = Date.now() + 2_000;
    let open = promValue(await scrape(t), 'caa_stream_clients');
    while (open !== 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      open = promValue(await scrape(t), 'caa_stream_clients');
    }
    expect(open).toBe(0);
    expect(promValue(await scrape(t), 'caa_busy_sessions')).toBe(1);
    const stop = await t.json('POST', `/v1/sessions/${sessionId}/interrupt`, {}, auth);
    expect(stop.body.interrupted, JSON.stringify(stop.body)).toBe(true);
  });

  it('needs the admin key: 401 without a key, 403 with an account key', async () => {
    const none = await t.json('GET', '/metrics');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthorized');
    const wrong = await t.json('GET', '/metrics', undefined, bearer(`caa_${'x'.repeat(43)}`));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_api_key');
    const account = await t.json('GET', '/metrics', undefined, auth);
    expect(account.status).toBe(403);
    expect(account.body.error.code).toBe('forbidden');
    await scrape(t, admin);
  });

  it('is not in the OpenAPI document', async () => {
    const doc = await t.json('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toContain('/v1/runtime');
    expect(Object.keys(doc.body.paths)).not.toContain('/metrics');
  });
});

describe('Prometheus metrics: METRICS_PUBLIC and METRICS_ACCOUNT_LABELS', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ ADMIN_API_KEY: ADMIN_KEY, METRICS_PUBLIC: 'true', METRICS_ACCOUNT_LABELS: 'true' });
  });
  afterAll(() => t?.close());

  it('answers without a key and labels turns and cost (only) by account', async () => {
    const model = t.config.model.name;
    const before = await scrape(t, {});
    const { accountId, key } = await accountKey(t, 'labelled');
    const sessionId = await newSession(t, bearer(key));
    const turn = await t.json('POST', `/v1/sessions/${sessionId}/messages`, { message: 'count me' }, bearer(key));
    expect(turn.body.status, JSON.stringify(turn.body)).toBe('succeeded');
    const after = await scrape(t, {});

    expect(promValue(before, 'caa_turns_total', { status: 'succeeded', model, account: accountId })).toBeUndefined();
    expect(promValue(after, 'caa_turns_total', { status: 'succeeded', model, account: accountId })).toBe(1);
    expect(promValue(after, 'caa_cost_usd_total', { model, account: accountId })).toBeCloseTo(turn.body.cost_usd, 9);
    expect(turn.body.cost_usd).toBeGreaterThan(0);
    // Everything else stays per model only.
    for (const name of ['caa_tokens_total', 'caa_turn_duration_seconds_count', 'caa_turn_time_to_first_token_seconds_count']) {
      const series = promSeries(after, name);
      expect(series.length, name).toBeGreaterThan(0);
      expect(series.every((s) => !('account' in s.labels)), name).toBe(true);
    }
    expect(after).not.toContain(sessionId);
    expect(after).not.toContain(turn.body.id);
  });
});

describe('Prometheus metrics: keyless local mode', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t?.close());

  it('is open like the admin routes', async () => {
    const text = await scrape(t, {});
    expect(promValue(text, 'caa_warm_sessions')).toBe(0);
  });
});
