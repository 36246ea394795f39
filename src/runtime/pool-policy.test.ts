import { describe, expect, it } from 'vitest';
import { expectedRss, fairShare, idleExpired, overBudget, planRoomFor, type PoolMember } from './pool-policy.js';

const MB = 1024 * 1024;
const m = (id: string, lastUsedAt: number, over: Partial<PoolMember> = {}): PoolMember => ({
  id,
  inUse: false,
  lastUsedAt,
  rssBytes: 200 * MB,
  ...over,
});
const limits = { maxWarm: 3, accountMaxWarm: 3, memoryBudgetBytes: 10_000 * MB, idleTimeoutMs: 1000 };

describe('planRoomFor', () => {
  it('admits without evicting while under both limits', () => {
    expect(planRoomFor([m('a', 1), m('b', 2)], limits)).toEqual({ evict: [], fits: true });
  });

  it('evicts the least recently used idle member when the count is full', () => {
    expect(planRoomFor([m('a', 5), m('b', 1), m('c', 3)], limits)).toEqual({
      evict: [{ id: 'b', reason: 'capacity' }],
      fits: true,
    });
  });

  it('never evicts a member in use, even the oldest', () => {
    const plan = planRoomFor([m('a', 1, { inUse: true }), m('b', 2), m('c', 3)], limits);
    expect(plan.evict.map((e) => e.id)).toEqual(['b']);
  });

  it('cannot make room when every member is in use', () => {
    const busy = [m('a', 1, { inUse: true }), m('b', 2, { inUse: true }), m('c', 3, { inUse: true })];
    expect(planRoomFor(busy, limits)).toEqual({ evict: [], fits: false });
  });

  it('evicts for memory until the newcomer fits the budget', () => {
    const tight = { ...limits, maxWarm: 10, memoryBudgetBytes: 700 * MB };
    const plan = planRoomFor([m('a', 3), m('b', 1), m('c', 2)], tight);
    // 600 MB used + 200 MB expected > 700 MB: one eviction (the LRU) brings it to 600 MB.
    expect(plan).toEqual({ evict: [{ id: 'b', reason: 'memory' }], fits: true });
  });

  it('always admits into an empty pool', () => {
    expect(planRoomFor([], { ...limits, memoryBudgetBytes: 1 })).toEqual({ evict: [], fits: true });
  });
});

describe('expectedRss', () => {
  it('is the mean of measured members, or a default', () => {
    expect(expectedRss([])).toBe(250 * MB);
    expect(expectedRss([m('a', 1, { rssBytes: 100 }), m('b', 1, { rssBytes: 300 }), m('c', 1, { rssBytes: 0 })])).toBe(200);
  });
});

describe('idleExpired and overBudget', () => {
  it('finds idle members past the timeout, never ones in use', () => {
    expect(idleExpired([m('a', 0), m('b', 900), m('c', 0, { inUse: true })], 1000, 1000)).toEqual(['a']);
  });

  it('sheds idle LRU members until under the memory budget', () => {
    expect(overBudget([m('a', 3), m('b', 1), m('c', 2, { inUse: true })], 350 * MB)).toEqual(['b', 'a']);
    expect(overBudget([m('a', 1)], 1000 * MB)).toEqual([]);
  });
});

describe('fairShare', () => {
  const l = { maxWarm: 8, accountMaxWarm: 4 };
  it('alone, an account may hold up to its cap', () => {
    expect(fairShare('a', new Map([['a', 3]]), new Set(), l)).toBe(4);
    expect(fairShare('a', new Map([['a', 3]]), new Set(['a']), l)).toBe(4);
  });
  it('while another account waits, an equal split of the pool (at least one, at most the cap)', () => {
    expect(fairShare('a', new Map([['a', 4]]), new Set(['b']), l)).toBe(4);
    expect(fairShare('a', new Map([['a', 3], ['c', 2]]), new Set(['b']), l)).toBe(2);
    expect(fairShare('a', new Map(Array.from({ length: 20 }, (_, i) => [`x${i}`, 1])), new Set(['b']), l)).toBe(1);
  });
});
