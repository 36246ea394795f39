import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidCursorError, SessionLimitError, StoreConflictError, StoreNotFoundError } from '../../src/store/errors.js';
import type { Catalog, SessionListQuery, SessionRecord, TurnOutcome } from '../../src/store/types.js';

export interface CatalogHarness {
  catalog: Catalog;
  cleanup(): Promise<void>;
}

const T0 = 1_750_000_000_000;

const outcome = (over: Partial<TurnOutcome> = {}): TurnOutcome => ({
  status: 'succeeded',
  responseText: 'done',
  toolCalls: [],
  usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 3, cache_creation_input_tokens: 2 },
  costUsd: 0.01,
  durationMs: 1200,
  numTurns: 1,
  errorCode: null,
  errorMessage: null,
  model: null,
  ...over,
});

const b64 = (v: string) => Buffer.from(v, 'utf8').toString('base64url');

/** Behaviour every `Catalog` backend must show; run by each backend's test file. */
export function catalogContract(name: string, factory: () => Promise<CatalogHarness>): void {
  describe(`Catalog contract: ${name}`, () => {
    let h: CatalogHarness;
    let c: Catalog;
    beforeEach(async () => {
      h = await factory();
      c = h.catalog;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    /** Pages through an account's sessions with a fixed page size, returning every id in order. */
    async function pageAll(accountId: string, limit: number): Promise<string[]> {
      const ids: string[] = [];
      let cursor: string | undefined;
      for (let guard = 0; guard < 1000; guard++) {
        const page = await c.listSessions({ accountId, limit, ...(cursor ? { cursor } : {}) });
        expect(page.sessions.length).toBeLessThanOrEqual(limit);
        ids.push(...page.sessions.map((s) => s.id));
        if (page.nextCursor === null) return ids;
        cursor = page.nextCursor;
      }
      throw new Error('pagination did not terminate');
    }

    describe('sessions', () => {
      it('creates a session with defaults and reads it back', async () => {
        const created = await c.createSession({ id: 's1', accountId: 'acc' }, T0);
        const expected: SessionRecord = {
          id: 's1',
          accountId: 'acc',
          title: null,
          tags: [],
          status: 'idle',
          model: null,
          systemPrompt: null,
          approvalTools: null,
          builtinTools: null,
          createdAt: T0,
          lastActiveAt: T0,
          turnCount: 0,
          usage: { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
          costUsd: 0,
          inheritedCostUsd: 0,
          forkedFrom: null,
        };
        expect(created).toEqual(expected);
        expect(await c.getSession('acc', 's1')).toEqual(expected);
      });

      it('stores every optional field, unicode included', async () => {
        const s = await c.createSession(
          { id: 's1', accountId: 'acc', title: 'Ünïcode 📎 title', tags: ['a', 'b c', '标签'], model: 'claude-x', forkedFrom: 's0' },
          T0,
        );
        expect(s).toMatchObject({ title: 'Ünïcode 📎 title', tags: ['a', 'b c', '标签'], model: 'claude-x', forkedFrom: 's0' });
        expect(await c.getSession('acc', 's1')).toEqual(s);
      });

      it('rejects a duplicate id with StoreConflictError, in any account, leaving the row alone', async () => {
        await c.createSession({ id: 's1', accountId: 'acc', title: 'original' }, T0);
        await expect(c.createSession({ id: 's1', accountId: 'acc' }, T0 + 1)).rejects.toBeInstanceOf(StoreConflictError);
        await expect(c.createSession({ id: 's1', accountId: 'other' }, T0 + 1)).rejects.toBeInstanceOf(StoreConflictError);
        expect(await c.getSession('acc', 's1')).toMatchObject({ title: 'original', createdAt: T0 });
        expect(await c.getSession('other', 's1')).toBeNull();
      });

      it('returns null for an unknown id', async () => {
        expect(await c.getSession('acc', 'nope')).toBeNull();
      });

      it('hides a session from every other account', async () => {
        await c.createSession({ id: 's1', accountId: 'acc', title: 't' }, T0);
        await c.startTurn({ id: 't1', sessionId: 's1', prompt: 'p', status: 'running' }, T0);
        expect(await c.getSession('intruder', 's1')).toBeNull();
        expect(await c.updateSession('intruder', 's1', { title: 'pwned' })).toBeNull();
        expect(await c.deleteSession('intruder', 's1')).toBe(false);
        expect((await c.listSessions({ accountId: 'intruder', limit: 10 })).sessions).toEqual([]);
        expect(await c.getSession('acc', 's1')).toMatchObject({ title: 't' });
        expect(await c.listTurns('acc', 's1')).toHaveLength(1);
      });

      it('updates title and tags independently without touching activity', async () => {
        await c.createSession({ id: 's1', accountId: 'acc', title: 'old', tags: ['x'] }, T0);
        expect(await c.updateSession('acc', 's1', { title: 'new' })).toMatchObject({ title: 'new', tags: ['x'] });
        expect(await c.updateSession('acc', 's1', { tags: ['y', 'z'] })).toMatchObject({ title: 'new', tags: ['y', 'z'] });
        expect(await c.updateSession('acc', 's1', { title: null, tags: [] })).toMatchObject({ title: null, tags: [] });
        const unchanged = await c.updateSession('acc', 's1', {});
        expect(unchanged).toMatchObject({ title: null, tags: [], lastActiveAt: T0 });
        expect(await c.updateSession('acc', 'nope', { title: 'x' })).toBeNull();
      });

      it('deletes a session with its turns', async () => {
        await c.createSession({ id: 's1', accountId: 'acc' }, T0);
        await c.createSession({ id: 's2', accountId: 'acc' }, T0);
        await c.startTurn({ id: 't1', sessionId: 's1', prompt: 'p', status: 'running' }, T0);
        await c.finishTurn('t1', outcome(), T0 + 1);
        await c.startTurn({ id: 't2', sessionId: 's1', prompt: 'p', status: 'running' }, T0 + 2);
        await c.startTurn({ id: 't3', sessionId: 's2', prompt: 'p', status: 'running' }, T0 + 2);
        expect(await c.deleteSession('acc', 's1')).toBe(true);
        expect(await c.getSession('acc', 's1')).toBeNull();
        expect(await c.listTurns('acc', 's1')).toEqual([]);
        expect(await c.getTurn('acc', 's1', 't1')).toBeNull();
        expect(await c.listTurns('acc', 's2')).toHaveLength(1);
        expect(await c.deleteSession('acc', 's1')).toBe(false);
        // The id is free again once deleted.
        await c.createSession({ id: 's1', accountId: 'acc' }, T0 + 3);
        expect(await c.listTurns('acc', 's1')).toEqual([]);
      });
    });

    describe('listing', () => {
      it('lists newest activity first, ties by id, and only the account', async () => {
        await c.createSession({ id: 'b', accountId: 'acc' }, T0 + 1);
        await c.createSession({ id: 'a', accountId: 'acc' }, T0 + 1);
        await c.createSession({ id: 'old', accountId: 'acc' }, T0);
        await c.createSession({ id: 'new', accountId: 'acc' }, T0 + 5);
        await c.createSession({ id: 'foreign', accountId: 'other' }, T0 + 9);
        await c.startTurn({ id: 't', sessionId: 'old', prompt: 'p', status: 'running' }, T0 + 7);
        const page = await c.listSessions({ accountId: 'acc', limit: 10 });
        expect(page.sessions.map((s) => s.id)).toEqual(['old', 'new', 'a', 'b']);
        expect(page.nextCursor).toBeNull();
      });

      it('pages without gaps or duplicates, including across equal timestamps', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 23; i++) {
          const id = `s${String(i).padStart(2, '0')}`;
          ids.push(id);
          await c.createSession({ id, accountId: 'acc' }, T0 + Math.floor(i / 4)); // runs of 4 equal times
        }
        const expected = [...ids].sort((x, y) => {
          const tx = Math.floor(Number(x.slice(1)) / 4);
          const ty = Math.floor(Number(y.slice(1)) / 4);
          return ty - tx || (x < y ? -1 : 1);
        });
        for (const limit of [1, 3, 4, 7, 23, 50]) expect(await pageAll('acc', limit)).toEqual(expected);
      });

      it('is stable when every timestamp is equal', async () => {
        for (const id of ['d', 'a', 'c', 'e', 'b']) await c.createSession({ id, accountId: 'acc' }, T0);
        expect(await pageAll('acc', 2)).toEqual(['a', 'b', 'c', 'd', 'e']);
      });

      it('does not repeat rows when newer sessions appear between pages', async () => {
        for (let i = 0; i < 6; i++) await c.createSession({ id: `s${i}`, accountId: 'acc' }, T0 + i);
        const first = await c.listSessions({ accountId: 'acc', limit: 3 });
        await c.createSession({ id: 'late', accountId: 'acc' }, T0 + 100);
        const second = await c.listSessions({ accountId: 'acc', limit: 3, cursor: first.nextCursor! });
        expect([...first.sessions, ...second.sessions].map((s) => s.id)).toEqual(['s5', 's4', 's3', 's2', 's1', 's0']);
        expect(second.nextCursor).toBeNull();
      });

      it('returns an empty page for an account with no sessions', async () => {
        expect(await c.listSessions({ accountId: 'nobody', limit: 5 })).toEqual({ sessions: [], nextCursor: null });
      });

      it('rejects a malformed cursor with InvalidCursorError', async () => {
        await c.createSession({ id: 's1', accountId: 'acc' }, T0);
        const bad = ['not a cursor!', '', b64('{}'), b64('[1]'), b64('["x","y"]'), b64('[1.5,"a"]'), b64('[1,2]'), b64('[1,"a",3]'), 'eyJhIjo'];
        for (const cursor of bad) {
          await expect(c.listSessions({ accountId: 'acc', limit: 5, cursor }), cursor).rejects.toBeInstanceOf(InvalidCursorError);
        }
      });

      it('rejects a non-positive limit', async () => {
        await expect(c.listSessions({ accountId: 'acc', limit: 0 })).rejects.toThrow(RangeError);
      });
    });

    describe('turns', () => {
      beforeEach(async () => {
        await c.createSession({ id: 's1', accountId: 'acc' }, T0);
        await c.createSession({ id: 's2', accountId: 'acc' }, T0);
      });

      it('startTurn numbers turns per session and marks the session running', async () => {
        const t1 = await c.startTurn({ id: 't1', sessionId: 's1', prompt: 'héllo 👋', status: 'running' }, T0 + 10);
        expect(t1).toEqual({
          id: 't1',
          sessionId: 's1',
          seq: 1,
          status: 'running',
          prompt: 'héllo 👋',
          responseText: '',
          toolCalls: [],
          usage: { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
          costUsd: 0,
          durationMs: 0,
          numTurns: 0,
          errorCode: null,
          errorMessage: null,
          createdAt: T0 + 10,
          finishedAt: null,
        });
        expect(await c.getSession('acc', 's1')).toMatchObject({ status: 'running', lastActiveAt: T0 + 10 });
        await c.finishTurn('t1', outcome(), T0 + 11);
        expect((await c.startTurn({ id: 't2', sessionId: 's1', prompt: 'p', status: 'running' }, T0 + 12)).seq).toBe(2);
        expect((await c.startTurn({ id: 't3', sessionId: 's1', prompt: 'p', status: 'queued' }, T0 + 13)).seq).toBe(3);
        expect((await c.startTurn({ id: 'u1', sessionId: 's2', prompt: 'p', status: 'running' }, T0 + 14)).seq).toBe(1);
        expect((await c.listTurns('acc', 's1')).map((t) => [t.id, t.seq])).toEqual([['t1', 1], ['t2', 2], ['t3', 3]]);
        expect(await c.getTurn('acc', 's1', 't2')).toMatchObject({ id: 't2', seq: 2 });
        expect(await c.getTurn('acc', 's2', 't2')).toBeNull();
      });

      it('getTurn and listTurns show nothing to another account', async () => {
        await c.createSession({ id: 'x1', accountId: 'other' }, T0);
        await c.startTurn({ id: 't1', sessionId: 's1', prompt: 'p', status: 'running' }, T0 + 1);
        await c.startTurn({ id: 'u1', sessionId: 'x1', prompt: 'p', status: 'running' }, T0 + 1);
        expect(await c.getTurn('acc', 's1', 't1')).toMatchObject({ id: 't1' });
        expect(await c.getTurn('other', 's1', 't1')).toBeNull();
        expect(await c.listTurns('other', 's1')).toEqual([]);
        expect(await c.getTurn('acc', 'x1', 'u1')).toBeNull();
        expect(await c.listTurns('acc', 'x1')).toEqual([]);
        expect(await c.listTurns('other', 'x1')).toHaveLength(1);
      });

      it('startTurn assigns distinct seqs to concurrent calls', async () => {
        const turns = await Promise.all(
          Array.from({ length: 10 }, (_, i) => c.startTurn({ id: `t${i}`, sessionId: 's1', prompt: 'p', status: 'queued' }, T0)),
        );
        expect(turns.map((t) => t.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      });

      it('startTurn rejects a duplicate turn id and an unknown session', async () => {
        await c.startTurn({ id: 't1', sessionId: 's1', prompt: 'p', status: 'running' }, T0);
        await expect(c.startTurn({ id: 't1', sessionId: 's2', prompt: 'p', status: 'running' }, T0)).rejects.toBeInstanceOf(StoreConflictError);
        await expect(c.startTurn({ id: 'tx', sessionId: 'nope', prompt: 'p', status: 'running' }, T0)).rejects.toBeInstanceOf(StoreNotFoundError);
        expect(await c.listTurns('acc', 's2')).toEqual([]);
      });

      it('finishTurn records the outcome and folds it into the session totals', async () => {
        await c.startTurn({ id: 't1', sessionId: 's1', prompt: 'p', status: 'running' }, T0 + 1);
        const toolCalls = [
          { id: 'tu_1', name: 'get_weather', input: { city: 'Zürich' }, result: '☀️ 21°C', is_error: false },
          { id: 'tu_2', name: 'broken', input: {}, result: null, is_error: true },
        ];
        const done = await c.finishTurn('t1', outcome({ toolCalls, model: 'claude-a', numTurns: 3 }), T0 + 2);
        expect(done).toMatchObject({ status: 'succeeded', responseText: 'done', toolCalls, costUsd: 0.01, durationMs: 1200, numTurns: 3, finishedAt: T0 + 2 });
        expect(done.usage).toEqual(outcome().usage);

        await c.startTurn({ id: 't2', sessionId: 's1', prompt: 'p', status: 'running' }, T0 + 3);
        await c.finishTurn('t2', outcome({ status: 'failed', errorCode: 'model_error', errorMessage: 'boom', costUsd: 0.02 }), T0 + 4);
        await c.startTurn({ id: 't3', sessionId: 's1', prompt: 'p', status: 'running' }, T0 + 5);
        const interrupted = await c.finishTurn('t3', outcome({ status: 'interrupted', usage: { input_tokens: 1, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 }, costUsd: 0 }), T0 + 6);
        expect(interrupted.status).toBe('interrupted');
        expect(await c.getTurn('acc', 's1', 't2')).toMatchObject({ status: 'failed', errorCode: 'model_error', errorMessage: 'boom' });

        const s = (await c.getSession('acc', 's1'))!;
        expect(s).toMatchObject({ status: 'idle', lastActiveAt: T0 + 6, turnCount: 3, model: 'claude-a' }); // null model keeps the last
        expect(s.usage).toEqual({ input_tokens: 21, output_tokens: 10, cache_read_input_tokens: 6, cache_creation_input_tokens: 4 });
        expect(s.costUsd).toBeCloseTo(0.03, 10);
        expect(await c.getSession('acc', 's2')).toMatchObject({ turnCount: 0, costUsd: 0 });
      });

      it('finishTurn refuses to finish a turn twice or an unknown turn', async () => {
        await c.startTurn({ id: 't1', sessionId: 's1', prompt: 'p', status: 'running' }, T0);
        await c.finishTurn('t1', outcome(), T0 + 1);
        await expect(c.finishTurn('t1', outcome(), T0 + 2)).rejects.toBeInstanceOf(StoreConflictError);
        await expect(c.finishTurn('nope', outcome(), T0 + 2)).rejects.toBeInstanceOf(StoreNotFoundError);
        expect(await c.getSession('acc', 's1')).toMatchObject({ turnCount: 1, usage: { input_tokens: 10 } });
      });

      it('keeps the session running while another turn is still queued', async () => {
        await c.startTurn({ id: 't1', sessionId: 's1', prompt: 'p', status: 'running' }, T0);
        await c.startTurn({ id: 't2', sessionId: 's1', prompt: 'p', status: 'queued' }, T0 + 1);
        await c.finishTurn('t1', outcome(), T0 + 2);
        expect(await c.getSession('acc', 's1')).toMatchObject({ status: 'running' });
        await c.finishTurn('t2', outcome(), T0 + 3);
        expect(await c.getSession('acc', 's1')).toMatchObject({ status: 'idle', turnCount: 2 });
      });

      it('marks the session crashed when its process died, until the next turn', async () => {
        await c.startTurn({ id: 'a', sessionId: 's1', prompt: 'p', status: 'running' }, T0 + 1);
        await c.finishTurn('a', outcome({ status: 'failed', errorCode: 'agent_crashed', crashed: true }), T0 + 2);
        expect(await c.getSession('acc', 's1')).toMatchObject({ status: 'crashed', turnCount: 1 });
        await c.startTurn({ id: 'b', sessionId: 's1', prompt: 'p', status: 'running' }, T0 + 3);
        expect(await c.getSession('acc', 's1')).toMatchObject({ status: 'running' });
        await c.finishTurn('b', outcome(), T0 + 4);
        expect(await c.getSession('acc', 's1')).toMatchObject({ status: 'idle' });
      });
    });

    describe('archive', () => {
      it('hides an archived session from the default list and shows it with archived: true', async () => {
        await c.createSession({ id: 'kept', accountId: 'acc' }, T0);
        await c.createSession({ id: 'old', accountId: 'acc', title: 't' }, T0 + 1);
        const r = await c.setArchived('acc', 'old', true);
        expect(r).toEqual({ ok: true, session: expect.objectContaining({ id: 'old', status: 'archived', lastActiveAt: T0 + 1 }) });
        expect((await c.listSessions({ accountId: 'acc', limit: 10 })).sessions.map((x) => x.id)).toEqual(['kept']);
        expect((await c.listSessions({ accountId: 'acc', limit: 10, archived: false })).sessions.map((x) => x.id)).toEqual(['kept']);
        expect((await c.listSessions({ accountId: 'acc', limit: 10, archived: true })).sessions.map((x) => x.id)).toEqual(['old']);
        // Still readable by id, and archiving again is harmless.
        expect(await c.getSession('acc', 'old')).toMatchObject({ status: 'archived', title: 't' });
        expect(await c.setArchived('acc', 'old', true)).toMatchObject({ ok: true, session: { status: 'archived' } });
      });

      it('unarchive restores the session to the default list as idle, without touching activity', async () => {
        await c.createSession({ id: 's1', accountId: 'acc' }, T0);
        await c.setArchived('acc', 's1', true);
        const r = await c.setArchived('acc', 's1', false);
        expect(r).toMatchObject({ ok: true, session: { status: 'idle', lastActiveAt: T0 } });
        expect((await c.listSessions({ accountId: 'acc', limit: 10 })).sessions.map((x) => x.id)).toEqual(['s1']);
        expect((await c.listSessions({ accountId: 'acc', limit: 10, archived: true })).sessions).toEqual([]);
      });

      it('unarchiving a session that is not archived leaves its status alone', async () => {
        await c.createSession({ id: 's1', accountId: 'acc' }, T0);
        await c.startTurn({ id: 't1', sessionId: 's1', prompt: 'p', status: 'running' }, T0 + 1);
        await c.finishTurn('t1', outcome({ status: 'failed', crashed: true }), T0 + 2);
        expect(await c.setArchived('acc', 's1', false)).toMatchObject({ ok: true, session: { status: 'crashed' } });
      });

      it('refuses while a turn is running or queued, and for a session of another account', async () => {
        await c.createSession({ id: 's1', accountId: 'acc' }, T0);
        await c.startTurn({ id: 't1', sessionId: 's1', prompt: 'p', status: 'running' }, T0 + 1);
        expect(await c.setArchived('acc', 's1', true)).toEqual({ ok: false, reason: 'busy' });
        await c.startTurn({ id: 't2', sessionId: 's1', prompt: 'p', status: 'queued' }, T0 + 3);
        await c.finishTurn('t1', outcome(), T0 + 4);
        expect(await c.setArchived('acc', 's1', true)).toEqual({ ok: false, reason: 'busy' });
        expect(await c.getSession('acc', 's1')).toMatchObject({ status: 'running' });
        await c.finishTurn('t2', outcome(), T0 + 6);
        expect(await c.setArchived('other', 's1', true)).toEqual({ ok: false, reason: 'not_found' });
        expect(await c.setArchived('acc', 'nope', true)).toEqual({ ok: false, reason: 'not_found' });
        expect(await c.getSession('acc', 's1')).toMatchObject({ status: 'idle' });
        expect(await c.setArchived('acc', 's1', true)).toMatchObject({ ok: true, session: { status: 'archived' } });
      });
    });

    describe('list filters', () => {
      const ids = async (q: Omit<SessionListQuery, 'accountId' | 'limit'>) =>
        (await c.listSessions({ accountId: 'acc', limit: 50, ...q })).sessions.map((x) => x.id);

      it('searches titles for a substring, ignoring case, with % and _ taken literally', async () => {
        await c.createSession({ id: 'a', accountId: 'acc', title: 'Quarterly Report' }, T0 + 5);
        await c.createSession({ id: 'b', accountId: 'acc', title: 'report draft' }, T0 + 4);
        await c.createSession({ id: 'c', accountId: 'acc', title: 'Growth 50% in_q3' }, T0 + 3);
        await c.createSession({ id: 'd', accountId: 'acc', title: 'Growth 50 in q3' }, T0 + 2);
        await c.createSession({ id: 'e', accountId: 'acc', title: null }, T0 + 1);
        await c.createSession({ id: 'f', accountId: 'acc', title: 'back\\slash' }, T0);
        await c.createSession({ id: 'x', accountId: 'other', title: 'report' }, T0);
        expect(await ids({ search: 'REPORT' })).toEqual(['a', 'b']);
        expect(await ids({ search: 'rt dr' })).toEqual(['b']);
        expect(await ids({ search: '50%' })).toEqual(['c']);
        expect(await ids({ search: '%' })).toEqual(['c']);
        expect(await ids({ search: 'in_q' })).toEqual(['c']);
        expect(await ids({ search: '_' })).toEqual(['c']);
        expect(await ids({ search: 'k\\s' })).toEqual(['f']);
        expect(await ids({ search: 'nothing like it' })).toEqual([]);
      });

      it('filters by exact tag', async () => {
        await c.createSession({ id: 'a', accountId: 'acc', tags: ['a', 'x'] }, T0 + 4);
        await c.createSession({ id: 'ab', accountId: 'acc', tags: ['ab'] }, T0 + 3);
        await c.createSession({ id: 'up', accountId: 'acc', tags: ['A'] }, T0 + 2);
        await c.createSession({ id: 'q', accountId: 'acc', tags: ['x"a', '50%'] }, T0 + 1);
        await c.createSession({ id: 'none', accountId: 'acc' }, T0);
        expect(await ids({ tag: 'a' })).toEqual(['a']);
        expect(await ids({ tag: 'ab' })).toEqual(['ab']);
        expect(await ids({ tag: 'A' })).toEqual(['up']);
        expect(await ids({ tag: 'x' })).toEqual(['a']);
        expect(await ids({ tag: 'x"a' })).toEqual(['q']);
        expect(await ids({ tag: '50%' })).toEqual(['q']);
        expect(await ids({ tag: '%' })).toEqual([]);
        expect(await ids({ tag: 'b' })).toEqual([]);
      });

      it('combines filters and pages through the matches', async () => {
        for (let i = 0; i < 9; i++) {
          const tags = i % 2 === 0 ? ['keep'] : ['drop'];
          await c.createSession({ id: `s${i}`, accountId: 'acc', title: i % 3 === 0 ? `Plan ${i}` : `Chat ${i}`, tags }, T0 + Math.floor(i / 2));
        }
        await c.createSession({ id: 'arch', accountId: 'acc', title: 'Plan archived', tags: ['keep'] }, T0 + 100);
        await c.setArchived('acc', 'arch', true);
        // Tagged keep: the even ones; also titled Plan: s0 and s6. The archived match stays out.
        const query = { accountId: 'acc', tag: 'keep' };
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let guard = 0; guard < 20; guard++) {
          const page = await c.listSessions({ ...query, limit: 2, ...(cursor ? { cursor } : {}) });
          seen.push(...page.sessions.map((x) => x.id));
          if (page.nextCursor === null) break;
          cursor = page.nextCursor;
        }
        expect(seen).toEqual(['s8', 's6', 's4', 's2', 's0']);
        const first = await c.listSessions({ accountId: 'acc', limit: 1, tag: 'keep', search: 'plan' });
        expect(first.sessions.map((x) => x.id)).toEqual(['s6']);
        const second = await c.listSessions({ accountId: 'acc', limit: 1, tag: 'keep', search: 'plan', cursor: first.nextCursor! });
        expect(second.sessions.map((x) => x.id)).toEqual(['s0']);
        expect(second.nextCursor).toBeNull();
        expect((await c.listSessions({ accountId: 'acc', limit: 5, tag: 'keep', search: 'plan', archived: true })).sessions.map((x) => x.id)).toEqual(['arch']);
      });
    });

    describe('session limit', () => {
      it('createSession refuses once the account holds maxSessions, archived ones counted', async () => {
        await c.createSession({ id: 's1', accountId: 'acc' }, T0, 2);
        await c.createSession({ id: 's2', accountId: 'acc' }, T0, 2);
        await c.setArchived('acc', 's2', true);
        const err = await c.createSession({ id: 's3', accountId: 'acc' }, T0, 2).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SessionLimitError);
        expect((err as SessionLimitError).limit).toBe(2);
        expect(await c.getSession('acc', 's3')).toBeNull();
        // Other accounts and calls without a limit are unaffected; an id clash is still a conflict.
        await c.createSession({ id: 'o1', accountId: 'other' }, T0, 2);
        await c.createSession({ id: 's4', accountId: 'acc' }, T0);
        await expect(c.createSession({ id: 's1', accountId: 'acc' }, T0, 10)).rejects.toBeInstanceOf(StoreConflictError);
        await c.deleteSession('acc', 's1');
        await c.deleteSession('acc', 's4');
        await c.createSession({ id: 's5', accountId: 'acc' }, T0, 2);
      });
    });

    describe('fork', () => {
      const usage = (n: number) => ({ input_tokens: n, output_tokens: 2 * n, cache_read_input_tokens: 3 * n, cache_creation_input_tokens: 4 * n });
      beforeEach(async () => {
        await c.createSession({ id: 'src', accountId: 'acc', title: 'Source', model: 'm-src' }, T0);
        const tools = [{ id: 'tu', name: 'Read', input: { f: 'x' }, result: 'ok', is_error: false }];
        await c.startTurn({ id: 't1', sessionId: 'src', prompt: 'one', status: 'running' }, T0 + 1);
        await c.finishTurn('t1', outcome({ usage: usage(1), costUsd: 0.25, toolCalls: tools, numTurns: 2, durationMs: 7 }), T0 + 2);
        await c.startTurn({ id: 't2', sessionId: 'src', prompt: 'two', status: 'running' }, T0 + 3);
        await c.finishTurn('t2', outcome({ status: 'failed', usage: usage(10), costUsd: 0.5, errorCode: 'e', errorMessage: 'm' }), T0 + 4);
        await c.startTurn({ id: 't3', sessionId: 'src', prompt: 'three', status: 'running' }, T0 + 5);
        await c.finishTurn('t3', outcome({ usage: usage(100), costUsd: 1 }), T0 + 6);
        await c.startTurn({ id: 't4', sessionId: 'src', prompt: 'four', status: 'running' }, T0 + 7);
      });
      const fork = (id: string) => ({ id, accountId: 'acc', title: 'Fork', tags: ['f'], model: 'm-fork', systemPrompt: 'sp', approvalTools: ['Bash'], builtinTools: ['Read'], forkedFrom: 'src' });

      it('copies the finished turns through a seq with new ids and sums their totals', async () => {
        const before = await c.getSession('acc', 'src');
        const srcTurns = await c.listTurns('acc', 'src');
        const f = await c.forkSession('acc', 'src', fork('f1'), 2, T0 + 100);
        expect(f).toEqual({
          id: 'f1',
          accountId: 'acc',
          title: 'Fork',
          tags: ['f'],
          status: 'idle',
          model: 'm-fork',
          systemPrompt: 'sp',
          approvalTools: ['Bash'],
          builtinTools: ['Read'],
          createdAt: T0 + 100,
          lastActiveAt: T0 + 100,
          turnCount: 2,
          usage: usage(11),
          costUsd: 0.75,
          inheritedCostUsd: 0.75,
          forkedFrom: 'src',
        });
        expect(await c.getSession('acc', 'f1')).toEqual(f);
        const copied = await c.listTurns('acc', 'f1');
        expect(copied).toHaveLength(2);
        for (const [i, t] of copied.entries()) {
          const original = srcTurns[i]!;
          expect(t.id).not.toBe(original.id);
          expect(t).toEqual({ ...original, id: t.id, sessionId: 'f1' });
        }
        // The source is untouched.
        expect(await c.getSession('acc', 'src')).toEqual(before);
        expect(await c.listTurns('acc', 'src')).toEqual(srcTurns);
        // New turns of the fork continue after the copied seqs.
        expect((await c.startTurn({ id: 'f1-next', sessionId: 'f1', prompt: 'p', status: 'running' }, T0 + 101)).seq).toBe(3);
      });

      it('copies every finished turn when throughSeq is null, never an active one', async () => {
        const f = await c.forkSession('acc', 'src', fork('f2'), null, T0 + 100);
        expect(f).toMatchObject({ turnCount: 3, usage: usage(111), costUsd: 1.75, inheritedCostUsd: 1.75 });
        expect((await c.listTurns('acc', 'f2')).map((t) => [t.seq, t.prompt, t.status])).toEqual([
          [1, 'one', 'succeeded'],
          [2, 'two', 'failed'],
          [3, 'three', 'succeeded'],
        ]);
      });

      it('returns null for a source of another account or none, and refuses at maxSessions', async () => {
        await c.createSession({ id: 'foreign', accountId: 'other' }, T0);
        expect(await c.forkSession('acc', 'foreign', fork('f3'), null, T0 + 100)).toBeNull();
        expect(await c.forkSession('other', 'src', { ...fork('f3'), accountId: 'other' }, null, T0 + 100)).toBeNull();
        expect(await c.forkSession('acc', 'nope', fork('f3'), null, T0 + 100)).toBeNull();
        expect(await c.getSession('acc', 'f3')).toBeNull();
        expect(await c.getSession('other', 'f3')).toBeNull();

        await expect(c.forkSession('acc', 'src', fork('f4'), null, T0 + 100, 1)).rejects.toBeInstanceOf(SessionLimitError);
        expect(await c.getSession('acc', 'f4')).toBeNull();
        expect(await c.listTurns('acc', 'f4')).toEqual([]);
        expect(await c.forkSession('acc', 'src', fork('f4'), null, T0 + 100, 2)).toMatchObject({ id: 'f4' });
        await expect(c.forkSession('acc', 'src', fork('f4'), null, T0 + 100)).rejects.toBeInstanceOf(StoreConflictError);
      });
    });

    describe('per-session agent settings', () => {
      it('stores a model and system prompt at creation and changes them by patch', async () => {
        const s = await c.createSession({ id: 's1', accountId: 'acc', model: 'm1', systemPrompt: 'Be terse.' }, T0);
        expect(s).toMatchObject({ model: 'm1', systemPrompt: 'Be terse.' });
        expect(await c.updateSession('acc', 's1', { systemPrompt: 'Be kind.' })).toMatchObject({ model: 'm1', systemPrompt: 'Be kind.' });
        expect(await c.updateSession('acc', 's1', { model: null, systemPrompt: null })).toMatchObject({ model: null, systemPrompt: null });
        expect(await c.updateSession('other', 's1', { model: 'x' })).toBeNull();
      });
    });
  });
}
