import type { Kysely } from 'kysely';
import { FOUND_KEY_COLUMNS, KEY_COLUMNS, accountFromRow, foundKeyFromRow, keyFromRow } from '../account-rows.js';
import { accountPatchValues } from '../account-sql.js';
import { StoreConflictError, StoreNotFoundError } from '../errors.js';
import type { Database } from '../schema.js';
import type { AccountLimits, AccountPatch, AccountRecord, Accounts, ApiKeyRecord, NewApiKey } from '../types.js';
import type { SqliteRunner } from './runner.js';

/** better-sqlite3's extended result codes for the constraints these tables have. */
const UNIQUE = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);
const FOREIGN_KEY = 'SQLITE_CONSTRAINT_FOREIGNKEY';
const codeOf = (err: unknown) => (err as { code?: string }).code;

/** Accounts and their API keys over SQLite. */
export class SqliteAccounts implements Accounts {
  readonly #db: Kysely<Database>;
  readonly #run: SqliteRunner;

  constructor(db: Kysely<Database>, runner: SqliteRunner) {
    this.#db = db;
    this.#run = runner;
  }

  async create(account: { id: string; name: string; limits: AccountLimits }, now: number): Promise<AccountRecord> {
    const row = this.#run.first(
      this.#db
        .insertInto('accounts')
        .values({ id: account.id, name: account.name, limits: JSON.stringify(account.limits), created_at: now })
        // No conflict target: a taken id and a taken name both skip the insert.
        .onConflict((oc) => oc.doNothing())
        .returningAll()
        .compile(),
    );
    if (row === undefined) throw new StoreConflictError(`an account named ${account.name} already exists`);
    return accountFromRow(row);
  }

  async get(id: string): Promise<AccountRecord | null> {
    const row = this.#run.first(this.#db.selectFrom('accounts').selectAll().where('id', '=', id).compile());
    return row === undefined ? null : accountFromRow(row);
  }

  async getByName(name: string): Promise<AccountRecord | null> {
    const row = this.#run.first(this.#db.selectFrom('accounts').selectAll().where('name', '=', name).compile());
    return row === undefined ? null : accountFromRow(row);
  }

  async list(): Promise<AccountRecord[]> {
    const rows = this.#run.all(this.#db.selectFrom('accounts').selectAll().orderBy('created_at').orderBy('id').compile());
    return rows.map(accountFromRow);
  }

  async update(id: string, patch: AccountPatch): Promise<AccountRecord | null> {
    const set = accountPatchValues(patch);
    if (Object.keys(set).length === 0) return this.get(id);
    try {
      const row = this.#run.first(this.#db.updateTable('accounts').set(set).where('id', '=', id).returningAll().compile());
      return row === undefined ? null : accountFromRow(row);
    } catch (err) {
      if (UNIQUE.has(codeOf(err) ?? '')) throw new StoreConflictError(`account name ${patch.name} is taken`);
      throw err;
    }
  }

  async createKey(key: NewApiKey, now: number): Promise<ApiKeyRecord> {
    try {
      const row = this.#run.first(
        this.#db
          .insertInto('api_keys')
          .values({ id: key.id, account_id: key.accountId, name: key.name, prefix: key.prefix, hash: key.hash, created_at: now })
          .returning(KEY_COLUMNS)
          .compile(),
      );
      return keyFromRow(row!);
    } catch (err) {
      // The foreign key (enforced on every connection, see open.ts) is the existence check.
      if (codeOf(err) === FOREIGN_KEY) throw new StoreNotFoundError(`account ${key.accountId} not found`);
      if (UNIQUE.has(codeOf(err) ?? '')) throw new StoreConflictError(`api key ${key.id} (or its hash) already exists`);
      throw err;
    }
  }

  async listKeys(accountId: string): Promise<ApiKeyRecord[]> {
    const rows = this.#run.all(
      this.#db.selectFrom('api_keys').select(KEY_COLUMNS).where('account_id', '=', accountId).orderBy('created_at').orderBy('id').compile(),
    );
    return rows.map(keyFromRow);
  }

  async revokeKey(accountId: string, keyId: string, now: number): Promise<ApiKeyRecord | null> {
    const row = this.#run.first(
      this.#db
        .updateTable('api_keys')
        // COALESCE keeps the first revocation time, so revoking again changes nothing.
        .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(now)).$castTo<number>() }))
        .where('id', '=', keyId)
        .where('account_id', '=', accountId)
        .returning(KEY_COLUMNS)
        .compile(),
    );
    return row === undefined ? null : keyFromRow(row);
  }

  async findKey(hash: string): Promise<{ key: ApiKeyRecord; account: AccountRecord } | null> {
    const row = this.#run.first(
      this.#db
        .selectFrom('api_keys')
        .innerJoin('accounts', 'accounts.id', 'api_keys.account_id')
        .select(FOUND_KEY_COLUMNS)
        .where('api_keys.hash', '=', hash)
        .compile(),
    );
    return row === undefined ? null : foundKeyFromRow(row);
  }

  async touchKey(keyId: string, now: number, minIntervalMs: number): Promise<void> {
    // One conditional UPDATE: a key used many times a second is written at most once per interval.
    this.#run.run(
      this.#db
        .updateTable('api_keys')
        .set({ last_used_at: now })
        .where('id', '=', keyId)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', now - minIntervalMs)]))
        .compile(),
    );
  }

  async hasActiveKeys(): Promise<boolean> {
    const row = this.#run.first(this.#db.selectFrom('api_keys').select('id').where('revoked_at', 'is', null).limit(1).compile());
    return row !== undefined;
  }
}
