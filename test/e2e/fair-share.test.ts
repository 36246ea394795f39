import { randomBytes } from 'node:crypto';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { waitFor } from '../helpers/procs.js';

const ADMIN_KEY = `admin-${randomBytes(33).toString('base64url')}`;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/**
 * One tenant cannot take the whole warm pool: turns that wait on a tool approval hold a process
 * at almost no cost, yet past its share an account's turns wait while another tenant's run.
 */
describe('fair share of the warm pool', () => {
  let t: TestServer;
  let keyA = '';
  let keyB = '';
  let accountA = '';
  const admin = bearer(ADMIN_KEY);

  beforeAll(async () => {
    t = await startTestServer({
      ADMIN_API_KEY: ADMIN_KEY,
      MAX_WARM_SESSIONS: '4',
      APPROVAL_REQUIRED_TOOLS: 'mcp__weather',
      APPROVAL_TIMEOUT: '5m',
    });
    const a = (await t.json('POST', '/v1/admin/accounts', { name: 'greedy' }, admin)).body;
    const b = (await t.json('POST', '/v1/admin/accounts', { name: 'polite' }, admin)).body;
    accountA = a.id;
    keyA = (await t.json('POST', `/v1/admin/accounts/${a.id}/keys`, { name: 'a' }, admin)).body.key;
    keyB = (await t.json('POST', `/v1/admin/accounts/${b.id}/keys`, { name: 'b' }, admin)).body.key;
  });
  afterAll(() => t?.close());

  /** The request id of the turn's permission request, from its event stream. */
  const permissionOf = (session: string, turn: string) =>
    new Promise<string>((resolve, reject) => {
      const es = new EventSource(`${t.url}/v1/sessions/${session}/turns/${turn}/events`, {
        fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...bearer(keyA) } }),
      });
      es.addEventListener('permission.requested', (e) => {
        es.close();
        resolve(JSON.parse(e.data).request_id as string);
      });
      es.addEventListener('turn.finished', () => {
        es.close();
        reject(new Error('the turn ended without asking'));
      });
    });

  it('an account holding its share (approval waits) waits for more; another account’s turn runs meanwhile', async () => {
    const runtime = async () => (await t.json('GET', '/v1/runtime', undefined, admin)).body;
    expect((await runtime()).account_max_warm).toBe(2);

    // A starts four turns that each stop at an approval.
    const turns: Array<{ session: string; turn: string }> = [];
    for (let i = 0; i < 4; i++) {
      const session = (await t.json('POST', '/v1/sessions', {}, bearer(keyA))).body.id as string;
      const r = await t.json('POST', `/v1/sessions/${session}/messages`, { message: 'What is the weather in Paris?', background: true }, bearer(keyA));
      expect(r.status).toBe(202);
      turns.push({ session, turn: r.body.turn_id });
    }
    const held = await waitFor(
      runtime,
      (s) => s.busy === 2 && s.accounts.some((x: any) => x.account_id === accountA && x.in_use === 2 && x.waiting === 2),
      60_000,
    );
    expect(held.accounts).toContainEqual({ account_id: accountA, in_use: 2, waiting: 2, share: 2 });
    expect(held.busy).toBe(2);

    // B's first turn finds room at once: it does not wait for A's approvals.
    const sessionB = (await t.json('POST', '/v1/sessions', {}, bearer(keyB))).body.id as string;
    const b = await t.json('POST', `/v1/sessions/${sessionB}/messages`, { message: 'hello' }, bearer(keyB));
    expect(b.body.status).toBe('succeeded');
    // A's approvals are still pending: B ran beside them, not after them.
    const during = await runtime();
    expect(during.accounts.find((x: any) => x.account_id === accountA)).toMatchObject({ in_use: 2, waiting: 2 });

    // Approving A's turns lets the waiting ones run, one share at a time; all four end.
    const done = new Set<string>();
    while (done.size < 4) {
      const pending = await waitFor(
        async () => {
          const states = await Promise.all(turns.map(async (x) => ({ ...x, status: (await t.json('GET', `/v1/sessions/${x.session}/turns/${x.turn}`, undefined, bearer(keyA))).body.status })));
          return states.filter((s) => !done.has(s.turn));
        },
        (list) => list.length > 0,
        10_000,
      );
      for (const x of pending) {
        if (x.status === 'succeeded') {
          done.add(x.turn);
          continue;
        }
        const s = await runtime();
        const mine = s.sessions.find((w: any) => w.id === x.session);
        if (!mine?.busy) continue; // still waiting for a process
        const requestId = await permissionOf(x.session, x.turn);
        const d = await t.json('POST', `/v1/sessions/${x.session}/permissions/${requestId}`, { decision: 'allow' }, bearer(keyA));
        expect(d.status).toBe(200);
        await waitFor(async () => (await t.json('GET', `/v1/sessions/${x.session}/turns/${x.turn}`, undefined, bearer(keyA))).body.status, (st) => st === 'succeeded', 60_000);
        done.add(x.turn);
      }
    }
    expect((await runtime()).accounts).toEqual([]);
  });
});
