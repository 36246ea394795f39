/**
 * Throwaway SQLite and PostgreSQL stores for bench/store, plus bulk seeding of the `sessions` table
 * that bypasses the store (creating 100k sessions one `createSession` at a time would take minutes
 * and measure nothing we report).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SessionStoreEntry } from '@anthropic-ai/claude-agent-sdk';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openPostgresStore } from '../../src/store/postgres/open.js';
import { openSqliteStore } from '../../src/store/sqlite/open.js';
import type { Store } from '../../src/store/types.js';

export interface BenchBackend {
  label: 'SQLite' | 'PostgreSQL';
  store: Store;
  /**
   * Puts `n` sessions in `accountId` and `others` in three other accounts. Both backends get the
   * same `last_active_at` layout (see `SEED`), so their list queries walk equally shaped data.
   */
  seedSessions(accountId: string, n: number, others: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The shared layout: session g (1..n) was active `floor(g/2)` minutes before BASE, so pairs share
 * a timestamp and the cursor's id tie-break is exercised; other accounts' sessions are spread over
 * the same range and include the very newest rows, so a query that ignored the account filter
 * (or the index's account prefix) would visibly return or scan them.
 */
const SEED = { base: 1_750_000_000_000, stepMs: 60_000 };
const otherAccount = (k: number) => `bench-other-${k % 3}`;
const otherActiveAt = (k: number, n: number, others: number) =>
  SEED.base + SEED.stepMs - Math.floor((k * n) / others) * (SEED.stepMs / 2);

export async function openSqliteBackend(): Promise<BenchBackend> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'caa-bench-store-'));
  const file = path.join(dir, 'store.db');
  const store = await openSqliteStore({ path: file });
  return {
    label: 'SQLite',
    store,
    async seedSessions(accountId, n, others) {
      // A second handle on the same WAL file; one transaction makes 100k inserts take well under a second.
      const db = new Database(file);
      const insert = db.prepare(
        `insert into sessions (id, account_id, title, tags, status, created_at, last_active_at,
           turn_count, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd)
         values (?, ?, ?, '[]', 'idle', ?, ?, 3, 1200, 800, 0, 0, 0.01)`,
      );
      db.transaction(() => {
        for (let g = 1; g <= n; g++) {
          const at = SEED.base - Math.floor(g / 2) * SEED.stepMs;
          insert.run(randomUUID(), accountId, `bench session ${g}`, at, at);
        }
        for (let k = 0; k < others; k++) {
          const at = otherActiveAt(k, n, others);
          insert.run(randomUUID(), otherAccount(k), `other session ${k}`, at, at);
        }
      })();
      db.close();
    },
    async close() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function openPostgresBackend(url: string): Promise<BenchBackend> {
  // A fresh schema per run keeps the bench off any real data and makes clean-up one DROP.
  const schema = `bench_store_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  let store: Store;
  try {
    store = await openPostgresStore({ url, schema, poolSize: 10 });
  } catch (err) {
    await admin.query(`drop schema ${schema} cascade`).catch(() => undefined);
    await admin.end();
    throw err;
  }
  return {
    label: 'PostgreSQL',
    store,
    async seedSessions(accountId, n, others) {
      // One set-based statement per account group: the server generates the rows, no round trips.
      const cols = `id, account_id, title, tags, status, created_at, last_active_at,
        turn_count, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd`;
      await admin.query(
        `insert into ${schema}.sessions (${cols})
         select gen_random_uuid()::text, $1, 'bench session ' || g, '[]', 'idle', t.at, t.at, 3, 1200, 800, 0, 0, 0.01
         from generate_series(1, $2::int) g, lateral (select $3::bigint - (g / 2) * $4::bigint as at) t`,
        [accountId, n, SEED.base, SEED.stepMs],
      );
      await admin.query(
        `insert into ${schema}.sessions (${cols})
         select gen_random_uuid()::text, 'bench-other-' || (k % 3), 'other session ' || k, '[]', 'idle', t.at, t.at,
                3, 1200, 800, 0, 0, 0.01
         from generate_series(0, $1::int - 1) k,
              lateral (select $2::bigint + $3::bigint - ((k::bigint * $4::bigint) / $1::bigint) * ($3::bigint / 2) as at) t`,
        [others, SEED.base, SEED.stepMs, n],
      );
      // Fresh statistics, as autovacuum would have by the time a real account reached this size.
      await admin.query(`analyze ${schema}.sessions`);
    },
    async close() {
      try {
        await store.close();
      } finally {
        await admin.query(`drop schema ${schema} cascade`);
        await admin.end();
      }
    },
  };
}

/** Filler that makes each entry's `message` about 300 bytes of JSON, like a short SDK turn line. */
const FILLER = 'The quick brown fox jumps over the lazy dog. '.repeat(6).slice(0, 230);

/** One entry shaped like a line of an SDK transcript, alternating user and assistant. */
export function transcriptEntry(i: number): SessionStoreEntry {
  const user = i % 2 === 0;
  return {
    type: user ? 'user' : 'assistant',
    uuid: randomUUID(),
    timestamp: new Date().toISOString(),
    message: user
      ? { role: 'user', content: [{ type: 'text', text: FILLER }] }
      : { role: 'assistant', model: 'claude-bench', content: [{ type: 'text', text: FILLER }] },
  };
}
