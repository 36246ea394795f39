import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyOf, startTestServer, type TestServer } from '../helpers/harness.js';

/** Fork, archive and search, through real HTTP, the real SDK and `claude`, and the mock model. */
describe('session lifecycle', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  const send = (id: string, message: string) => t.json('POST', `/v1/sessions/${id}/messages`, { message });
  // claude-sonnet-4-5 list price ($3 / $15 per million tokens) applied to a turn's own usage.
  const price = (u: { input_tokens: number; output_tokens: number }) => (u.input_tokens * 3 + u.output_tokens * 15) / 1e6;

  async function sessionWithTurns(title: string, n: number) {
    const s = await t.json('POST', '/v1/sessions', { title, tags: ['work'] });
    const turns = [];
    for (let i = 1; i <= n; i++) turns.push((await send(s.body.id, `${title} message ${i}`)).body);
    return { id: s.body.id as string, turns };
  }

  it('a fork at the latest turn continues with the whole conversation; the original is unchanged', async () => {
    const src = await sessionWithTurns('Original', 2);
    const before = await t.json('GET', `/v1/sessions/${src.id}/messages`);

    const fork = await t.json('POST', `/v1/sessions/${src.id}/fork`);
    expect(fork.status).toBe(201);
    expect(fork.body).toMatchObject({ forked_from: src.id, title: 'Original (fork)', tags: ['work'], turn_count: 2 });
    expect(fork.body.id).not.toBe(src.id);
    // The fork's history shows the conversation it starts from; its totals are those turns'.
    const forkHistory = await t.json('GET', `/v1/sessions/${fork.body.id}/messages`);
    expect(forkHistory.body.messages.map((m: { content: string }) => m.content)).toEqual(
      before.body.messages.map((m: { content: string }) => m.content),
    );
    expect(fork.body.cost_usd).toBeCloseTo(src.turns[0].cost_usd + src.turns[1].cost_usd, 10);

    // The model sees the original's two exchanges, then the new message: 5 messages.
    const next = await send(fork.body.id, 'And in the fork?');
    expect(next.status).toBe(200);
    expect(historyOf(next.body.response_text)).toBe(5);
    expect(JSON.stringify(t.mock.requests.at(-1)!.body)).toContain('Original message 2');
    // Its cost is its own (not the SDK's running total carried over from the original).
    expect(next.body.cost_usd).toBeCloseTo(price(next.body.usage), 9);

    // The original neither saw the fork's message nor changed.
    const after = await t.json('GET', `/v1/sessions/${src.id}/messages`);
    expect(after.body).toEqual(before.body);
    const orig = await send(src.id, 'Back in the original');
    expect(historyOf(orig.body.response_text)).toBe(5);
    expect(JSON.stringify(t.mock.requests.at(-1)!.body)).not.toContain('And in the fork?');
  });

  it('a fork at an earlier turn keeps only the conversation through that turn', async () => {
    const src = await sessionWithTurns('Branchy', 3);
    const fork = await t.json('POST', `/v1/sessions/${src.id}/fork`, { turn_id: src.turns[0].id, title: 'From the first' });
    expect(fork.status).toBe(201);
    expect(fork.body).toMatchObject({ title: 'From the first', turn_count: 1, forked_from: src.id });
    const next = await send(fork.body.id, 'What came before?');
    expect(historyOf(next.body.response_text)).toBe(3);
    const seen = JSON.stringify(t.mock.requests.at(-1)!.body);
    expect(seen).toContain('Branchy message 1');
    expect(seen).not.toContain('Branchy message 2');
    const history = await t.json('GET', `/v1/sessions/${fork.body.id}/messages`);
    expect(history.body.messages.filter((m: { role: string }) => m.role === 'user').map((m: { content: string }) => m.content)).toEqual([
      'Branchy message 1',
      'What came before?',
    ]);
  });

  it('fork refuses a turn of another session and an unknown session', async () => {
    const a = await sessionWithTurns('A', 1);
    const b = await sessionWithTurns('B', 1);
    expect((await t.json('POST', `/v1/sessions/${a.id}/fork`, { turn_id: b.turns[0].id })).body.error.code).toBe('turn_not_found');
    expect((await t.json('POST', `/v1/sessions/${crypto.randomUUID()}/fork`)).status).toBe(404);
    expect((await t.json('POST', `/v1/sessions/${a.id}/fork`, { turn_id: 'nope' })).status).toBe(400);
  });

  it('an archived session is read-only and hidden from the default list until unarchived', async () => {
    const s = await sessionWithTurns('Old project', 1);
    const archived = await t.json('POST', `/v1/sessions/${s.id}/archive`);
    expect(archived).toMatchObject({ status: 200, body: { status: 'archived' } });

    const msg = await send(s.id, 'still there?');
    expect(msg).toMatchObject({ status: 409, body: { error: { code: 'session_archived' } } });
    const patch = await t.json('PATCH', `/v1/sessions/${s.id}`, { title: 'renamed' });
    expect(patch).toMatchObject({ status: 409, body: { error: { code: 'session_archived' } } });
    // Still readable, and forkable (the fork is a new, live session).
    expect((await t.json('GET', `/v1/sessions/${s.id}/messages`)).status).toBe(200);
    expect((await t.json('POST', `/v1/sessions/${s.id}/fork`)).body.status).toBe('idle');

    const ids = async (q: string) => (await t.json('GET', `/v1/sessions?limit=100${q}`)).body.sessions.map((x: { id: string }) => x.id);
    expect(await ids('')).not.toContain(s.id);
    expect(await ids('&archived=true')).toEqual([s.id]);

    expect((await t.json('POST', `/v1/sessions/${s.id}/unarchive`)).body.status).toBe('idle');
    expect(await ids('')).toContain(s.id);
    expect((await send(s.id, 'back again')).status).toBe(200);
  });

  it('archiving a session with a running turn answers 409 session_busy', async () => {
    const s = await t.json('POST', '/v1/sessions', {});
    const bg = await t.json('POST', `/v1/sessions/${s.body.id}/messages`, { message: 'MOCK slow 40 one two three four five six', background: true });
    expect(bg.status).toBe(202);
    expect((await t.json('POST', `/v1/sessions/${s.body.id}/archive`)).body.error.code).toBe('session_busy');
    for (let i = 0; i < 200 && (await t.json('GET', bg.body.links.turn)).body.status !== 'succeeded'; i++) await sleep(50);
    expect((await t.json('POST', `/v1/sessions/${s.body.id}/archive`)).status).toBe(200);
  });

  it('searches the list by title (any case) and by tag', async () => {
    const mk = (title: string, tags: string[]) => t.json('POST', '/v1/sessions', { title, tags });
    const a = (await mk('Quarterly REPORT draft', ['finance', 'q3'])).body.id;
    const b = (await mk('report: 100% done_ok', ['finance'])).body.id;
    const c = (await mk('Holiday plans', ['fin'])).body.id;
    const ids = async (q: string) => (await t.json('GET', `/v1/sessions?limit=100&${q}`)).body.sessions.map((x: { id: string }) => x.id);
    expect((await ids('q=report')).sort()).toEqual([a, b].sort());
    expect(await ids(`q=${encodeURIComponent('100%')}`)).toEqual([b]);
    expect(await ids('q=done_ok')).toEqual([b]);
    expect(await ids('q=d_ne')).toEqual([]); // `_` is a literal, not a wildcard
    expect((await ids('tag=finance')).sort()).toEqual([a, b].sort());
    expect(await ids('tag=fin')).toEqual([c]); // exact tags, not prefixes
    expect(await ids('tag=finance&q=quarterly')).toEqual([a]);
    // Pages of a filtered list carry on with the same filter.
    const p1 = await t.json('GET', '/v1/sessions?limit=1&tag=finance');
    const p2 = await t.json('GET', `/v1/sessions?limit=1&tag=finance&cursor=${encodeURIComponent(p1.body.next_cursor)}`);
    expect([p1.body.sessions[0].id, p2.body.sessions[0].id].sort()).toEqual([a, b].sort());
    expect(p2.body.next_cursor).toBeNull();
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
