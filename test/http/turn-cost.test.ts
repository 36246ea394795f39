import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { promSum } from '../helpers/prom-text.js';

/**
 * What a trivial warm turn costs the store, counted by the backend's driver (caa_store_*_total,
 * read over /metrics): the figures bench/turn-latency prints, held here so a change that adds
 * statements to the hot path is noticed (before this test existed a warm turn cost 27 statements
 * in 11 write transactions). Counts, not timings. The event log's own batches are counted apart:
 * how many there are follows how the CLI's output happens to be chunked on a loaded machine.
 */
describe('store cost of a warm turn', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  }, 120_000);
  afterAll(() => t?.close());

  const counters = async () => {
    const text = await (await t.request('GET', '/metrics')).text();
    return {
      statements: promSum(text, 'caa_store_statements_total'),
      transactions: promSum(text, 'caa_store_write_transactions_total'),
      eventBatches: promSum(text, 'caa_store_operation_duration_seconds_count', { operation: 'events.append' }),
    };
  };

  it('a warm turn runs ≤ 10 statements (PostgreSQL: ≤ 22) in ≤ 3 write transactions (PostgreSQL: ≤ 5) besides its event batches, and its stream stays whole', async () => {
    // PostgreSQL's count also holds its locks (advisory, FOR UPDATE), a NOTIFY per event batch
    // and whatever the instance's heartbeat, lost-turn sweep or a new pooled connection ran
    // meanwhile: a looser bound, there as a guard against the old ~28 plus batches.
    // Measured with the event log's linger: SQLite 10 statements in 3 transactions every time,
    // PostgreSQL 18–20 in 3–5.
    const pg = t.server.store.backend === 'postgres';
    const maxStatements = pg ? 22 : 10;
    const created = await t.json('POST', '/v1/sessions', { title: 'cost' });
    const id = created.body.id as string;
    expect((await t.json('POST', `/v1/sessions/${id}/messages`, { message: 'warm-up' })).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      // The SDK mirrors the transcript just after the answer: let the last turn's writes land.
      await new Promise((r) => setTimeout(r, 500));
      const before = await counters();
      const turn = await t.json('POST', `/v1/sessions/${id}/messages`, { message: `hello ${i}` });
      expect(turn.status).toBe(200);
      await new Promise((r) => setTimeout(r, 500));
      const after = await counters();
      const batches = after.eventBatches - before.eventBatches;
      // Each scrape is a request too: nothing of it touches the store.
      expect(after.statements - before.statements - batches, 'statements').toBeLessThanOrEqual(maxStatements);
      expect(after.transactions - before.transactions - batches, 'write transactions').toBeLessThanOrEqual(pg ? 5 : 3);
      // Fewer writes, nothing lost: the log holds turn.started … turn.finished, numbered 1, 2, …
      const events = await t.server.store.events.read(turn.body.id, 0, 1000);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, k) => k + 1));
      expect(events[0]!.type).toBe('turn.started');
      expect(events.at(-1)!.type).toBe('turn.finished');
      expect(events.filter((e) => e.type === 'text.delta').map((e) => e.data.text).join('')).toBe(turn.body.response_text);
    }
  }, 120_000);
});
