import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

/**
 * Structured logs through the whole real server, its logger writing into a buffer: one line per
 * request (with the request id echoed to the client), turn lines that carry their ids, and no
 * secret or message text in any line unless LOG_MESSAGES asks for the text.
 */

const ADMIN_KEY = `admin-${randomBytes(33).toString('base64url')}`;
/** What the harness gives the server as ANTHROPIC_API_KEY. */
const MODEL_KEY = 'test-key';
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A pino destination that keeps every line written to it. */
class Capture {
  text = '';
  write(chunk: string): void {
    this.text += chunk;
  }
  get raw(): string[] {
    return this.text.split('\n').filter(Boolean);
  }
  get lines(): LogLine[] {
    return this.raw.map((l) => JSON.parse(l) as LogLine);
  }
  requests(requestId: string): LogLine[] {
    return this.lines.filter((l) => l.msg === 'request' && l.request_id === requestId);
  }
}

/** Lines may trail the response by a tick: wait until `find` sees what it looks for. */
async function waitFor<T>(find: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no log line: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The request lines logged under `requestId`, once there is one. */
const requestLines = (capture: Capture, requestId: string) =>
  waitFor(() => (capture.requests(requestId).length > 0 ? capture.requests(requestId) : undefined), `request ${requestId}`);

async function startWithAccount(env: Record<string, string>) {
  const capture = new Capture();
  const t = await startTestServer({ ADMIN_API_KEY: ADMIN_KEY, LOG_LEVEL: 'info', ...env }, { logStream: capture });
  const account = await t.server.accounts.createAccount({ name: `logs-${randomUUID()}` });
  const { key } = await t.server.accounts.createKey(account.id, 'logs test');
  return { t, capture, accountId: account.id, key, auth: { authorization: `Bearer ${key}` } };
}

describe('structured logs', () => {
  let t: TestServer;
  let capture: Capture;
  let accountId: string;
  let key: string;
  let auth: Record<string, string>;
  let sessionId: string;
  let turnId: string;
  const MARKER = `marker-${randomUUID()}`;

  beforeAll(async () => {
    ({ t, capture, accountId, key, auth } = await startWithAccount({}));
    const created = await t.json('POST', '/v1/sessions', {}, auth);
    expect(created.status).toBe(201);
    sessionId = created.body.id;
  });
  afterAll(() => t?.close());

  it('logs a request once, under the id the client sent, and echoes the id', async () => {
    const res = await t.request('POST', `/v1/sessions/${sessionId}/messages`, { message: `say ${MARKER}` }, {
      ...auth,
      'X-Request-Id': 'test-req-123',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('test-req-123');
    const turn = await res.json();
    turnId = turn.id;
    expect(turn.response_text).toContain(MARKER); // the mock model echoes: the text was really there to leak

    const [line, ...more] = await requestLines(capture, 'test-req-123');
    expect(more).toEqual([]);
    expect(line).toMatchObject({
      level: 30,
      request_id: 'test-req-123',
      method: 'POST',
      route: '/v1/sessions/:id/messages',
      path: `/v1/sessions/${sessionId}/messages`,
      status: 200,
      account_id: accountId,
      session_id: sessionId,
      turn_id: turnId,
    });
    expect(typeof line!.duration_ms).toBe('number');
    expect(line!.duration_ms).toBeGreaterThan(0);
    expect(line).not.toHaveProperty('headers');
  });

  it('tags the turn lines with the session, turn and account', async () => {
    const turnLines = capture.lines.filter((l) => l.turn_id === turnId && l.msg !== 'request');
    const byMsg = (msg: string) => turnLines.find((l) => l.msg === msg);
    for (const msg of ['turn admitted', 'turn started', 'turn finished']) {
      expect(byMsg(msg), msg).toMatchObject({ session_id: sessionId, turn_id: turnId, account_id: accountId });
    }
    expect(byMsg('turn admitted')).toMatchObject({ queued: false, message_bytes: Buffer.byteLength(`say ${MARKER}`) });
    expect(byMsg('turn finished')).toMatchObject({ status: 'succeeded', num_turns: expect.any(Number), cost_usd: expect.any(Number) });
    expect(byMsg('turn finished')).not.toHaveProperty('response');
    expect(byMsg('turn admitted')).not.toHaveProperty('message');
  });

  it('generates a request id when none, or a malformed one, is sent', async () => {
    const plain = await t.request('GET', `/v1/sessions/${sessionId}`, undefined, auth);
    expect(plain.status).toBe(200);
    const generated = plain.headers.get('x-request-id') ?? '';
    expect(generated).toMatch(UUID_SHAPE);
    const [line] = await requestLines(capture, generated);
    expect(line).toMatchObject({ route: '/v1/sessions/:id', status: 200, account_id: accountId, session_id: sessionId });
    expect(line).not.toHaveProperty('turn_id');

    const malformed = 'not ok/with spaces';
    const bad = await t.request('GET', `/v1/sessions/${sessionId}`, undefined, { ...auth, 'X-Request-Id': malformed });
    expect(bad.headers.get('x-request-id')).toMatch(UUID_SHAPE);
    expect(bad.headers.get('x-request-id')).not.toBe(generated);
    expect(capture.raw.some((l) => l.includes(malformed))).toBe(false);
  });

  it('keeps the request id on error responses, and logs them (4xx as warn)', async () => {
    const missing = randomUUID();
    const notFound = await t.request('GET', `/v1/sessions/${missing}`, undefined, { ...auth, 'X-Request-Id': 'test-req-404' });
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('x-request-id')).toBe('test-req-404');
    const [nf] = await requestLines(capture, 'test-req-404');
    expect(nf).toMatchObject({ level: 40, status: 404, route: '/v1/sessions/:id', session_id: missing, account_id: accountId });

    // Refused by the auth middleware before any handler ran: still the handler's route, no account.
    const noKey = await t.request('GET', `/v1/sessions/${sessionId}`, undefined, { 'X-Request-Id': 'test-req-401' });
    expect(noKey.status).toBe(401);
    expect(noKey.headers.get('x-request-id')).toBe('test-req-401');
    const [unauth] = await requestLines(capture, 'test-req-401');
    expect(unauth).toMatchObject({ level: 40, status: 401, route: '/v1/sessions/:id', session_id: sessionId });
    expect(unauth).not.toHaveProperty('account_id');

    // No route at all: logged without one (not as the catch-all middleware's '/*').
    const nowhere = await t.request('GET', `/nowhere-${randomUUID()}?secret=q`, undefined, { 'X-Request-Id': 'test-req-none' });
    expect(nowhere.status).toBe(404);
    const [none] = await requestLines(capture, 'test-req-none');
    expect(none).toMatchObject({ status: 404, route: null, path: expect.stringMatching(/^\/nowhere-[0-9a-f-]+$/) });
  });

  it('logs a streamed answer when its headers go out', async () => {
    const res = await t.request('POST', `/v1/sessions/${sessionId}/messages`, { message: 'stream please', stream: true }, {
      ...auth,
      'X-Request-Id': 'test-req-sse',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('test-req-sse');
    await res.text();
    const [line] = await requestLines(capture, 'test-req-sse');
    expect(line).toMatchObject({ status: 200, streaming: true, session_id: sessionId, turn_id: expect.stringMatching(UUID_SHAPE) });
  });

  it('never logs a key, the Authorization header, or message text', async () => {
    // The admin key and a wrong key go through the server too.
    expect((await t.request('GET', '/v1/admin/accounts', undefined, { authorization: `Bearer ${ADMIN_KEY}` })).status).toBe(200);
    const wrong = `caa_${randomBytes(32).toString('base64url')}`;
    expect((await t.request('GET', '/v1/sessions', undefined, { authorization: `Bearer ${wrong}` })).status).toBe(401);
    await waitFor(() => capture.lines.find((l) => l.msg === 'request' && l.route === '/v1/admin/accounts'), 'admin request');

    const raw = capture.raw;
    expect(raw.length).toBeGreaterThan(10);
    for (const secret of [key, ADMIN_KEY, wrong, 'Bearer', MODEL_KEY, MARKER]) {
      expect(raw.filter((l) => l.includes(secret)), secret).toEqual([]);
    }
  });
});

describe('structured logs with LOG_MESSAGES=true', () => {
  let s: Awaited<ReturnType<typeof startWithAccount>>;
  beforeAll(async () => {
    s = await startWithAccount({ LOG_MESSAGES: 'true' });
  });
  afterAll(() => s?.t.close());

  it('puts the prompt and the answer in the turn lines', async () => {
    const marker = `marker-${randomUUID()}`;
    const session = await s.t.json('POST', '/v1/sessions', {}, s.auth);
    const turn = await s.t.json('POST', `/v1/sessions/${session.body.id}/messages`, { message: `say ${marker}` }, s.auth);
    expect(turn.status).toBe(200);
    const turnLines = await waitFor(() => {
      const lines = s.capture.lines.filter((l) => l.turn_id === turn.body.id && l.msg !== 'request');
      return lines.some((l) => l.msg === 'turn finished') ? lines : undefined;
    }, 'turn finished');
    expect(turnLines.find((l) => l.msg === 'turn admitted')).toMatchObject({ message: `say ${marker}`, account_id: s.accountId });
    expect(turnLines.find((l) => l.msg === 'turn finished')?.response).toContain(marker);
    // The text is in the turn's lines, never in the request line.
    expect(s.capture.lines.filter((l) => l.msg === 'request' && JSON.stringify(l).includes(marker))).toEqual([]);
    // Message text is allowed; secrets still are not.
    for (const secret of [s.key, ADMIN_KEY, 'Bearer', MODEL_KEY]) expect(s.capture.raw.filter((l) => l.includes(secret)), secret).toEqual([]);
  });
});

describe('the logger (src/log.ts)', () => {
  it('redacts credentials by field name and the configured secrets by value', () => {
    const capture = new Capture();
    const secret = `sk-${randomBytes(16).toString('hex')}`;
    const log = createLogger({ level: 'info', pretty: false, secrets: [secret] }, capture);
    log.info(
      {
        req: { headers: { authorization: 'Bearer abc', 'x-api-key': 'xyz', cookie: 'c=1' } },
        config: { model: { apiKey: 'k1' }, auth: { adminKey: 'k2' } },
        env: { ANTHROPIC_API_KEY: 'k3', ADMIN_API_KEY: 'k4' },
        note: `a value that contains ${secret} somewhere`,
      },
      `and the message too: ${secret}`,
    );
    log.child({ session_id: 's' }).warn({ authorization: 'Bearer def' }, 'child');
    const [first, second] = capture.lines;
    expect(first).toMatchObject({
      req: { headers: { authorization: '[redacted]', 'x-api-key': '[redacted]', cookie: '[redacted]' } },
      config: { model: { apiKey: '[redacted]' }, auth: { adminKey: '[redacted]' } },
      env: { ANTHROPIC_API_KEY: '[redacted]', ADMIN_API_KEY: '[redacted]' },
      note: 'a value that contains [redacted] somewhere',
      msg: 'and the message too: [redacted]',
    });
    expect(second).toMatchObject({ session_id: 's', authorization: '[redacted]' });
    expect(capture.text).not.toContain(secret);
    expect(capture.text).not.toContain('Bearer');
  });
});
