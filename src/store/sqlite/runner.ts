import type BetterSqlite3 from 'better-sqlite3';
import type { CompiledQuery } from 'kysely';
import type { Statement } from '../hot-sql.js';
import { StoreStats } from '../stats.js';

const STATEMENT_CACHE_LIMIT = 256;

/**
 * Runs Kysely-compiled queries synchronously on the better-sqlite3 handle.
 *
 * Why not Kysely's own async execution: its transactions span `await`s, and better-sqlite3 waits
 * for a lock by blocking the thread. Two connections to one file in one process (two stores, or
 * an admin command beside the server) then fail with SQLITE_BUSY, because the transaction holding
 * the lock can never resume while the other blocks. A synchronous transaction holds the write lock
 * for microseconds and never across an `await`, so `busy_timeout` only ever waits on other
 * processes. Kysely still builds every statement, so the SQL stays dialect-neutral.
 */
export class SqliteRunner {
  readonly #db: BetterSqlite3.Database;
  readonly #statements = new Map<string, BetterSqlite3.Statement>();
  readonly stats = new StoreStats();
  #inWrite = false;

  constructor(db: BetterSqlite3.Database) {
    this.#db = db;
  }

  /** All rows of a reading query. */
  all<R>(query: CompiledQuery<R>): R[] {
    return this.#prepare(query.sql).all(...query.parameters) as R[];
  }

  /** The first row of a reading query, or undefined. */
  first<R>(query: CompiledQuery<R>): R | undefined {
    return this.#prepare(query.sql).get(...query.parameters) as R | undefined;
  }

  /** Executes a writing query (without RETURNING) and returns how many rows it changed. */
  run(query: CompiledQuery<unknown>): number {
    if (!this.#inWrite) this.stats.writeTransactions++;
    return this.#prepare(query.sql).run(...query.parameters).changes;
  }

  /** `all` of a statement written as SQL text (hot-sql.ts), prepared once. */
  allOf<R>(s: Statement, params: unknown[]): R[] {
    return this.#prepare(s.sqlite).all(...params) as R[];
  }

  firstOf<R>(s: Statement, params: unknown[]): R | undefined {
    return this.#prepare(s.sqlite).get(...params) as R | undefined;
  }

  runOf(s: Statement, params: unknown[]): number {
    if (!this.#inWrite) this.stats.writeTransactions++;
    return this.#prepare(s.sqlite).run(...params).changes;
  }

  /**
   * Runs `fn` inside BEGIN IMMEDIATE … COMMIT. Taking the write lock up front means a
   * read-then-write transaction never has to upgrade a read snapshot, which SQLite refuses
   * (SQLITE_BUSY without waiting) when another connection committed in between.
   */
  write<T>(fn: () => T): T {
    // Nested calls join the outer transaction (better-sqlite3 makes them savepoints).
    if (this.#inWrite) return this.#db.transaction(fn).immediate();
    this.stats.writeTransactions++;
    this.#inWrite = true;
    try {
      return this.#db.transaction(fn).immediate();
    } finally {
      this.#inWrite = false;
    }
  }

  #prepare(sqlText: string): BetterSqlite3.Statement {
    this.stats.statements++;
    let stmt = this.#statements.get(sqlText);
    if (stmt === undefined) {
      // Multi-row inserts produce one SQL text per row count; a bound keeps that from growing.
      if (this.#statements.size >= STATEMENT_CACHE_LIMIT) this.#statements.clear();
      stmt = this.#db.prepare(sqlText);
      this.#statements.set(sqlText, stmt);
    }
    return stmt;
  }
}
