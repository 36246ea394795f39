import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionLimitError } from '../../src/store/errors.js';
import type { Admission, Store, TurnOutcome } from '../../src/store/types.js';

export interface QueueHarness {
  store: Store;
  /** Another handle on the same database (another instance, as far as the store can tell). */
  openPeer(): Promise<Store>;
  cleanup(): Promise<void>;
}

const T0 = 1_750_000_000_000;

const done: TurnOutcome = {
  status: 'succeeded',
  responseText: 'ok',
  toolCalls: [],
  usage: { input_tokens: 1, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
  costUsd: 0.001,
  durationMs: 10,
  numTurns: 1,
  errorCode: null,
  errorMessage: null,
  model: null,
};

const admission = (id: string, over: Partial<Admission> = {}): Admission => ({
  turn: { id, sessionId: 's1', prompt: `prompt ${id}` },
  accountId: 'acc',
  title: 'a title',
  ifBusy: 'reject',
  instanceId: 'A',
  maxQueued: 8,
  accountMaxConcurrent: 8,
  ...over,
});

/** The turn queue every backend must implement identically; run by each backend's test file. */
export function turnQueueContract(name: string, factory: () => Promise<QueueHarness>): void {
  describe(`TurnQueue contract: ${name}`, () => {
    let h: QueueHarness;
    let s: Store;
    beforeEach(async () => {
      h = await factory();
      s = h.store;
      await s.catalog.createSession({ id: 's1', accountId: 'acc' }, T0);
    });
    afterEach(async () => {
      await h.cleanup();
    });

    const admitOk = async (id: string, over: Partial<Admission> = {}) => {
      const r = await s.queue.admit(admission(id, over), T0 + 1);
      if (!r.ok) throw new Error(`refused: ${r.reason}`);
      return r;
    };

    it('returns the session as admission left it, and logs startEvents only for a turn that runs at once', async () => {
      const started = (id: string) => [{ seq: 1, type: 'turn.started', data: { turn_id: id } }];
      const first = await admitOk('t1', { startEvents: started('t1'), title: 'first title' });
      expect(first.session).toEqual(await s.catalog.getSession('acc', 's1'));
      expect(first.session).toMatchObject({ id: 's1', status: 'running', title: 'first title', lastActiveAt: T0 + 1 });
      expect(await s.events.read('t1', 0, 10)).toEqual(started('t1'));
      // Refused: nothing logged. Queued: nothing logged either (its start comes when it runs).
      expect(await s.queue.admit(admission('t2', { startEvents: started('t2') }), T0 + 2)).toEqual({ ok: false, reason: 'busy' });
      const queued = await admitOk('t3', { ifBusy: 'enqueue', startEvents: started('t3') });
      expect(queued.turn.status).toBe('queued');
      expect(await s.events.lastSeq('t3')).toBe(0);
      await s.catalog.finishTurn('t1', done, T0 + 3);
      const claim = await s.queue.claim('t3', 'A', T0 + 4);
      expect(claim.state).toBe('claimed');
      if (claim.state === 'claimed') expect(claim.session).toEqual(await s.catalog.getSession('acc', 's1'));
    });

    it('finishes a turn and its stream in one transaction: the events come from the finished turn, and a refused finish logs none', async () => {
      await admitOk('t1');
      const turn = await s.catalog.finishTurn('t1', done, T0 + 2, (t) => [
        { seq: 1, type: 'text.delta', data: { text: 'ok' } },
        { seq: 2, type: 'turn.finished', data: { status: t.status, seq: t.seq } },
      ]);
      expect(await s.events.read('t1', 0, 10)).toEqual([
        { seq: 1, type: 'text.delta', data: { text: 'ok' } },
        { seq: 2, type: 'turn.finished', data: { status: 'succeeded', seq: turn.seq } },
      ]);
      await expect(s.catalog.finishTurn('t1', done, T0 + 3, () => [{ seq: 3, type: 'x', data: {} }])).rejects.toThrow(/already succeeded/);
      expect(await s.events.lastSeq('t1')).toBe(2);
      expect((await s.catalog.getSession('acc', 's1'))!.turnCount).toBe(1);
    });

    it('runs a turn at once on an idle session, and refuses or queues the next by if_busy', async () => {
      const first = await admitOk('t1');
      expect(first.turn).toMatchObject({ id: 't1', status: 'running', seq: 1 });
      expect(first.previousRunner).toBeNull();
      expect(await s.catalog.getSession('acc', 's1')).toMatchObject({ status: 'running', title: 'a title' });

      expect(await s.queue.admit(admission('t2'), T0 + 2)).toEqual({ ok: false, reason: 'busy' });
      expect(await s.catalog.getTurn('acc', 's1', 't2')).toBeNull();

      const q = await admitOk('t3', { ifBusy: 'enqueue', maxQueued: 1 });
      expect(q.turn).toMatchObject({ status: 'queued', seq: 2 });
      expect(await s.queue.admit(admission('t4', { ifBusy: 'enqueue', maxQueued: 1 }), T0 + 3)).toEqual({ ok: false, reason: 'queue_full' });
      expect((await s.queue.active('s1')).map((t) => [t.turnId, t.status, t.instanceId])).toEqual([
        ['t1', 'running', 'A'],
        ['t3', 'queued', 'A'],
      ]);
    });

    it('creates a new session with its first turn, and leaves nothing when the turn is refused', async () => {
      const r = await admitOk('n1', {
        turn: { id: 'n1', sessionId: 'new', prompt: 'hi' },
        newSession: { id: 'new', accountId: 'acc', title: 'hi' },
      });
      expect(r.turn.status).toBe('running');
      expect(await s.catalog.getSession('acc', 'new')).toMatchObject({ title: 'hi', status: 'running' });

      // The account already runs two turns (s1's is started below): a third session is refused whole.
      await admitOk('t1');
      const refused = await s.queue.admit(
        admission('n2', { turn: { id: 'n2', sessionId: 'new2', prompt: 'x' }, newSession: { id: 'new2', accountId: 'acc' }, accountMaxConcurrent: 2 }),
        T0 + 2,
      );
      expect(refused).toEqual({ ok: false, reason: 'too_many_turns' });
      expect(await s.catalog.getSession('acc', 'new2')).toBeNull();
    });

    it('refuses a message to an archived session before any busy check, and writes nothing', async () => {
      await s.catalog.setArchived('acc', 's1', true);
      for (const ifBusy of ['reject', 'enqueue', 'interrupt'] as const) {
        expect(await s.queue.admit(admission(`a-${ifBusy}`, { ifBusy }), T0 + 1)).toEqual({ ok: false, reason: 'archived' });
      }
      expect(await s.catalog.listTurns('acc', 's1')).toEqual([]);
      expect(await s.catalog.getSession('acc', 's1')).toMatchObject({ status: 'archived', title: null, lastActiveAt: T0 });
      await s.catalog.setArchived('acc', 's1', false);
      expect((await admitOk('t1')).turn.status).toBe('running');
    });

    it('refuses a new session once the account holds maxSessions, leaving no session and no turn', async () => {
      const newSession = (id: string, maxSessions: number) =>
        admission(`turn-${id}`, { turn: { id: `turn-${id}`, sessionId: id, prompt: 'p' }, newSession: { id, accountId: 'acc' }, maxSessions });
      expect(await s.queue.admit(newSession('n1', 1), T0 + 1)).toEqual({ ok: false, reason: 'too_many_sessions' });
      expect(await s.catalog.getSession('acc', 'n1')).toBeNull();
      expect(await s.catalog.listTurns('acc', 'n1')).toEqual([]);
      expect(await s.queue.active('n1')).toEqual([]);
      expect((await s.queue.admit(newSession('n2', 2), T0 + 1)).ok).toBe(true);
      expect(await s.queue.admit(newSession('n3', 2), T0 + 1)).toEqual({ ok: false, reason: 'too_many_sessions' });
      expect((await s.catalog.listSessions({ accountId: 'acc', limit: 10 })).sessions.map((x) => x.id).sort()).toEqual(['n2', 's1']);
      // The limit is about new sessions: messages to existing ones pass.
      expect((await s.queue.admit(admission('t1', { maxSessions: 1 }), T0 + 2)).ok).toBe(true);
    });

    it('finishTurn adds each finished turn to the usage ledger once, on its UTC day', async () => {
      const day = new Date(T0).toISOString().slice(0, 10);
      const next = new Date(T0 + 86_400_000).toISOString().slice(0, 10);
      const used = { input_tokens: 100, output_tokens: 20, cache_read_input_tokens: 7, cache_creation_input_tokens: 3 };
      await admitOk('t1');
      await s.catalog.finishTurn('t1', { ...done, usage: used, costUsd: 0.5, model: 'm1' }, T0 + 10);
      await admitOk('t2');
      await s.catalog.finishTurn('t2', { ...done, usage: used, costUsd: 0.25 }, T0 + 20);
      // Finishing again is refused and must not count twice.
      await expect(s.catalog.finishTurn('t2', { ...done, usage: used, costUsd: 0.25 }, T0 + 21)).rejects.toThrow();
      await s.catalog.createSession({ id: 'x', accountId: 'other' }, T0);
      await s.queue.admit(admission('x1', { accountId: 'other', turn: { id: 'x1', sessionId: 'x', prompt: 'p' } }), T0);
      await s.catalog.finishTurn('x1', { ...done, usage: used, costUsd: 9 }, T0 + 30);

      const spent = await s.usage.spentSince('acc', day);
      expect(spent.costUsd).toBeCloseTo(0.75, 10);
      expect(spent.tokens).toBe(240);
      expect(await s.usage.spentSince('acc', next)).toEqual({ costUsd: 0, tokens: 0 });
      const rows = await s.usage.report('acc', day, day);
      expect(rows.map((r) => [r.model, r.turns, r.inputTokens, r.outputTokens, r.cacheReadTokens, r.cacheWriteTokens])).toEqual([
        ['m1', 2, 200, 40, 14, 6], // t2 reported no model: the session's (m1, from t1) counts
      ]);
      // Neither the outcome nor the session named a model.
      expect((await s.usage.report('other', day, day)).map((r) => [r.model, r.turns, r.costUsd])).toEqual([['unknown', 1, 9]]);
    });

    it('creates exactly maxSessions sessions from simultaneous creates and admits on two handles', async () => {
      const peer = await h.openPeer();
      const handles = [s, peer, s, peer, s, peer, s, peer];
      const results = await Promise.all(
        handles.map(async (st, i) => {
          const id = `n${i}`;
          if (i < 4) {
            return st.catalog.createSession({ id, accountId: 'acc2' }, T0, 3).then(
              () => 'created',
              (err: unknown) => (err instanceof SessionLimitError ? 'limit' : Promise.reject(err)),
            );
          }
          const r = await st.queue.admit(
            admission(`t${i}`, { accountId: 'acc2', turn: { id: `t${i}`, sessionId: id, prompt: 'p' }, newSession: { id, accountId: 'acc2' }, maxSessions: 3 }),
            T0,
          );
          return r.ok ? 'created' : r.reason;
        }),
      );
      expect(results.filter((r) => r === 'created')).toHaveLength(3);
      expect(results.filter((r) => r === 'limit' || r === 'too_many_sessions')).toHaveLength(5);
      expect((await s.catalog.listSessions({ accountId: 'acc2', limit: 20 })).sessions).toHaveLength(3);
    });

    it("answers session_not_found for another account's session and writes nothing", async () => {
      expect(await s.queue.admit(admission('x', { accountId: 'other' }), T0 + 1)).toEqual({ ok: false, reason: 'session_not_found' });
      expect(await s.catalog.getTurn('acc', 's1', 'x')).toBeNull();
      expect(await s.catalog.getSession('acc', 's1')).toMatchObject({ status: 'idle', title: null });
    });

    it('lets an interrupting message jump the queue, replacing an earlier one still waiting', async () => {
      await admitOk('run');
      await admitOk('q1', { ifBusy: 'enqueue' });
      const i1 = await admitOk('i1', { ifBusy: 'interrupt' });
      expect(i1.interrupt).toMatchObject({ turnId: 'run', instanceId: 'A', status: 'running' });
      const i2 = await admitOk('i2', { ifBusy: 'interrupt', instanceId: 'B' });
      expect(i2.superseded).toEqual(['i1']);
      expect(await s.catalog.getTurn('acc', 's1', 'i1')).toMatchObject({ status: 'interrupted', errorMessage: expect.stringMatching(/newer message/) });
      expect((await s.queue.active('s1')).map((t) => t.turnId)).toEqual(['run', 'i2', 'q1']);
      expect(await s.queue.claim('i1', 'A', T0 + 5)).toMatchObject({ state: 'ended', turn: { status: 'interrupted' } });
    });

    it('claims only the first waiting turn, once nothing runs, and reports who ran the session before', async () => {
      await admitOk('t1');
      await admitOk('t2', { ifBusy: 'enqueue', instanceId: 'B' });
      await admitOk('t3', { ifBusy: 'enqueue', instanceId: 'A' });
      expect(await s.queue.claim('t2', 'B', T0 + 2)).toEqual({ state: 'waiting' });
      await s.catalog.finishTurn('t1', done, T0 + 3);
      expect(await s.catalog.getSession('acc', 's1')).toMatchObject({ status: 'running' });
      expect(await s.queue.claim('t3', 'A', T0 + 4)).toEqual({ state: 'waiting' });
      expect(await s.queue.claim('t2', 'B', T0 + 4)).toMatchObject({ state: 'claimed', previousRunner: 'A', turn: { id: 't2', status: 'running' } });
      await s.catalog.finishTurn('t2', done, T0 + 5);
      expect(await s.queue.claim('t3', 'A', T0 + 6)).toMatchObject({ state: 'claimed', previousRunner: 'B' });
      expect(await s.queue.claim('t3', 'A', T0 + 7)).toEqual({ state: 'waiting' });
    });

    it('fails the turns of instances whose heartbeat stopped, and only those', async () => {
      await s.catalog.createSession({ id: 's2', accountId: 'acc' }, T0);
      await s.queue.registerInstance('A', 'host-a', T0);
      await s.queue.registerInstance('B', 'host-b', T0);
      await admitOk('a1', { instanceId: 'A' });
      await admitOk('b1', { instanceId: 'B', turn: { id: 'b1', sessionId: 's2', prompt: 'p' } });
      await admitOk('b2', { instanceId: 'B', ifBusy: 'enqueue', turn: { id: 'b2', sessionId: 's2', prompt: 'p' } });
      await admitOk('a2', { instanceId: 'A', ifBusy: 'enqueue' });
      expect(await s.queue.heartbeat('A', T0 + 20_000)).toBe(true);

      const lost = await s.queue.failLost(T0 + 10_000, { code: 'instance_lost', message: 'gone' }, T0 + 20_001);
      expect(lost.map((t) => t.turnId).sort()).toEqual(['b1', 'b2']);
      expect(lost.every((t) => t.accountId === 'acc' && t.sessionId === 's2' && t.instanceId === 'B')).toBe(true);
      expect(await s.catalog.getTurn('acc', 's2', 'b1')).toMatchObject({ status: 'failed', errorCode: 'instance_lost', finishedAt: T0 + 20_001 });
      expect(await s.catalog.getSession('acc', 's2')).toMatchObject({ status: 'idle' });
      expect(await s.catalog.getSession('acc', 's1')).toMatchObject({ status: 'running' });
      expect((await s.queue.active('s1')).map((t) => t.turnId)).toEqual(['a1', 'a2']);
      // B was forgotten: its next heartbeat says so, and it may register again.
      expect(await s.queue.heartbeat('B', T0 + 20_002)).toBe(false);
      await s.queue.registerInstance('B', 'host-b', T0 + 20_003);
      expect(await s.queue.heartbeat('B', T0 + 20_004)).toBe(true);
      expect(await s.queue.failLost(T0 + 10_000, { code: 'instance_lost', message: 'gone' }, T0 + 20_005)).toEqual([]);
      // A turn recorded by no instance at all (older data) counts as lost.
      await s.catalog.startTurn({ id: 'old', sessionId: 's2', prompt: 'p', status: 'running' }, T0 + 30_000);
      expect((await s.queue.failLost(T0, { code: 'server_restarted', message: 'r' }, T0 + 30_001)).map((t) => t.turnId)).toEqual(['old']);
    });

    it('treats an earlier process with the same home as dead the moment its successor registers', async () => {
      await s.queue.registerInstance('old', 'host:/data', T0);
      await admitOk('t1', { instanceId: 'old' });
      await s.queue.registerInstance('new', 'host:/data', T0 + 1);
      const lost = await s.queue.failLost(0, { code: 'server_restarted', message: 'restarted' }, T0 + 2);
      expect(lost).toEqual([{ turnId: 't1', sessionId: 's1', accountId: 'acc', instanceId: 'old' }]);
      expect(await s.queue.heartbeat('new', T0 + 3)).toBe(true);
      expect(await s.queue.heartbeat('old', T0 + 3)).toBe(false);
    });

    it('admits exactly one of simultaneous reject sends from two handles, and queues every enqueue once', async () => {
      const peer = await h.openPeer();
      const handles = [s, peer, s, peer, s, peer];
      const rejects = await Promise.all(
        handles.map((st, i) => st.queue.admit(admission(`r${i}`, { instanceId: i % 2 ? 'B' : 'A' }), T0 + 1)),
      );
      expect(rejects.filter((r) => r.ok)).toHaveLength(1);
      expect(rejects.filter((r) => !r.ok && r.reason === 'busy')).toHaveLength(5);

      const enqueues = await Promise.all(
        handles.map((st, i) => st.queue.admit(admission(`e${i}`, { ifBusy: 'enqueue', instanceId: i % 2 ? 'B' : 'A' }), T0 + 2)),
      );
      expect(enqueues.every((r) => r.ok)).toBe(true);
      const turns = await s.catalog.listTurns('acc', 's1');
      expect(turns.map((t) => t.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(turns.filter((t) => t.status === 'running')).toHaveLength(1);
    });
  });
}
