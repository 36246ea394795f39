import type { SessionStoreEntry } from '@anthropic-ai/claude-agent-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RetentionCutoffs, Store, TurnOutcome } from '../../src/store/types.js';

export interface RetentionHarness {
  store: Store;
  cleanup(): Promise<void>;
}

const T0 = 1_750_000_000_000;
const DAY = 86_400_000;
const pk = (accountId: string) => `proj-${accountId}`;
const cutoffs = (defaultCutoff: number, perAccount: Record<string, number> = {}): RetentionCutoffs => ({
  defaultCutoff,
  perAccount,
  projectKey: pk,
});

const outcome: TurnOutcome = {
  status: 'succeeded',
  responseText: 'done',
  toolCalls: [],
  usage: { input_tokens: 1, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
  costUsd: 0,
  durationMs: 1,
  numTurns: 1,
  errorCode: null,
  errorMessage: null,
  model: null,
};

/** Non-ASCII text, so a character count would not equal the byte count. */
const mainEntries = (id: string): SessionStoreEntry[] => [
  { type: 'user', uuid: `${id}-u1`, text: 'héllo ✓' },
  { type: 'assistant', uuid: `${id}-u2`, text: 'wörld 🌍' },
];
const subEntries = (id: string): SessionStoreEntry[] => [{ type: 'user', uuid: `${id}-sub`, text: 'ä' }];
const bytesOf = (entries: SessionStoreEntry[]) => entries.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e)), 0);
/** Bytes of everything `seed` writes to a session's transcripts. */
const sessionBytes = (id: string) => bytesOf(mainEntries(id)) + bytesOf(subEntries(id));

/** Behaviour every `RetentionStore` backend must show; run by each backend's test file. */
export function retentionContract(name: string, factory: () => Promise<RetentionHarness>): void {
  describe(`RetentionStore contract: ${name}`, () => {
    let h: RetentionHarness;
    let store: Store;
    beforeEach(async () => {
      h = await factory();
      store = h.store;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    /**
     * A session last active at `at` holding one turn with two events (finished unless `turn` says
     * otherwise), two main transcript entries and one subagent entry.
     */
    async function seed(id: string, accountId: string, at: number, turn: 'finished' | 'running' | 'queued' = 'finished') {
      await store.catalog.createSession({ id, accountId, title: id }, at);
      const turnId = `${id}-t1`;
      await store.catalog.startTurn({ id: turnId, sessionId: id, prompt: 'p', status: turn === 'queued' ? 'queued' : 'running' }, at);
      await store.events.append(turnId, [{ seq: 1, type: 'x', data: {} }, { seq: 2, type: 'y', data: { a: 1 } }], at);
      if (turn === 'finished') await store.catalog.finishTurn(turnId, outcome, at);
      await store.transcripts.append({ projectKey: pk(accountId), sessionId: id }, mainEntries(id));
      await store.transcripts.append({ projectKey: pk(accountId), sessionId: id, subpath: 'subagents/agent-1' }, subEntries(id));
      return turnId;
    }

    /** Whether anything of the session is left, table by table. */
    async function leftOf(id: string, accountId: string) {
      const key = { projectKey: pk(accountId), sessionId: id };
      return {
        session: (await store.catalog.getSession(accountId, id)) !== null,
        main: (await store.transcripts.load(key)) !== null,
        sub: (await store.transcripts.load({ ...key, subpath: 'subagents/agent-1' })) !== null,
        summary: (await store.transcripts.listSessionSummaries(pk(accountId))).some((s) => s.sessionId === id),
        events: (await store.events.read(`${id}-t1`, 0, 100)).length > 0,
      };
    }
    const ALL = { session: true, main: true, sub: true, summary: true, events: true };
    const NONE = { session: false, main: false, sub: false, summary: false, events: false };

    const purge = (c: RetentionCutoffs, opts: { dryRun?: boolean; limit?: number; accountId?: string } = {}) =>
      store.retention.purge(c, { dryRun: opts.dryRun ?? false, limit: opts.limit ?? 100, ...(opts.accountId ? { accountId: opts.accountId } : {}) });

    it('purges old sessions of every account with all they own and keeps recent ones', async () => {
      await seed('old-a', 'a', T0 - 20 * DAY);
      await seed('old-b', 'b', T0 - 10 * DAY);
      await seed('new-a', 'a', T0 + DAY);
      await seed('new-b', 'b', T0 + 2 * DAY);

      const report = await purge(cutoffs(T0));
      expect(report).toEqual({
        sessions: 2,
        turns: 2,
        events: 4,
        entries: 6,
        bytes: sessionBytes('old-a') + sessionBytes('old-b'),
        purged: [
          { accountId: 'a', sessionId: 'old-a' },
          { accountId: 'b', sessionId: 'old-b' },
        ],
      });
      expect(await leftOf('old-a', 'a')).toEqual(NONE);
      expect(await leftOf('old-b', 'b')).toEqual(NONE);
      expect(await leftOf('new-a', 'a')).toEqual(ALL);
      expect(await leftOf('new-b', 'b')).toEqual(ALL);
      // The turn rows went too: only the kept sessions' turns remain.
      expect(await store.retention.stats(null, cutoffs(T0))).toMatchObject({ sessions: 2, turns: 2, entries: 6 });
      expect(await purge(cutoffs(T0))).toMatchObject({ sessions: 0, purged: [] });
    });

    it('leaves sessions with a running or queued turn alone, however old', async () => {
      await seed('running', 'a', T0 - 30 * DAY, 'running');
      await seed('queued', 'a', T0 - 30 * DAY, 'queued');
      await seed('idle', 'a', T0 - 30 * DAY);
      const report = await purge(cutoffs(T0));
      expect(report.purged).toEqual([{ accountId: 'a', sessionId: 'idle' }]);
      expect(report).toMatchObject({ sessions: 1, turns: 1, events: 2, entries: 3 });
      expect(await leftOf('running', 'a')).toEqual(ALL);
      expect(await leftOf('queued', 'a')).toEqual(ALL);
      expect(await leftOf('idle', 'a')).toEqual(NONE);
    });

    it("applies an account's own cutoff instead of the default", async () => {
      await seed('a1', 'a', T0 - 2 * DAY);
      await seed('b1', 'b', T0 - 2 * DAY);
      await seed('c1', 'c', T0 - 10 * DAY);
      await seed('d1', 'd', T0 - 10 * DAY);
      // Default keeps a1 and b1; a's shorter retention does not. c keeps its session longer
      // than the default would (its own cutoff wins either way); d has none, so the default applies.
      const report = await purge(cutoffs(T0 - 5 * DAY, { a: T0 - DAY, c: T0 - 30 * DAY }));
      expect(report.purged).toEqual([
        { accountId: 'd', sessionId: 'd1' },
        { accountId: 'a', sessionId: 'a1' },
      ]);
      expect(await leftOf('a1', 'a')).toEqual(NONE);
      expect(await leftOf('b1', 'b')).toEqual(ALL);
      expect(await leftOf('c1', 'c')).toEqual(ALL);
    });

    it('a dry run deletes nothing and reports what the real purge then does', async () => {
      await seed('old-a', 'a', T0 - 3 * DAY);
      await seed('old-b', 'b', T0 - 2 * DAY);
      await seed('new-a', 'a', T0 + DAY);
      const c = cutoffs(T0);
      const before = await store.retention.stats(null, c);

      const dry = await purge(c, { dryRun: true });
      expect(dry).toMatchObject({ sessions: 2, turns: 2, events: 4, entries: 6, bytes: sessionBytes('old-a') + sessionBytes('old-b') });
      expect(await store.retention.stats(null, c)).toEqual(before);
      expect(await leftOf('old-a', 'a')).toEqual(ALL);
      expect(await leftOf('old-b', 'b')).toEqual(ALL);

      expect(await purge(c)).toEqual(dry);
      expect(await leftOf('old-a', 'a')).toEqual(NONE);
    });

    it('purges at most `limit` sessions, oldest first across accounts and cutoffs, and continues', async () => {
      // b has its own cutoff, so its sessions come from another query and must merge in order.
      await seed('a1', 'a', T0 - 10 * DAY);
      await seed('b1', 'b', T0 - 9 * DAY);
      await seed('a2', 'a', T0 - 8 * DAY);
      await seed('b2', 'b', T0 - 7 * DAY);
      await seed('a3', 'a', T0 - 6 * DAY);
      const c = cutoffs(T0, { b: T0 - DAY });
      const ids = async () => (await purge(c, { limit: 2 })).purged.map((p) => p.sessionId);
      expect(await ids()).toEqual(['a1', 'b1']);
      expect(await leftOf('a2', 'a')).toEqual(ALL);
      expect(await ids()).toEqual(['a2', 'b2']);
      expect(await ids()).toEqual(['a3']);
      expect(await ids()).toEqual([]);
      expect(await purge(c, { limit: 0 })).toMatchObject({ sessions: 0, purged: [] });
    });

    it('restricts to one account when asked, under that account’s cutoff', async () => {
      await seed('a1', 'a', T0 - 10 * DAY);
      await seed('a2', 'a', T0 - 3 * DAY);
      await seed('b1', 'b', T0 - 10 * DAY);
      const c = cutoffs(T0 - 5 * DAY, { a: T0 - 2 * DAY });
      expect((await purge(c, { accountId: 'b', dryRun: true })).purged).toEqual([{ accountId: 'b', sessionId: 'b1' }]);
      const report = await purge(c, { accountId: 'a' });
      expect(report.purged).toEqual([
        { accountId: 'a', sessionId: 'a1' },
        { accountId: 'a', sessionId: 'a2' },
      ]);
      expect(await leftOf('b1', 'b')).toEqual(ALL);
      expect((await purge(c, { accountId: 'nobody' })).sessions).toBe(0);
    });

    it('reports what is stored, per account and in all', async () => {
      await seed('a-old', 'a', T0 - 10 * DAY);
      await seed('a-new', 'a', T0 + DAY);
      await seed('a-busy', 'a', T0 - 20 * DAY, 'running');
      await seed('b-old', 'b', T0 - 30 * DAY);
      await store.catalog.startTurn({ id: 'b-old-t2', sessionId: 'b-old', prompt: 'q', status: 'running' }, T0 - 30 * DAY);
      await store.catalog.finishTurn('b-old-t2', outcome, T0 - 30 * DAY);
      // A transcript of no session: counted in the totals of the whole store only.
      const stray: SessionStoreEntry[] = [{ type: 'user', uuid: 'stray', text: 'ø' }];
      await store.transcripts.append({ projectKey: 'elsewhere', sessionId: 'ghost' }, stray);
      const c = cutoffs(T0);

      expect(await store.retention.stats('a', c)).toEqual({
        sessions: 3,
        turns: 3,
        entries: 9,
        bytes: sessionBytes('a-old') + sessionBytes('a-new') + sessionBytes('a-busy'),
        oldestActivityAt: T0 - 20 * DAY,
        dueForPurge: 1,
      });
      expect(await store.retention.stats('b', c)).toEqual({
        sessions: 1,
        turns: 2,
        entries: 3,
        bytes: sessionBytes('b-old'),
        oldestActivityAt: T0 - 30 * DAY,
        dueForPurge: 1,
      });
      const all = {
        sessions: 4,
        turns: 5,
        entries: 13,
        bytes: sessionBytes('a-old') + sessionBytes('a-new') + sessionBytes('a-busy') + sessionBytes('b-old') + bytesOf(stray),
        oldestActivityAt: T0 - 30 * DAY,
        dueForPurge: 2,
      };
      expect(await store.retention.stats(null, c)).toEqual(all);
      // b's own cutoff keeps its session out of the due count.
      expect((await store.retention.stats(null, cutoffs(T0, { b: T0 - 40 * DAY }))).dueForPurge).toBe(1);
      expect(await store.retention.stats('nobody', c)).toEqual({
        sessions: 0,
        turns: 0,
        entries: 0,
        bytes: 0,
        oldestActivityAt: null,
        dueForPurge: 0,
      });

      expect((await purge(c)).sessions).toBe(2);
      expect(await store.retention.stats(null, c)).toEqual({
        sessions: 2,
        turns: 2,
        entries: 7,
        bytes: sessionBytes('a-new') + sessionBytes('a-busy') + bytesOf(stray),
        oldestActivityAt: T0 - 20 * DAY,
        dueForPurge: 0,
      });
    });

    it('tells which session ids still exist, in any account', async () => {
      await store.catalog.createSession({ id: 's1', accountId: 'a' }, T0);
      await store.catalog.createSession({ id: 's2', accountId: 'b' }, T0);
      expect(await store.retention.existing(['s1', 's2', 'gone'])).toEqual(new Set(['s1', 's2']));
      expect(await store.retention.existing(['gone'])).toEqual(new Set());
      expect(await store.retention.existing([])).toEqual(new Set());
      // More ids than one IN list holds.
      const many = Array.from({ length: 1200 }, (_, i) => `x${i}`).concat('s2');
      expect(await store.retention.existing(many)).toEqual(new Set(['s2']));
    });
  });
}
