import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { foldSessionSummary } from '@anthropic-ai/claude-agent-sdk';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteDatabase, openSqliteStore } from '../../src/store/sqlite/open.js';
import type { Store, TranscriptStore } from '../../src/store/types.js';
import { accountsContract } from './accounts.contract.js';
import { catalogContract } from './catalog.contract.js';
import { turnQueueContract } from './queue.contract.js';
import { APPEND_WORKER, startReady, succeeded } from './fixtures/children.js';
import { eventLogContract } from './events.contract.js';
import { transcriptStoreContract } from './transcripts.contract.js';
import { retentionContract } from './retention.contract.js';

/** A temp directory plus every store opened in it, closed and removed together. */
async function tempDb() {
  const dir = await mkdtemp(join(tmpdir(), 'cagent-store-'));
  const path = join(dir, 'store.db');
  const opened: Store[] = [];
  return {
    dir,
    path,
    async open(p = path): Promise<Store> {
      const store = await openSqliteStore({ path: p });
      opened.push(store);
      return store;
    },
    async cleanup() {
      await Promise.all(opened.map((s) => s.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

transcriptStoreContract('sqlite file', async () => {
  const t = await tempDb();
  const store = await t.open();
  return {
    store: store.transcripts,
    cleanup: t.cleanup,
    openPeer: async (): Promise<TranscriptStore> => (await t.open()).transcripts,
  };
});

eventLogContract('sqlite file', async () => {
  const t = await tempDb();
  return { store: await t.open(), cleanup: t.cleanup };
});

catalogContract('sqlite file', async () => {
  const t = await tempDb();
  const store = await t.open();
  return { catalog: store.catalog, cleanup: t.cleanup };
});

accountsContract('sqlite file', async () => {
  const t = await tempDb();
  return { store: await t.open(), cleanup: t.cleanup };
});

turnQueueContract('sqlite file', async () => {
  const t = await tempDb();
  return { store: await t.open(), openPeer: () => t.open(), cleanup: t.cleanup };
});

retentionContract('sqlite file', async () => {
  const t = await tempDb();
  return { store: await t.open(), cleanup: t.cleanup };
});

describe('sqlite specifics', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  async function temp() {
    const t = await tempDb();
    cleanups.push(t.cleanup);
    return t;
  }

  it('configures every connection for a server', async () => {
    const t = await temp();
    const db = openSqliteDatabase(t.path);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      db.close();
    }
  });

  it('leaves the file in WAL mode and creates missing parent directories', async () => {
    const t = await temp();
    const nested = join(t.dir, 'a', 'b', 'c', 'store.db');
    await t.open(nested);
    expect(existsSync(nested)).toBe(true);
    const raw = new Database(nested, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = raw.prepare(`select name from sqlite_master where type = 'table' order by name`).pluck().all();
      expect(tables).toEqual(expect.arrayContaining(['sessions', 'turns', 'transcript_entries', 'session_summaries']));
    } finally {
      raw.close();
    }
  });

  it('runs migrations once however often the file is opened', async () => {
    const t = await temp();
    const first = await t.open();
    await first.close();
    await Promise.all([t.open(), t.open()]);
    const raw = new Database(t.path, { readonly: true });
    try {
      expect(raw.prepare('select name from kysely_migration').pluck().all()).toEqual(['0001_initial', '0002_session_system_prompt', '0003_turn_events', '0004_turn_queue', '0005_accounts', '0006_sandbox_policy', '0007_openai_conversations', '0010_model_calls']);
    } finally {
      raw.close();
    }
  });

  it('a reopened store sees the data', async () => {
    const t = await temp();
    const a = await t.open();
    await a.catalog.createSession({ id: 's1', accountId: 'acc', title: 'kept' }, 1_750_000_000_000);
    await a.catalog.startTurn({ id: 't1', sessionId: 's1', prompt: 'p', status: 'running' }, 1_750_000_000_001);
    await a.transcripts.append({ projectKey: 'p', sessionId: 's1' }, [{ type: 'user', uuid: 'u1', customTitle: 'T' }]);
    await a.transcripts.append({ projectKey: 'p', sessionId: 's1', subpath: 'subagents/x' }, [{ type: 'user' }]);
    const summaries = await a.transcripts.listSessionSummaries('p');
    await a.close();

    const b = await t.open();
    expect(await b.catalog.getSession('acc', 's1')).toMatchObject({ title: 'kept', status: 'running' });
    expect(await b.catalog.listTurns('acc', 's1')).toHaveLength(1);
    expect(await b.transcripts.load({ projectKey: 'p', sessionId: 's1' })).toEqual([{ type: 'user', uuid: 'u1', customTitle: 'T' }]);
    expect(await b.transcripts.listSubkeys({ projectKey: 'p', sessionId: 's1' })).toEqual(['subagents/x']);
    expect(await b.transcripts.listSessionSummaries('p')).toEqual(summaries);
    // Dedup state is durable too: a replay after restart is still a no-op.
    await b.transcripts.append({ projectKey: 'p', sessionId: 's1' }, [{ type: 'user', uuid: 'u1', customTitle: 'T' }]);
    expect(await b.transcripts.load({ projectKey: 'p', sessionId: 's1' })).toHaveLength(1);
  });

  it('ping answers while open; close is idempotent and ping then fails', async () => {
    const t = await temp();
    const store = await t.open();
    expect(store.backend).toBe('sqlite');
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
    await store.close();
    await expect(store.ping()).rejects.toThrow();
  });

  it('pendingMigrations is empty once open, and names a migration whose record is missing', async () => {
    const t = await temp();
    const store = await t.open();
    await expect(store.pendingMigrations()).resolves.toEqual([]);
    // As if this code shipped a migration the database has not run: forget the latest one's record.
    const db = new Database(t.path);
    const { name } = db.prepare('select max(name) as name from kysely_migration').get() as { name: string };
    db.prepare('delete from kysely_migration where name = ?').run(name);
    db.close();
    await expect(store.pendingMigrations()).resolves.toEqual([name]);
    await store.close();
    await expect(store.pendingMigrations()).rejects.toThrow();
  });

  it('two processes appending to one session lose nothing and keep per-writer order', async () => {
    const t = await temp();
    await (await t.open()).close(); // migrate first so the children race only on appends
    const count = 200;
    const children = await Promise.all(['P', 'Q'].map((tag) => startReady(APPEND_WORKER, [t.path, tag, String(count)])));
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
