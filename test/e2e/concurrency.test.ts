import { afterEach, describe, expect, it } from 'vitest';
import { historyOf, startTestServer, type TestServer } from '../helpers/harness.js';
import { waitFor } from '../helpers/procs.js';

const SLOW = `MOCK slow 30 ${Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ')}`;

/** One turn at a time per session, whatever arrives at once; caps per session and per account. */
describe('concurrent messages', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const newSession = async () => (await t!.json('POST', '/v1/sessions', {})).body.id as string;
  const send = (id: string, message: string, if_busy?: string) =>
    t!.json('POST', `/v1/sessions/${id}/messages`, { message, ...(if_busy ? { if_busy } : {}) });

  /** The request the model last got must alternate user/assistant: no turn was interleaved. */
  async function expectWellFormed(id: string) {
    const check = await send(id, 'final check');
    expect(check.body.status).toBe('succeeded');
    const roles = (t!.mock.requests.at(-1)!.body as { messages: { role: string }[] }).messages
      .map((m) => m.role)
      .filter((r) => r !== 'system');
    roles.forEach((role, i) => expect(role).toBe(i % 2 === 0 ? 'user' : 'assistant'));
    expect(roles.at(-1)).toBe('user');
  }

  it('reject: one of ten concurrent messages runs, the others get 409 session_busy', async () => {
    t = await startTestServer();
    const id = await newSession();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => send(id, `msg ${i}`, 'reject')));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(ok[0]!.body.status).toBe('succeeded');
    const busy = results.filter((r) => r.status === 409);
    expect(busy).toHaveLength(9);
    for (const r of busy) expect(r.body.error.code).toBe('session_busy');
    const history = await t.json('GET', `/v1/sessions/${id}/messages`);
    expect(history.body.messages).toHaveLength(2);
    await expectWellFormed(id);
  });

  it('enqueue: ten concurrent messages each get their own answer, one after another', async () => {
    t = await startTestServer({ MAX_QUEUED_TURNS: '16' });
    const id = await newSession();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => send(id, `msg ${i}`, 'enqueue')));
    const seqs = new Set<number>();
    for (const [i, r] of results.entries()) {
      expect(r.status).toBe(200);
      expect(r.body.status).toBe('succeeded');
      expect(r.body.response_text).toContain(`Echo: msg ${i} `);
      // The n-th turn to run saw exactly the n-1 turns before it, each with its answer.
      expect(historyOf(r.body.response_text)).toBe(2 * r.body.seq - 1);
      seqs.add(r.body.seq);
    }
    expect([...seqs].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await expectWellFormed(id);
  });

  it('interrupt: each newer message interrupts the one before; only the last runs to the end', async () => {
    t = await startTestServer();
    const id = await newSession();
    const first = send(id, SLOW, 'interrupt');
    await waitFor(() => t!.mock.requests.length, (n) => n > 0);
    const rest = await Promise.all(Array.from({ length: 9 }, (_, i) => send(id, `${SLOW} n${i}`, 'interrupt')));
    const all = [await first, ...rest];
    for (const r of all) expect(r.status).toBe(200);
    const statuses = all.map((r) => r.body.status);
    expect(statuses.filter((s) => s === 'succeeded')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'interrupted')).toHaveLength(9);
    // The first was stopped mid-answer: it keeps what it had streamed so far.
    expect(all[0]!.body.status).toBe('interrupted');
    expect(all[0]!.body.response_text.length).toBeLessThan(SLOW.length);
    await expectWellFormed(id);
  });

  it('bounds the queue per session: 429 queue_full with Retry-After', async () => {
    t = await startTestServer({ MAX_QUEUED_TURNS: '1' });
    const id = await newSession();
    const running = send(id, SLOW);
    await waitFor(() => t!.mock.requests.length, (n) => n > 0);
    const queued = send(id, 'second', 'enqueue');
    await new Promise((r) => setTimeout(r, 100));
    const res = await t.request('POST', `/v1/sessions/${id}/messages`, { message: 'third', if_busy: 'enqueue' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('queue_full');
    expect((await running).body.status).toBe('succeeded');
    expect((await queued).body.response_text).toContain('Echo: second');
  });

  it('caps turns running at once per account: 429 too_many_turns, then it works', async () => {
    t = await startTestServer({ ACCOUNT_MAX_CONCURRENT_TURNS: '1' });
    const a = await newSession();
    const b = await newSession();
    const running = send(a, SLOW);
    await waitFor(() => t!.mock.requests.length, (n) => n > 0);
    const res = await t.request('POST', `/v1/sessions/${b}/messages`, { message: 'me too' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('too_many_turns');
    await running;
    expect((await send(b, 'me now')).body.status).toBe('succeeded');
    // The refused message left nothing behind.
    expect((await t.json('GET', `/v1/sessions/${b}/messages`)).body.messages).toHaveLength(2);
  });

  it('a client that disconnects does not cancel its turn; the answer is still stored', async () => {
    t = await startTestServer();
    const id = await newSession();
    const ctrl = new AbortController();
    const req = fetch(`${t.url}/v1/sessions/${id}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'MOCK slow 20 the answer survives the hang-up' }),
      signal: ctrl.signal,
    }).catch((e: Error) => e);
    await waitFor(() => t!.mock.requests.length, (n) => n > 0);
    ctrl.abort();
    expect(await req).toBeInstanceOf(Error);
    const history = await waitFor(
      () => t!.json('GET', `/v1/sessions/${id}/messages`),
      (h) => h.body.messages.length === 2,
      10_000,
    );
    expect(history.body.messages[1]).toMatchObject({ role: 'assistant', status: 'succeeded' });
    expect(history.body.messages[1].content).toContain('the answer survives the hang-up');
  });
});
