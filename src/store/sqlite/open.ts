import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { MIGRATION_TABLE, migrateToLatest, pendingMigrations } from '../migrations/index.js';
import type { Database as Schema } from '../schema.js';
import type { Store } from '../types.js';
import { SqliteAccounts } from './accounts.js';
import { SqliteCatalog } from './catalog.js';
import { SqliteEventLog } from './events.js';
import { SqliteRunner } from './runner.js';
import { SqliteRetention } from './retention.js';
import { SqliteTurnQueue } from './turn-queue.js';
import { SqliteTranscriptStore } from './transcripts.js';
import { SqliteUsageLedger } from './usage.js';
import { createModelCallLedger } from '../model-calls.js';
import { createOpenAiIndex, type QueryExec } from '../openai-index.js';

export interface SqliteStoreOptions {
  /** Database file path, or ':memory:' for a private throwaway database. */
  path: string;
}

/**
 * Opens a better-sqlite3 handle configured for a server: WAL so readers never block the writer,
 * NORMAL sync (durable across process crashes; a power cut may lose the last commits, which WAL
 * keeps consistent), a busy timeout for the rare second process, and enforced foreign keys so
 * deleting a session cascades to its turns. Creates the parent directory.
 */
export function openSqliteDatabase(path: string): Database.Database {
  const inMemory = path === ':memory:';
  if (!inMemory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * Opens (creating if needed) a SQLite-backed `Store` and migrates it to the latest schema.
 * Safe to call on a file another process has open; migrations already applied are skipped.
 */
export async function openSqliteStore(opts: SqliteStoreOptions): Promise<Store> {
  const raw = openSqliteDatabase(opts.path);
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: raw }) });
  let migrated: string[];
  try {
    migrated = await migrateToLatest(db, 'sqlite');
  } catch (err) {
    await db.destroy();
    throw err;
  }
  const runner = new SqliteRunner(raw);
  let closed: Promise<void> | undefined;
  const exec: QueryExec = { all: async (q) => runner.all(q), run: async (q) => void runner.run(q) };
  return {
    backend: 'sqlite',
    migrated,
    stats: runner.stats,
    catalog: new SqliteCatalog(db, runner),
    transcripts: new SqliteTranscriptStore(db, runner),
    events: new SqliteEventLog(db, runner),
    queue: new SqliteTurnQueue(db, runner),
    accounts: new SqliteAccounts(db, runner),
    usage: new SqliteUsageLedger(db, runner),
    retention: new SqliteRetention(db, runner),
    openai: createOpenAiIndex(db, exec),
    modelCalls: createModelCallLedger(db, exec),
    bus: null,
    async ping() {
      runner.first(sql<{ ok: number }>`select 1 as ok`.compile(db));
    },
    async pendingMigrations() {
      const rows = runner.all(sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.compile(db));
      return pendingMigrations('sqlite', rows.map((r) => r.name));
    },
    close() {
      // destroy() closes the handle; a second close must not throw on a closed database.
      closed ??= db.destroy();
      return closed;
    },
  };
}
