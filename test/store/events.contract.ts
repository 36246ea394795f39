import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types.js';

/** Behaviour every `EventLog` backend must show. Needs a whole store: events belong to turns. */
export function eventLogContract(name: string, factory: () => Promise<{ store: Store; cleanup(): Promise<void> }>): void {
  describe(`EventLog contract: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    const T0 = 1_750_000_000_000;
    beforeEach(async () => {
      ({ store, cleanup } = await factory());
      await store.catalog.createSession({ id: 's1', accountId: 'acc' }, T0);
      await store.catalog.startTurn({ id: 't1', sessionId: 's1', prompt: 'p', status: 'running' }, T0);
      await store.catalog.startTurn({ id: 't2', sessionId: 's1', prompt: 'q', status: 'queued' }, T0);
    });
    afterEach(() => cleanup());

    const ev = (seq: number, type = 'text.delta', data: Record<string, unknown> = { text: `e${seq}` }) => ({ seq, type, data });

    it('reads back what was appended, in order, after a given seq', async () => {
      await store.events.append('t1', [ev(1, 'turn.started', { turn_id: 't1' }), ev(2)], T0);
      await store.events.append('t1', [ev(3), ev(4, 'turn.finished', {})], T0);
      expect(await store.events.read('t1', 0, 100)).toEqual([ev(1, 'turn.started', { turn_id: 't1' }), ev(2), ev(3), ev(4, 'turn.finished', {})]);
      expect((await store.events.read('t1', 2, 100)).map((e) => e.seq)).toEqual([3, 4]);
      expect((await store.events.read('t1', 1, 2)).map((e) => e.seq)).toEqual([2, 3]);
      expect(await store.events.read('t1', 4, 100)).toEqual([]);
      expect(await store.events.lastSeq('t1')).toBe(4);
      expect(await store.events.lastSeq('t2')).toBe(0);
    });

    it('keeps turns apart and ignores a re-sent seq', async () => {
      await store.events.append('t1', [ev(1)], T0);
      await store.events.append('t2', [ev(1, 'x', { other: true })], T0);
      await store.events.append('t1', [ev(1, 'dup', { text: 'changed' })], T0);
      expect(await store.events.read('t1', 0, 10)).toEqual([ev(1)]);
      expect(await store.events.read('t2', 0, 10)).toEqual([ev(1, 'x', { other: true })]);
      expect(await store.events.read('nope', 0, 10)).toEqual([]);
    });

    it('appends a large batch in one call, and a batch overlapping logged seqs adds only the new ones', async () => {
      const many = Array.from({ length: 2500 }, (_, i) => ev(i + 1, 'text.delta', { text: `w${i} "q" \\ 🌧` }));
      await store.events.append('t1', many.slice(0, 10), T0);
      await store.events.append('t1', many.slice(5), T0);
      const back = [...(await store.events.read('t1', 0, 2000)), ...(await store.events.read('t1', 2000, 2000))];
      expect(back).toEqual(many);
      expect(await store.events.lastSeq('t1')).toBe(2500);
    });

    it('round-trips unicode and nested data', async () => {
      const data = { input: { city: 'São Paulo 🌧', nested: [1, null, { a: 'b' }] }, text: 'line\nbreak' };
      await store.events.append('t1', [ev(1, 'tool.started', data)], T0);
      expect(await store.events.read('t1', 0, 10)).toEqual([ev(1, 'tool.started', data)]);
    });

    it('prunes only the events of turns that ended before the cutoff', async () => {
      await store.events.append('t1', [ev(1), ev(2)], T0);
      await store.events.append('t2', [ev(1)], T0);
      await store.catalog.finishTurn('t1', {
        status: 'succeeded', responseText: '', toolCalls: [], costUsd: 0, durationMs: 1, numTurns: 1,
        usage: { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
        errorCode: null, errorMessage: null, model: null,
      }, T0 + 10);
      expect(await store.events.prune(T0 + 10)).toBe(0);
      expect(await store.events.prune(T0 + 11)).toBe(2);
      expect(await store.events.read('t1', 0, 10)).toEqual([]);
      expect(await store.events.read('t2', 0, 10)).toHaveLength(1);
    });

    it('goes with its session', async () => {
      await store.events.append('t1', [ev(1)], T0);
      await store.catalog.deleteSession('acc', 's1');
      expect(await store.events.read('t1', 0, 10)).toEqual([]);
    });
  });
}
