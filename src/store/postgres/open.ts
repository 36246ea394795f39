import { Kysely, PostgresDialect, sql, CompiledQuery } from 'kysely';
import pg from 'pg';
import { MIGRATION_TABLE, migrateToLatest, pendingMigrations } from '../migrations/index.js';
import type { Database as Schema } from '../schema.js';
import { isWriteStatement, StoreStats } from '../stats.js';
import type { Store } from '../types.js';
import { PostgresAccounts } from './accounts.js';
import { PostgresBus } from './bus.js';
import { PostgresCatalog } from './catalog.js';
import { PostgresEventLog } from './events.js';
import { PostgresRetention } from './retention.js';
import { PostgresTranscriptStore } from './transcripts.js';
import { PostgresTurnQueue } from './turn-queue.js';
import { PostgresUsageLedger } from './usage.js';
import { createModelCallLedger } from '../model-calls.js';
import { createOpenAiIndex, type QueryExec } from '../openai-index.js';

export interface PostgresStoreOptions {
  /** A libpq-style connection URL, e.g. postgres://user@host:5432/db. */
  url: string;
  /** Schema to work in (set as the search_path of every pooled connection); created if missing. */
  schema?: string;
  /** Maximum pooled connections; default 10. */
  poolSize?: number;
}

/**
 * Opens a PostgreSQL-backed `Store` and migrates its schema to the latest version.
 *
 * Unlike SQLite there is no reason to run statements synchronously: the server does the locking,
 * so a transaction may span `await`s without blocking other connections of this process. Every
 * statement goes through Kysely's own async execution and `db.transaction()`.
 *
 * Several processes may open the same database at once: the bookkeeping tables are created with
 * IF NOT EXISTS (Kysely re-checks after a lost race) and the migrations themselves run inside
 * Kysely's migration transaction under a `pg_advisory_lock`, re-reading which have run once it
 * holds the lock. test/store/postgres.test.ts opens one fresh schema from several stores at once.
 */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<Store> {
  const stats = new StoreStats();
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 10, Client: countingClient(stats) });
  // An idle pooled client whose connection drops emits 'error' on the pool; unhandled, that
  // would crash the process. The pool discards the client and the next query reconnects (or
  // fails, which ping() reports), so there is nothing more to do here.
  pool.on('error', () => {});
  const schema = opts.schema;
  const db = new Kysely<Schema>({
    dialect: new PostgresDialect({
      pool,
      // Awaited before the connection serves its first query, unlike pool.on('connect').
      onCreateConnection:
        schema === undefined
          ? undefined
          : async (conn) => {
              await conn.executeQuery(CompiledQuery.raw(`set search_path to ${pg.escapeIdentifier(schema)}`));
            },
    }),
  });
  let current: string;
  let migrated: string[];
  try {
    if (schema !== undefined) await createSchema(db, schema);
    const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
    // search_path silently skips schemas that do not exist; fail here rather than at CREATE TABLE.
    if (!rows[0]?.schema) throw new Error(`PostgreSQL schema "${schema ?? ''}" does not exist`);
    current = rows[0].schema;
    migrated = await migrateWithRetry(db, current);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  let closed: Promise<void> | undefined;
  const exec: QueryExec = { all: async (q) => (await db.executeQuery(q)).rows, run: async (q) => void (await db.executeQuery(q)) };
  const bus = new PostgresBus(db, opts.url, current);
  return {
    backend: 'postgres',
    migrated,
    stats,
    catalog: new PostgresCatalog(db),
    transcripts: new PostgresTranscriptStore(db),
    events: new PostgresEventLog(db),
    queue: new PostgresTurnQueue(db),
    accounts: new PostgresAccounts(db),
    usage: new PostgresUsageLedger(db),
    retention: new PostgresRetention(db),
    openai: createOpenAiIndex(db, exec),
    modelCalls: createModelCallLedger(db, exec),
    bus,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async pendingMigrations() {
      const { rows } = await sql<{ name: string }>`select name from ${sql.table(`${current}.${MIGRATION_TABLE}`)}`.execute(db);
      return pendingMigrations('postgres', rows.map((r) => r.name));
    },
    close() {
      // destroy() ends the pool; a second close must not call pool.end() twice (it throws).
      closed ??= bus.close().then(() => db.destroy());
      return closed;
    },
  };
}

/** How long opening one connection may take before it fails (e.g. a database host that drops packets). */
export const CONNECT_TIMEOUT_MS = 5_000;

/**
 * A pooled connection whose connect attempt gives up after CONNECT_TIMEOUT_MS, so /ready reports an
 * unreachable database promptly and attempts do not pile up. Set on the client, not as the pool's
 * `connectionTimeoutMillis`: there that limit also fails queries that merely wait for a free
 * connection under load.
 */
class TimedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    const base = typeof config === 'string' ? { connectionString: config } : config;
    super({ ...base, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  }
}

/**
 * TimedClient counting into `stats` what it sends (StoreStats): each statement but BEGIN/COMMIT/
 * ROLLBACK, and each write transaction — a BEGIN, or a writing statement outside one.
 */
function countingClient(stats: StoreStats): typeof pg.Client {
  return class CountingClient extends TimedClient {
    #inTransaction = false;

    // pg's query() has many overloads; every one takes the statement (text or config) first.
    override query(...args: unknown[]): never {
      const first = args[0];
      const text = typeof first === 'string' ? first : (first as { text?: unknown } | null)?.text;
      if (typeof text === 'string') this.#count(text);
      return (super.query as (...a: unknown[]) => never)(...args);
    }

    #count(text: string): void {
      const verb = /^\s*(\w+)/.exec(text)?.[1]?.toLowerCase();
      if (verb === 'begin' || verb === 'start') {
        this.#inTransaction = true;
        stats.writeTransactions++;
      } else if (verb === 'commit' || verb === 'rollback') {
        this.#inTransaction = false;
      } else {
        stats.statements++;
        if (!this.#inTransaction && isWriteStatement(text)) stats.writeTransactions++;
      }
    }
  } as typeof pg.Client;
}

/** Creates the schema if missing; two instances starting at once may both try (one loses, fine). */
async function createSchema(db: Kysely<Schema>, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (err) {
    // IF NOT EXISTS is not race-free: the loser of a concurrent create gets a unique violation.
    if ((err as { code?: string }).code !== '23505') throw err;
  }
}

/**
 * Kysely's Migrator looks for its table by listing the tables of every schema; a schema another
 * client drops at that moment fails the listing with invalid_schema_name (3F000). Ours exists, so
 * that error is about someone else's: look again.
 */
async function migrateWithRetry(db: Kysely<Schema>, schema: string): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateToLatest(db, 'postgres', schema);
    } catch (err) {
      const code = ((err as Error).cause as { code?: string } | undefined)?.code;
      if (code !== '3F000' || attempt >= 5) throw err;
    }
  }
}
