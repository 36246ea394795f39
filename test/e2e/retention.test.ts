import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectKeyFor } from '../../src/runtime/project-key.js';
import { countWhereIn } from '../helpers/db.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/harness.js';

const DAY_MS = 86_400_000;
const ADMIN = 'retention-test-admin-key-0123456789abcdef';
const admin = { authorization: `Bearer ${ADMIN}` };

/** Retention: idle sessions are purged from every table and from disk; busy and recent ones stay. */
describe('retention purge', () => {
  let t: TestServer;
  const clock = new TestClock();
  beforeAll(async () => {
    t = await startTestServer({ ADMIN_API_KEY: ADMIN, RETENTION_DAYS: '30', PURGE_INTERVAL: '24h' }, { clock });
  });
  afterAll(() => t.close());

  async function account(name: string, retentionDays?: number) {
    const a = await t.server.accounts.createAccount({ name, limits: retentionDays ? { retentionDays } : {} });
    const { key } = await t.server.accounts.createKey(a.id, null);
    const headers = { authorization: `Bearer ${key}` };
    const call = (method: string, p: string, body?: unknown) => t.json(method, p, body, headers);
    /** A session with one finished turn (a tool call, so there is more than one transcript line). */
    const session = async () => {
      const r = await call('POST', '/chat', { message: 'What is the weather in Paris?' });
      expect(r.status).toBe(200);
      return r.body.session_id as string;
    };
    return { id: a.id, call, session };
  }

  const localFile = (accountId: string, sessionId: string) =>
    path.join(t.config.claudeConfigDir, 'projects', projectKeyFor(accountId), `${sessionId}.jsonl`);

  /** Rows of the sessions left in every table that holds session data. */
  async function rowsOf(sessionIds: string[], turnIds: string[]) {
    return {
      sessions: await countWhereIn(t.config, 'sessions', 'id', sessionIds),
      turns: await countWhereIn(t.config, 'turns', 'session_id', sessionIds),
      events: await countWhereIn(t.config, 'turn_events', 'turn_id', turnIds),
      entries: await countWhereIn(t.config, 'transcript_entries', 'session_id', sessionIds),
      summaries: await countWhereIn(t.config, 'session_summaries', 'session_id', sessionIds),
    };
  }

  it('purges idle sessions everywhere, per-account retention first, never busy or recent ones; dry run deletes nothing', async () => {
    const a = await account('keeps-30-days');
    const b = await account('keeps-7-days', 7);
    const aOld = await a.session();
    const bOld = await b.session();
    // Busy: its turn started 31 days "ago" and is still running when the purge comes.
    const aBusy = (await a.call('POST', '/v1/sessions')).body.id;
    const busyTurn = await a.call('POST', `/v1/sessions/${aBusy}/messages`, { message: `MOCK slow 150 ${'word '.repeat(60)}`, background: true });
    expect(busyTurn.status).toBe(202);

    clock.advance(10 * DAY_MS);
    const bMid = await b.session(); // 21 days old at purge time: past B's 7 days
    clock.advance(21 * DAY_MS);
    const aRecent = await a.session();
    const bRecent = await b.session();

    const due = [aOld, bOld, bMid];
    const turnIds = [];
    for (const [acct, id] of [[a, aOld], [b, bOld], [b, bMid]] as const) {
      turnIds.push(...(await acct.call('GET', `/v1/sessions/${id}/messages`)).body.messages.map((m: { turn_id: string }) => m.turn_id));
    }
    for (const [acct, id] of [[a, aOld], [b, bOld], [b, bMid]] as const) expect(existsSync(localFile(acct.id, id))).toBe(true);
    const before = await rowsOf(due, turnIds);
    expect(before).toMatchObject({ sessions: 3, turns: 3 });
    expect(before.entries).toBeGreaterThan(3);
    expect(before.events).toBeGreaterThan(3);

    const stats = await t.json('GET', '/v1/admin/storage-stats', undefined, admin);
    expect(stats.body).toMatchObject({ due_for_purge: 3, retention_days: 30 });
    const bStats = await b.call('GET', '/v1/storage-stats');
    expect(bStats.body).toMatchObject({ sessions: 3, due_for_purge: 2, retention_days: 7 });

    const dry = await t.json('POST', '/v1/admin/purge', { dry_run: true }, admin);
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dry_run: true, sessions: 3, turns: 3, entries: before.entries, local_files: 0 });
    expect(dry.body.events).toBe(before.events);
    expect(dry.body.bytes).toBeGreaterThan(0);
    expect([...dry.body.session_ids].sort()).toEqual([...due].sort());
    expect(await rowsOf(due, turnIds)).toEqual(before); // the dry run deleted nothing

    const real = await t.json('POST', '/v1/admin/purge', {}, admin);
    expect(real.body).toMatchObject({ ...dry.body, dry_run: false });
    expect(await rowsOf(due, turnIds)).toEqual({ sessions: 0, turns: 0, events: 0, entries: 0, summaries: 0 });
    for (const [acct, id] of [[a, aOld], [b, bOld], [b, bMid]] as const) {
      expect(existsSync(localFile(acct.id, id))).toBe(false);
      expect((await acct.call('GET', `/v1/sessions/${id}`)).status).toBe(404);
    }

    // Recent sessions and the busy one are untouched, and the busy turn finishes normally.
    expect((await a.call('GET', `/v1/sessions/${aRecent}/messages`)).body.messages).toHaveLength(2);
    expect((await b.call('GET', `/v1/sessions/${bRecent}`)).status).toBe(200);
    expect(existsSync(localFile(a.id, aRecent))).toBe(true);
    for (let i = 0; i < 400 && (await a.call('GET', busyTurn.body.links.turn)).body.status === 'running'; i++) await sleep(50);
    expect((await a.call('GET', busyTurn.body.links.turn)).body.status).toBe('succeeded');
    expect((await a.call('GET', `/v1/sessions/${aBusy}/messages`)).body.messages).toHaveLength(2);

    // Nothing else is due until the busy session, now idle, is itself 30 days old.
    expect((await t.json('GET', '/v1/admin/storage-stats', undefined, admin)).body.due_for_purge).toBe(0);
    expect((await t.json('POST', '/v1/admin/purge', { dry_run: true }, admin)).body.sessions).toBe(0);
  });

  it('an account key cannot purge; a malformed request is refused', async () => {
    const a = await account('not-admin');
    expect((await a.call('POST', '/v1/admin/purge', { dry_run: true })).status).toBe(403);
    expect((await t.json('POST', '/v1/admin/purge', { dry_run: 'yes' }, admin)).status).toBe(400);
  });
});

describe('scheduled purge', () => {
  let t: TestServer;
  const clock = new TestClock();
  beforeAll(async () => {
    t = await startTestServer({ RETENTION_DAYS: '2', PURGE_INTERVAL: '300ms' }, { clock });
  });
  afterAll(() => t.close());

  it('runs on its interval and purges what became due', async () => {
    const old = (await t.json('POST', '/chat', { message: 'soon forgotten' })).body.session_id;
    expect((await t.json('GET', `/v1/sessions/${old}`)).status).toBe(200);
    clock.advance(3 * DAY_MS);
    const fresh = (await t.json('POST', '/chat', { message: 'kept' })).body.session_id;
    for (let i = 0; i < 100 && (await t.json('GET', `/v1/sessions/${old}`)).status === 200; i++) await sleep(50);
    expect((await t.json('GET', `/v1/sessions/${old}`)).status).toBe(404);
    expect((await t.json('GET', `/v1/sessions/${fresh}`)).status).toBe(200);
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
