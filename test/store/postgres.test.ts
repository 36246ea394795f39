import { randomBytes } from 'node:crypto';
import { foldSessionSummary } from '@anthropic-ai/claude-agent-sdk';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/open.js';
import type { Store, TranscriptStore, TurnOutcome } from '../../src/store/types.js';
import { accountsContract } from './accounts.contract.js';
import { catalogContract } from './catalog.contract.js';
import { turnQueueContract } from './queue.contract.js';
import { eventLogContract } from './events.contract.js';
import { APPEND_WORKER, startReady, succeeded } from './fixtures/children.js';
import { transcriptStoreContract } from './transcripts.contract.js';
import { retentionContract } from './retention.contract.js';

const DB_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Creates and drops the per-test schemas; the stores under test have their own pools. */
const admin = new pg.Pool({ connectionString: DB_URL, max: 2 });
admin.on('error', () => {});
afterAll(() => admin.end());

// PostgreSQL is a requirement of this suite, not an optional extra: an unreachable server must
// fail the run loudly, never turn every test into a skip that reads as green.
try {
  await admin.query('select 1');
} catch (err) {
  await admin.end();
  throw new Error(
    `PostgreSQL is not reachable at ${DB_URL} (set TEST_DATABASE_URL): ${err instanceof Error ? err.message : String(err)}`,
  );
}

/** A fresh schema plus every store opened on it, closed and dropped together. */
async function freshSchema() {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  await admin.query(`create schema ${schema}`);
  const opened: Store[] = [];
  return {
    schema,
    async open(): Promise<Store> {
      const store = await openPostgresStore({ url: DB_URL, schema, poolSize: 4 });
      opened.push(store);
      return store;
    },
    async cleanup() {
      await Promise.all(opened.map((s) => s.close()));
      await admin.query(`drop schema ${schema} cascade`);
    },
  };
}

transcriptStoreContract('postgres', async () => {
  const t = await freshSchema();
  const store = await t.open();
  return {
    store: store.transcripts,
    cleanup: t.cleanup,
    openPeer: async (): Promise<TranscriptStore> => (await t.open()).transcripts,
  };
});

eventLogContract('postgres', async () => {
  const t = await freshSchema();
  return { store: await t.open(), cleanup: t.cleanup };
});

catalogContract('postgres', async () => {
  const t = await freshSchema();
  const store = await t.open();
  return { catalog: store.catalog, cleanup: t.cleanup };
});

accountsContract('postgres', async () => {
  const t = await freshSchema();
  return { store: await t.open(), cleanup: t.cleanup };
});

turnQueueContract('postgres', async () => {
  const t = await freshSchema();
  return { store: await t.open(), openPeer: () => t.open(), cleanup: t.cleanup };
});

retentionContract('postgres', async () => {
  const t = await freshSchema();
  return { store: await t.open(), cleanup: t.cleanup };
});

describe('postgres specifics', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  async function temp() {
    const t = await freshSchema();
    cleanups.push(t.cleanup);
    return t;
  }
  const MIGRATIONS = ['0001_initial', '0002_session_system_prompt', '0003_turn_events', '0004_turn_queue', '0005_accounts', '0006_sandbox_policy', '0007_openai_conversations', '0010_model_calls'];
  async function migrationsIn(schema: string): Promise<string[]> {
    const { rows } = await admin.query<{ name: string }>(`select name from ${schema}.kysely_migration order by name`);
    return rows.map((r) => r.name);
  }

  it('applies every migration into its own schema, once however often it is opened', async () => {
    const t = await temp();
    await (await t.open()).close();
    await t.open();
    await t.open();
    expect(await migrationsIn(t.schema)).toEqual(MIGRATIONS);
    const { rows } = await admin.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = $1 order by table_name`,
      [t.schema],
    );
    expect(rows.map((r) => r.table_name)).toEqual([
      'accounts',
      'api_keys',
      'instances',
      'kysely_migration',
      'kysely_migration_lock',
      'model_calls',
      'openai_conversations',
      'openai_responses',
      'session_summaries',
      'sessions',
      'transcript_entries',
      'turn_events',
      'turns',
      'usage_daily',
    ]);
  });

  it('lets several stores open one fresh schema at the same moment', async () => {
    const t = await temp();
    const stores = await Promise.all(Array.from({ length: 6 }, () => t.open()));
    expect(await migrationsIn(t.schema)).toEqual(MIGRATIONS);
    // Every one of them works on the migrated schema.
    await Promise.all(stores.map((s, i) => s.catalog.createSession({ id: `s${i}`, accountId: 'acc' }, 1)));
    expect((await stores[0]!.catalog.listSessions({ accountId: 'acc', limit: 10 })).sessions).toHaveLength(6);
  });

  it('creates a missing schema (also when several stores race for it), and refuses an unreachable server', async () => {
    const schema = `fresh_${process.pid}_${Date.now().toString(36)}`;
    try {
      const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore({ url: DB_URL, schema })));
      expect(await migrationsIn(schema)).toEqual(MIGRATIONS);
      await Promise.all(stores.map((s) => s.close()));
    } finally {
      await admin.query(`drop schema if exists ${schema} cascade`);
    }
    await expect(openPostgresStore({ url: 'postgres://postgres@127.0.0.1:1/test' })).rejects.toThrow();
  });

  it('round-trips int8 epoch ms, large counters and double-precision cost exactly', async () => {
    const t = await temp();
    const store = await t.open();
    const c = store.catalog;
    const far = 4_102_444_800_000; // 2100-01-01: past 2^31 seconds, let alone ms
    await c.createSession({ id: 's', accountId: 'acc' }, far);
    await c.startTurn({ id: 't1', sessionId: 's', prompt: 'p', status: 'running' }, far + 1);
    const usage = {
      input_tokens: 3_000_000_000, // > int4
      output_tokens: 2 ** 40,
      cache_read_input_tokens: 1,
      cache_creation_input_tokens: 0,
    };
    const base = { status: 'succeeded', responseText: '', toolCalls: [], numTurns: 1, errorCode: null, errorMessage: null, model: null } satisfies Partial<TurnOutcome>;
    await c.finishTurn('t1', { ...base, usage, costUsd: 0.1, durationMs: 5_000_000_000 }, far + 2);
    await c.startTurn({ id: 't2', sessionId: 's', prompt: 'q', status: 'running' }, far + 3);
    const t2 = await c.finishTurn('t2', { ...base, usage, costUsd: 0.2, durationMs: 1 }, Number.MAX_SAFE_INTEGER);

    const s = (await c.getSession('acc', 's'))!;
    expect(s.createdAt).toBe(far);
    expect(s.lastActiveAt).toBe(Number.MAX_SAFE_INTEGER);
    expect(s.usage).toEqual({ input_tokens: 6_000_000_000, output_tokens: 2 ** 41, cache_read_input_tokens: 2, cache_creation_input_tokens: 0 });
    expect(s.costUsd).toBe(0.1 + 0.2); // summed in SQL as IEEE doubles, like JS
    expect(t2.finishedAt).toBe(Number.MAX_SAFE_INTEGER);
    expect((await c.getTurn('acc', 's', 't1'))!.durationMs).toBe(5_000_000_000);
    const page = await c.listSessions({ accountId: 'acc', limit: 1 });
    expect(page.sessions[0]!.lastActiveAt).toBe(Number.MAX_SAFE_INTEGER);
    for (const v of [s.createdAt, s.turnCount, s.usage.input_tokens, t2.seq, t2.durationMs]) expect(typeof v).toBe('number');

    await store.transcripts.append({ projectKey: 'p', sessionId: 's' }, [{ type: 'user' }]);
    const [listed] = await store.transcripts.listSessions('p');
    expect(typeof listed!.mtime).toBe('number');
    expect(Number.isSafeInteger(listed!.mtime)).toBe(true);
  });

  it('a reopened store sees the data', async () => {
    const t = await temp();
    const a = await t.open();
    await a.catalog.createSession({ id: 's1', accountId: 'acc', title: 'kept' }, 1_750_000_000_000);
    await a.transcripts.append({ projectKey: 'p', sessionId: 's1' }, [{ type: 'user', uuid: 'u1', customTitle: 'T' }]);
    const summaries = await a.transcripts.listSessionSummaries('p');
    await a.close();
    const b = await t.open();
    expect(await b.catalog.getSession('acc', 's1')).toMatchObject({ title: 'kept' });
    expect(await b.transcripts.listSessionSummaries('p')).toEqual(summaries);
    await b.transcripts.append({ projectKey: 'p', sessionId: 's1' }, [{ type: 'user', uuid: 'u1', customTitle: 'T' }]);
    expect(await b.transcripts.load({ projectKey: 'p', sessionId: 's1' })).toHaveLength(1);
  });

  it('ping answers while open; close is idempotent and ping then fails', async () => {
    const t = await temp();
    const store = await t.open();
    expect(store.backend).toBe('postgres');
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
    await store.close();
    await expect(store.ping()).rejects.toThrow();
  });

  it('two processes appending to one session lose nothing and keep per-writer order', async () => {
    const t = await temp();
    await (await t.open()).close(); // migrate first so the children race only on appends
    const count = 200;
    const children = await Promise.all(
      ['P', 'Q'].map((tag) => startReady(APPEND_WORKER, [DB_URL, tag, String(count), t.schema])),
    );
    for (const child of children) child.stdin!.end('go\n');
    await Promise.all(children.map(succeeded));
    const store = await t.open();
    const key = { projectKey: 'proj', sessionId: 'shared' };
    const loaded = (await store.transcripts.load(key))!;
    expect(loaded).toHaveLength(2 * count * 2);
    for (const tag of ['P', 'Q']) {
      const mine = loaded.filter((e) => e.writer === tag).map((e) => `${e.type}:${String(e.i)}`);
      expect(mine).toEqual(Array.from({ length: count }, (_, i) => [`user:${i}`, `mode:${i}`]).flat());
    }
    // Guards the test itself: the writers really did contend rather than run one after the other.
    const switches = loaded.filter((e, i) => i > 0 && e.writer !== loaded[i - 1]!.writer).length;
    expect(switches).toBeGreaterThan(10);
    const [summary] = await store.transcripts.listSessionSummaries('proj');
    expect(summary).toEqual(foldSessionSummary(undefined, key, loaded, { mtime: summary!.mtime }));
  });
});
