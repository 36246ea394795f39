import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Hub } from '../cluster/hub.js';
import type { EventLog, StoredEvent } from '../store/types.js';
import { TurnStream } from './turn-stream.js';

/** An event log that records each append as one batch, optionally slow. */
function fakeLog(delayMs = 0): EventLog & { batches: number[][] } {
  const batches: number[][] = [];
  return {
    batches,
    async append(_turn: string, events: StoredEvent[]) {
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      batches.push(events.map((e) => e.seq));
    },
    read: async () => [],
    lastSeq: async () => 0,
    prune: async () => 0,
  };
}

const stream = (log: EventLog) => new TurnStream('t1', log, new Hub(null), Date.now, pino({ level: 'silent' }));

describe('TurnStream', () => {
  it('group-commits the events of one event-loop turn in one append, in order', async () => {
    const log = fakeLog();
    const s = stream(log);
    for (let i = 0; i < 50; i++) s.emit('text.delta', { text: `w${i}` });
    await s.flush();
    expect(log.batches).toEqual([Array.from({ length: 50 }, (_, i) => i + 1)]);
  });

  it('numbers after events logged elsewhere, and batches what arrives during a slow write', async () => {
    const log = fakeLog(20);
    const s = stream(log);
    s.loggedBefore(1);
    s.emit('a', {});
    await new Promise((r) => setTimeout(r, 5)); // the first write is under way
    s.emit('b', {});
    s.emit('c', {});
    await s.flush();
    expect(log.batches).toEqual([[2], [3, 4]]);
  });

  it('while busy, lingers so events arriving a millisecond apart share a write; a first event does not wait', async () => {
    const log = fakeLog();
    const s = stream(log);
    s.emit('first', {});
    await s.flush();
    expect(log.batches).toEqual([[1]]); // after a quiet spell: written at once, alone
    // A burst: one event per event-loop turn, ~every 0.3 ms (each its own batch before the linger).
    for (let i = 0; i < 6; i++) {
      s.emit('text.delta', { text: `w${i}` });
      await new Promise((r) => setImmediate(r));
    }
    await s.flush();
    const later = log.batches.slice(1);
    expect(later.flat()).toEqual([2, 3, 4, 5, 6, 7]);
    expect(later.length).toBeLessThan(6);
  });

  it('takePending ends a linger at once and takes its events', async () => {
    const log = fakeLog();
    const s = stream(log);
    s.emit('a', {});
    await s.flush();
    s.emit('b', {}); // busy: this write lingers
    const taken = await s.takePending();
    expect(taken.map((e) => e.seq)).toEqual([2]);
    expect(log.batches).toEqual([[1]]);
  });

  it('hands pending events to the caller and holds later ones back until they are written', async () => {
    const log = fakeLog();
    const s = stream(log);
    s.emit('a', {});
    s.emit('b', {});
    const taken = await s.takePending();
    expect(taken.map((e) => e.seq)).toEqual([1, 2]);
    const closing = s.number('turn.finished', {});
    s.emit('late', {}); // must not reach the log before 1–3 do
    await new Promise((r) => setTimeout(r, 10));
    expect(log.batches).toEqual([]);
    s.written();
    await s.flush();
    expect(closing.seq).toBe(3);
    expect(log.batches).toEqual([[4]]);
  });

  it('writes given-back events first when the caller could not', async () => {
    const log = fakeLog();
    const s = stream(log);
    s.emit('a', {});
    const taken = await s.takePending();
    s.emit('b', {});
    s.restore(taken);
    await s.flush();
    expect(log.batches).toEqual([[1, 2]]);
  });
});
