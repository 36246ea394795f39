import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';

/**
 * What a trivial warm turn costs the store, counted by the backend's driver (StoreStats, the
 * numbers behind caa_store_*_total): the figures bench/turn-latency prints, held here so a change
 * that adds statements to the hot path is noticed (before this test existed a warm turn cost 27
 * statements in 11 transactions). Counts, not timings; the bounds leave room for the event log's
 * batches, whose number follows how the CLI's output happens to be chunked on a loaded machine.
 */
describe('store cost of a warm turn', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  }, 120_000);
  afterAll(() => t?.close());

  it('a warm turn runs at most 16 statements in at most 8 write transactions, and its stream stays whole', async () => {
    const created = await t.json('POST', '/v1/sessions', { title: 'cost' });
    const id = created.body.id as string;
    expect((await t.json('POST', `/v1/sessions/${id}/messages`, { message: 'warm-up' })).status).toBe(200);
    const stats = t.server.store.stats;
    for (let i = 0; i < 3; i++) {
      const before = { ...stats };
      const turn = await t.json('POST', `/v1/sessions/${id}/messages`, { message: `hello ${i}` });
      expect(turn.status).toBe(200);
      // The SDK mirrors the transcript just after the answer; let it land before counting.
      await new Promise((r) => setTimeout(r, 500));
      const statements = stats.statements - before.statements;
      const transactions = stats.writeTransactions - before.writeTransactions;
      expect(statements, 'statements').toBeLessThanOrEqual(16);
      expect(transactions, 'write transactions').toBeLessThanOrEqual(8);
      // Fewer writes, nothing lost: the log holds turn.started … turn.finished, numbered 1, 2, …
      const events = await t.server.store.events.read(turn.body.id, 0, 1000);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, k) => k + 1));
      expect(events[0]!.type).toBe('turn.started');
      expect(events.at(-1)!.type).toBe('turn.finished');
      expect(events.filter((e) => e.type === 'text.delta').map((e) => e.data.text).join('')).toBe(turn.body.response_text);
    }
  }, 120_000);
});
