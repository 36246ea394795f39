import { foldSessionSummary, type SessionKey, type SessionStoreEntry } from '@anthropic-ai/claude-agent-sdk';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TranscriptStore } from '../../src/store/types.js';

export const KEY: SessionKey = { projectKey: 'proj', sessionId: 'sess' };
export const sub = (subpath: string, key: SessionKey = KEY): SessionKey => ({ ...key, subpath });
export const E = (type: string, extra: Record<string, unknown> = {}): SessionStoreEntry => ({ type, ...extra });

/**
 * The SDK's 13 published SessionStore contracts, numbered and named as in
 * examples/session-stores/shared/conformance.ts of anthropics/claude-agent-sdk-typescript, plus
 * the summaries contract the SDK's Python/Go/Java ports number 14. Written here from those
 * descriptions (not copied), with a few extra assertions each. Call inside a describe whose
 * beforeEach provides a fresh store.
 */
export function sdkConformance(current: () => TranscriptStore): void {
describe('SDK conformance', () => {
  let store: TranscriptStore;
  beforeEach(() => {
    store = current();
  });

  it('1. append then load returns same entries in same order', async () => {
    const entries = [E('a', { uuid: 'u2', n: 1, nested: { x: [1, 2], y: null } }), E('b', { uuid: 'u1', n: 2 })];
    await store.append(KEY, entries);
    expect(await store.load(KEY)).toEqual(entries);
  });

  it('2. load unknown key returns null', async () => {
    expect(await store.load(KEY)).toBeNull();
    expect(await store.load(sub('subagents/a'))).toBeNull();
    await store.append(KEY, [E('a')]);
    expect(await store.load(sub('subagents/nope'))).toBeNull();
    expect(await store.load({ projectKey: 'proj', sessionId: 'nope' })).toBeNull();
  });

  it('3. multiple append calls preserve call order', async () => {
    await store.append(KEY, [E('a', { uuid: 'z' })]);
    await store.append(KEY, [E('b', { uuid: 'a' }), E('c', { uuid: 'm' })]);
    await store.append(KEY, [E('d', { uuid: 'b' })]);
    expect((await store.load(KEY))?.map((e) => e.type)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('4. append([]) is a no-op', async () => {
    await store.append(KEY, []);
    expect(await store.load(KEY)).toBeNull();
    expect(await store.listSessions('proj')).toEqual([]);
    expect(await store.listSessionSummaries('proj')).toEqual([]);
    expect(await store.exists('proj', 'sess')).toBe(false);
    await store.append(KEY, [E('a')]);
    const before = await store.listSessions('proj');
    await store.append(KEY, []);
    expect(await store.load(KEY)).toEqual([E('a')]);
    expect(await store.listSessions('proj')).toEqual(before);
  });

  it('5. subpath keys are stored independently of main', async () => {
    await store.append(KEY, [E('main')]);
    await store.append(sub('subagents/x'), [E('sub-x')]);
    await store.append(sub('subagents/y'), [E('sub-y')]);
    expect(await store.load(KEY)).toEqual([E('main')]);
    expect(await store.load(sub('subagents/x'))).toEqual([E('sub-x')]);
    expect(await store.load(sub('subagents/y'))).toEqual([E('sub-y')]);
  });

  it('6. projectKey isolation', async () => {
    const A = { projectKey: 'A', sessionId: 's' };
    const B = { projectKey: 'B', sessionId: 's' };
    await store.append(A, [E('a', { uuid: 'same' })]);
    await store.append(B, [E('b', { uuid: 'same' })]);
    expect(await store.load(A)).toEqual([E('a', { uuid: 'same' })]);
    expect(await store.load(B)).toEqual([E('b', { uuid: 'same' })]);
    expect(await store.listSessions('A')).toHaveLength(1);
    expect(await store.listSessions('B')).toHaveLength(1);
  });

  it('7. listSessions returns sessionIds for project', async () => {
    await store.append({ projectKey: 'P', sessionId: 's1' }, [E('a')]);
    await store.append({ projectKey: 'P', sessionId: 's2' }, [E('b')]);
    await store.append({ projectKey: 'Q', sessionId: 's3' }, [E('c')]);
    const listed = await store.listSessions('P');
    expect(listed.map((s) => s.sessionId).sort()).toEqual(['s1', 's2']);
    for (const s of listed) {
      expect(Number.isInteger(s.mtime)).toBe(true);
      expect(s.mtime).toBeGreaterThan(1e12); // epoch ms, not seconds
    }
    expect(await store.listSessions('never-seen')).toEqual([]);
  });

  it('8. listSessions excludes subagent subpaths', async () => {
    await store.append({ projectKey: 'P', sessionId: 's1', subpath: 'subagents/x' }, [E('sub')]);
    await store.append({ projectKey: 'P', sessionId: 's2' }, [E('main')]);
    await store.append({ projectKey: 'P', sessionId: 's2', subpath: 'subagents/y' }, [E('sub')]);
    expect((await store.listSessions('P')).map((s) => s.sessionId)).toEqual(['s2']);
  });

  it('9. delete main then load returns null (unknown key is a no-op)', async () => {
    await store.delete({ projectKey: 'x', sessionId: 'never' });
    await store.delete({ projectKey: 'x', sessionId: 'never', subpath: 'subagents/never' });
    await store.append(KEY, [E('a')]);
    await store.delete(KEY);
    expect(await store.load(KEY)).toBeNull();
    await store.delete(KEY);
    expect(await store.load(KEY)).toBeNull();
  });

  it('10. delete main cascades to subkeys', async () => {
    await store.append(KEY, [E('main')]);
    await store.append(sub('subagents/a'), [E('sa')]);
    await store.append(sub('subagents/b'), [E('sb')]);
    await store.append({ projectKey: 'proj', sessionId: 'other' }, [E('o')]);
    await store.append({ projectKey: 'proj2', sessionId: 'sess' }, [E('p2')]);
    await store.delete(KEY);
    expect(await store.load(KEY)).toBeNull();
    expect(await store.load(sub('subagents/a'))).toBeNull();
    expect(await store.load(sub('subagents/b'))).toBeNull();
    expect(await store.listSubkeys(KEY)).toEqual([]);
    expect((await store.listSessions('proj')).map((s) => s.sessionId)).toEqual(['other']);
    expect(await store.load({ projectKey: 'proj', sessionId: 'other' })).toEqual([E('o')]);
    expect(await store.load({ projectKey: 'proj2', sessionId: 'sess' })).toEqual([E('p2')]);
  });

  it('11. delete with subpath removes only that subkey', async () => {
    await store.append(KEY, [E('main')]);
    await store.append(sub('subagents/a'), [E('sa')]);
    await store.append(sub('subagents/b'), [E('sb')]);
    await store.delete(sub('subagents/a'));
    expect(await store.load(KEY)).toEqual([E('main')]);
    expect(await store.load(sub('subagents/a'))).toBeNull();
    expect(await store.load(sub('subagents/b'))).toEqual([E('sb')]);
    expect(await store.listSubkeys(KEY)).toEqual(['subagents/b']);
    expect((await store.listSessions('proj')).map((s) => s.sessionId)).toEqual(['sess']);
  });

  it('12. listSubkeys returns subpaths for the session', async () => {
    await store.append(sub('subagents/a'), [E('sa')]);
    await store.append(sub('subagents/b'), [E('sb')]);
    await store.append(sub('subagents/b'), [E('sb2')]);
    await store.append(sub('subagents/c', { projectKey: 'proj', sessionId: 'other' }), [E('sc')]);
    await store.append(sub('subagents/d', { projectKey: 'proj2', sessionId: 'sess' }), [E('sd')]);
    expect((await store.listSubkeys(KEY)).sort()).toEqual(['subagents/a', 'subagents/b']);
  });

  it('13. listSubkeys excludes main transcript', async () => {
    await store.append(KEY, [E('main')]);
    expect(await store.listSubkeys(KEY)).toEqual([]);
    expect(await store.listSubkeys({ projectKey: 'x', sessionId: 'never' })).toEqual([]);
  });

  it('14. listSessionSummaries returns the persisted fold, which re-folds', async () => {
    const key = { projectKey: 'proj', sessionId: 'summ' };
    await store.append(key, [
      E('x', { timestamp: '2024-01-01T00:00:00.000Z', customTitle: 'first' }),
      E('x', { timestamp: '2024-01-01T00:00:01.000Z' }),
    ]);
    await store.append(key, [E('x', { timestamp: '2024-01-01T00:00:02.000Z', customTitle: 'second' })]);
    await store.append({ projectKey: 'other', sessionId: 'elsewhere' }, [E('x')]);
    const summaries = await store.listSessionSummaries('proj');
    expect(summaries.map((s) => s.sessionId)).toEqual(['summ']);
    const summary = summaries[0]!;
    expect(Number.isInteger(summary.mtime) && summary.mtime > 1e12).toBe(true);
    expect(summary.data).toMatchObject({ customTitle: 'second' });
    const listed = await store.listSessions('proj');
    expect(summary.mtime).toBeGreaterThanOrEqual(listed.find((s) => s.sessionId === 'summ')!.mtime);
    const refolded = foldSessionSummary(summary, key, [E('x', { timestamp: '2024-01-01T00:00:03.000Z' })]);
    expect(refolded.sessionId).toBe('summ');
    expect(refolded.mtime).toBe(summary.mtime);
    expect(await store.listSessionSummaries('never-appended')).toEqual([]);
    await store.delete(key);
    expect(await store.listSessionSummaries('proj')).toEqual([]);
  });
});}
