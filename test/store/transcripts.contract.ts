import { foldSessionSummary, type SessionStoreEntry } from '@anthropic-ai/claude-agent-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TranscriptStore } from '../../src/store/types.js';
import { E, KEY, sdkConformance, sub } from './transcripts.sdk-conformance.js';

/** What a backend hands the suite: a fresh, empty, isolated store per test. */
export interface TranscriptHarness {
  store: TranscriptStore;
  /** Closes every store opened for this harness and removes its data. */
  cleanup(): Promise<void>;
  /** Another store instance on the same database (another connection or pool), for the concurrency contract. */
  openPeer(): Promise<TranscriptStore>;
}


/**
 * Everything a `TranscriptStore` backend must do: the SDK's published conformance contracts
 * (transcripts.sdk-conformance.ts) and what this service relies on beyond them — mtime semantics,
 * uuid idempotency, summaries maintained with `foldSessionSummary`, `exists`, payload fidelity
 * and concurrent writers.
 */
export function transcriptStoreContract(name: string, factory: () => Promise<TranscriptHarness>): void {
  describe(`TranscriptStore contract: ${name}`, () => {
    let h: TranscriptHarness;
    let store: TranscriptStore;
    beforeEach(async () => {
      h = await factory();
      store = h.store;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    sdkConformance(() => store);

    describe('mtime', () => {
      it('is the append time in integer epoch ms', async () => {
        const before = Date.now();
        await store.append(KEY, [E('a')]);
        const after = Date.now();
        const [s] = await store.listSessions('proj');
        expect(Number.isInteger(s!.mtime)).toBe(true);
        expect(s!.mtime).toBeGreaterThanOrEqual(before);
        expect(s!.mtime).toBeLessThanOrEqual(after + 5); // per-session monotonic bump allowance
      });

      it('strictly advances on every later main append, even within one millisecond', async () => {
        const seen: number[] = [];
        for (let i = 0; i < 5; i++) {
          await store.append(KEY, [E('a', { i })]);
          seen.push((await store.listSessions('proj'))[0]!.mtime);
        }
        for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]!);
      });

      it('is not moved by subagent appends', async () => {
        await store.append(KEY, [E('a')]);
        const [before] = await store.listSessions('proj');
        await new Promise((r) => setTimeout(r, 5));
        await store.append(sub('subagents/a'), [E('sa')]);
        expect(await store.listSessions('proj')).toEqual([before]);
      });
    });

    describe('uuid idempotency', () => {
      it('re-appending an entry with a known uuid does not duplicate it', async () => {
        await store.append(KEY, [E('a', { uuid: '1' }), E('b', { uuid: '2' })]);
        await store.append(KEY, [E('a', { uuid: '1' }), E('b', { uuid: '2' })]);
        expect(await store.load(KEY)).toEqual([E('a', { uuid: '1' }), E('b', { uuid: '2' })]);
      });

      it('keeps the first copy of a uuid repeated inside one batch', async () => {
        await store.append(KEY, [E('a', { uuid: '1', v: 'first' }), E('b', { uuid: '1', v: 'second' }), E('c')]);
        expect(await store.load(KEY)).toEqual([E('a', { uuid: '1', v: 'first' }), E('c')]);
      });

      it('appends only the new entries of a partly replayed batch, in order', async () => {
        await store.append(KEY, [E('a', { uuid: '1' }), E('b', { uuid: '2' })]);
        await store.append(KEY, [E('b', { uuid: '2' }), E('c', { uuid: '3' }), E('a', { uuid: '1' }), E('d', { uuid: '4' })]);
        expect((await store.load(KEY))?.map((e) => e.uuid)).toEqual(['1', '2', '3', '4']);
      });

      it('never dedupes entries without a uuid', async () => {
        const marker = E('mode', { mode: 'default' });
        await store.append(KEY, [marker, marker]);
        await store.append(KEY, [marker]);
        expect(await store.load(KEY)).toEqual([marker, marker, marker]);
      });

      it('scopes a uuid to its key (subpath, session and project)', async () => {
        const e = E('a', { uuid: 'shared' });
        await store.append(KEY, [e]);
        await store.append(sub('subagents/a'), [e]);
        await store.append({ projectKey: 'proj', sessionId: 'other' }, [e]);
        await store.append({ projectKey: 'proj2', sessionId: 'sess' }, [e]);
        expect(await store.load(KEY)).toEqual([e]);
        expect(await store.load(sub('subagents/a'))).toEqual([e]);
        expect(await store.load({ projectKey: 'proj', sessionId: 'other' })).toEqual([e]);
        expect(await store.load({ projectKey: 'proj2', sessionId: 'sess' })).toEqual([e]);
      });

      it('a fully replayed batch changes neither the summary nor mtime', async () => {
        const batch = [E('user', { uuid: '1', timestamp: '2024-01-01T00:00:00.000Z', customTitle: 'old' })];
        await store.append(KEY, batch);
        await store.append(KEY, [E('user', { uuid: '2', customTitle: 'new' })]);
        const before = await store.listSessionSummaries('proj');
        await store.append(KEY, batch); // an SDK retry of a batch that had already landed
        expect(await store.listSessionSummaries('proj')).toEqual(before);
        expect(before[0]!.data).toMatchObject({ customTitle: 'new' });
      });
    });

    describe('summaries', () => {
      const realistic = (i: number): SessionStoreEntry[] => [
        E('user', {
          uuid: `u${i}`,
          timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
          cwd: '/srv/work',
          gitBranch: `branch-${i}`,
          isSidechain: false,
          message: { role: 'user', content: `prompt number ${i}` },
        }),
        E('assistant', { uuid: `a${i}`, message: { role: 'assistant', content: [{ type: 'text', text: `answer ${i}` }] } }),
        E('custom-title', { customTitle: `title ${i}` }),
        E('tag', { tag: i % 2 === 0 ? `tag-${i}` : '' }),
      ];

      it('stay exact when two stores append to one session in turn, and after a delete', async () => {
        // Each store remembers the summary it wrote last (to skip reading it back): a peer's
        // write in between must be noticed, never folded over.
        const peer = await h.openPeer();
        const writers = [store, peer, store, store, peer, store];
        for (const [i, w] of writers.entries()) await w.append(KEY, realistic(i));
        const check = async () => {
          const loaded = (await store.load(KEY))!;
          const [summary] = await store.listSessionSummaries('proj');
          expect(summary).toEqual(foldSessionSummary(undefined, KEY, loaded, { mtime: summary!.mtime }));
          return summary!;
        };
        expect((await check()).data).toMatchObject({ customTitle: 'title 5', gitBranch: 'branch-5' });
        await peer.delete(KEY);
        await store.append(KEY, realistic(7));
        const after = await check();
        expect(after.data).toMatchObject({ customTitle: 'title 7', gitBranch: 'branch-7' });
        expect(after.data).not.toHaveProperty('firstPrompt', 'prompt number 0');
      });

      it('agree with foldSessionSummary over everything load returns', async () => {
        for (let i = 0; i < 4; i++) await store.append(KEY, realistic(i));
        await store.append(KEY, realistic(1)); // replays dedupe by uuid; uuid-less entries re-fold
        const loaded = (await store.load(KEY))!;
        const [summary] = await store.listSessionSummaries('proj');
        const expected = foldSessionSummary(undefined, KEY, loaded, { mtime: summary!.mtime });
        expect(summary).toEqual(expected);
        expect(summary!.data).toMatchObject({ customTitle: 'title 1', cwd: '/srv/work', gitBranch: 'branch-3' });
      });

      it('share their mtime with listSessions', async () => {
        await store.append(KEY, realistic(0));
        await store.append({ projectKey: 'proj', sessionId: 's2' }, realistic(1));
        const mtimes = new Map((await store.listSessions('proj')).map((s) => [s.sessionId, s.mtime]));
        const summaries = await store.listSessionSummaries('proj');
        expect(summaries).toHaveLength(2);
        for (const s of summaries) expect(s.mtime).toBe(mtimes.get(s.sessionId));
      });

      it('ignore subagent appends and survive a subpath delete', async () => {
        await store.append(KEY, realistic(0));
        const before = await store.listSessionSummaries('proj');
        await store.append(sub('subagents/a'), [E('x', { customTitle: 'subagent', uuid: 's1' })]);
        expect(await store.listSessionSummaries('proj')).toEqual(before);
        await store.delete(sub('subagents/a'));
        expect(await store.listSessionSummaries('proj')).toEqual(before);
      });

      it('are listed only for main transcripts of the project', async () => {
        await store.append(sub('subagents/a', { projectKey: 'proj', sessionId: 'only-sub' }), realistic(0));
        await store.append({ projectKey: 'proj2', sessionId: 'x' }, realistic(0));
        await store.append(KEY, realistic(0));
        expect((await store.listSessionSummaries('proj')).map((s) => s.sessionId)).toEqual(['sess']);
      });

      it('vanish with their session', async () => {
        await store.append(KEY, realistic(0));
        await store.append({ projectKey: 'proj', sessionId: 'keep' }, realistic(1));
        await store.delete(KEY);
        expect((await store.listSessionSummaries('proj')).map((s) => s.sessionId)).toEqual(['keep']);
        await store.append(KEY, realistic(2)); // a new life starts from an empty fold
        const [summary] = (await store.listSessionSummaries('proj')).filter((s) => s.sessionId === 'sess');
        expect(summary).toEqual(foldSessionSummary(undefined, KEY, realistic(2), { mtime: summary!.mtime }));
      });
    });

    describe('exists', () => {
      it('is true only while the main transcript has entries', async () => {
        expect(await store.exists('proj', 'sess')).toBe(false);
        await store.append(sub('subagents/a'), [E('sa')]);
        expect(await store.exists('proj', 'sess')).toBe(false);
        await store.append(KEY, [E('a')]);
        expect(await store.exists('proj', 'sess')).toBe(true);
        expect(await store.exists('proj2', 'sess')).toBe(false);
        await store.delete(KEY);
        expect(await store.exists('proj', 'sess')).toBe(false);
      });
    });

    describe('payloads and keys', () => {
      it('round-trips a 1 MB entry', async () => {
        const big = E('assistant', { uuid: 'big', text: 'x'.repeat(1024 * 1024), tail: 'é'.repeat(1000) });
        await store.append(KEY, [E('a'), big, E('b')]);
        expect(await store.load(KEY)).toEqual([E('a'), big, E('b')]);
      });

      it('round-trips unicode, control characters and every JSON value kind', async () => {
        const entry = E('user', {
          uuid: 'ünï-😀',
          text: 'héllo wörld — 你好 — مرحبا — 👩‍👩‍👧‍👦 — e\u0301 — \u0000\t\n"\\ — \ud83d (lone)',
          '键 🔑': { 'ключ': [1, -2.5, 1e21, 0, true, false, null, '', [], {}] },
          max: Number.MAX_SAFE_INTEGER,
        });
        await store.append(KEY, [entry]);
        expect(await store.load(KEY)).toEqual([entry]);
      });

      it('treats keys as opaque strings', async () => {
        const odd = { projectKey: '-srv-a/b%2F:c d', sessionId: "s'1\"; drop table x;--" };
        await store.append(odd, [E('main')]);
        await store.append({ ...odd, subpath: 'subagents/deep/agent-1' }, [E('sub')]);
        expect(await store.load(odd)).toEqual([E('main')]);
        expect(await store.listSubkeys(odd)).toEqual(['subagents/deep/agent-1']);
        expect((await store.listSessions(odd.projectKey)).map((s) => s.sessionId)).toEqual([odd.sessionId]);
        expect(await store.listSessions('-srv-a')).toEqual([]);
      });

      it('keeps order across a batch larger than any internal chunk', async () => {
        const entries = Array.from({ length: 2503 }, (_, i) => E('x', i % 3 === 0 ? { i } : { i, uuid: `u${i}` }));
        await store.append(KEY, entries);
        expect(await store.load(KEY)).toEqual(entries);
      });

      it('rejects an empty-string subpath instead of treating it as the main transcript', async () => {
        await store.append(KEY, [E('main')]);
        await expect(store.append(sub(''), [E('x')])).rejects.toThrow();
        await expect(store.delete(sub(''))).rejects.toThrow();
        expect(await store.load(KEY)).toEqual([E('main')]);
      });
    });

    describe('concurrency', () => {
      it('two instances appending to one session lose nothing and keep per-writer order', async () => {
        const peer = await h.openPeer();
        const write = async (s: TranscriptStore, writer: string) => {
          for (let i = 0; i < 40; i++) {
            await s.append(KEY, [E('user', { uuid: `${writer}-${i}`, writer, i }), E('mode', { writer, i })]);
            if (i % 10 === 0) await s.append(sub(`subagents/${writer}`), [E('x', { writer, i })]);
          }
        };
        await Promise.all([write(store, 'A'), write(peer, 'B'), write(store, 'C'), write(peer, 'D')]);
        const loaded = (await peer.load(KEY))!;
        expect(loaded).toHaveLength(4 * 40 * 2);
        for (const writer of ['A', 'B', 'C', 'D']) {
          const mine = loaded.filter((e) => e.writer === writer).map((e) => `${e.type}:${String(e.i)}`);
          const expected = Array.from({ length: 40 }, (_, i) => [`user:${i}`, `mode:${i}`]).flat();
          expect(mine).toEqual(expected);
        }
        expect((await store.listSubkeys(KEY)).sort()).toEqual(['subagents/A', 'subagents/B', 'subagents/C', 'subagents/D']);
        // The summary fold was serialised: it equals one fold over the final transcript.
        const [summary] = await store.listSessionSummaries('proj');
        expect(summary).toEqual(foldSessionSummary(undefined, KEY, loaded, { mtime: summary!.mtime }));
      });
    });
  });
}
