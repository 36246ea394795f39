import type { Kysely } from 'kysely';
import { FOUND_KEY_COLUMNS, KEY_COLUMNS, accountFromRow, foundKeyFromRow, keyFromRow } from '../account-rows.js';
import { accountPatchValues } from '../account-sql.js';
import { StoreConflictError, StoreNotFoundError } from '../errors.js';
import type { Database } from '../schema.js';
import type { AccountLimits, AccountPatch, AccountRecord, Accounts, ApiKeyRecord, NewApiKey } from '../types.js';

/** SQLSTATEs node-postgres reports on a violated constraint. */
const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';
const codeOf = (err: unknown) => (err as { code?: string }).code;

/** Accounts and their API keys over PostgreSQL, with the SQLite backend's semantics. */
export class PostgresAccounts implements Accounts {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(account: { id: string; name: string; limits: AccountLimits }, now: number): Promise<AccountRecord> {
    const row = await this.#db
      .insertInto('accounts')
      .values({ id: account.id, name: account.name, limits: JSON.stringify(account.limits), created_at: now })
      // No conflict target: a taken id and a taken name both skip the insert.
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
    if (row === undefined) throw new StoreConflictError(`an account named ${account.name} already exists`);
    return accountFromRow(row);
  }

  async get(id: string): Promise<AccountRecord | null> {
    const row = await this.#db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : accountFromRow(row);
  }

  async getByName(name: string): Promise<AccountRecord | null> {
    const row = await this.#db.selectFrom('accounts').selectAll().where('name', '=', name).executeTakeFirst();
    return row === undefined ? null : accountFromRow(row);
  }

  async list(): Promise<AccountRecord[]> {
    const rows = await this.#db.selectFrom('accounts').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map(accountFromRow);
  }

  async update(id: string, patch: AccountPatch): Promise<AccountRecord | null> {
    const set = accountPatchValues(patch);
    if (Object.keys(set).length === 0) return this.get(id);
    try {
      const row = await this.#db.updateTable('accounts').set(set).where('id', '=', id).returningAll().executeTakeFirst();
      return row === undefined ? null : accountFromRow(row);
    } catch (err) {
      if (codeOf(err) === UNIQUE_VIOLATION) throw new StoreConflictError(`account name ${patch.name} is taken`);
      throw err;
    }
  }

  async createKey(key: NewApiKey, now: number): Promise<ApiKeyRecord> {
    try {
      const row = await this.#db
        .insertInto('api_keys')
        .values({ id: key.id, account_id: key.accountId, name: key.name, prefix: key.prefix, hash: key.hash, created_at: now })
        .returning(KEY_COLUMNS)
        .executeTakeFirstOrThrow();
      return keyFromRow(row);
    } catch (err) {
      // The foreign key is the existence check, race-free against a concurrent delete.
      if (codeOf(err) === FOREIGN_KEY_VIOLATION) throw new StoreNotFoundError(`account ${key.accountId} not found`);
      if (codeOf(err) === UNIQUE_VIOLATION) throw new StoreConflictError(`api key ${key.id} (or its hash) already exists`);
      throw err;
    }
  }

  async listKeys(accountId: string): Promise<ApiKeyRecord[]> {
    const rows = await this.#db
      .selectFrom('api_keys')
      .select(KEY_COLUMNS)
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(keyFromRow);
  }

  async revokeKey(accountId: string, keyId: string, now: number): Promise<ApiKeyRecord | null> {
    const row = await this.#db
      .updateTable('api_keys')
      // COALESCE keeps the first revocation time, so revoking again changes nothing.
      .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(now)).$castTo<number>() }))
      .where('id', '=', keyId)
      .where('account_id', '=', accountId)
      .returning(KEY_COLUMNS)
      .executeTakeFirst();
    return row === undefined ? null : keyFromRow(row);
  }

  async findKey(hash: string): Promise<{ key: ApiKeyRecord; account: AccountRecord } | null> {
    const row = await this.#db
      .selectFrom('api_keys')
      .innerJoin('accounts', 'accounts.id', 'api_keys.account_id')
      .select(FOUND_KEY_COLUMNS)
      .where('api_keys.hash', '=', hash)
      .executeTakeFirst();
    return row === undefined ? null : foundKeyFromRow(row);
  }

  async touchKey(keyId: string, now: number, minIntervalMs: number): Promise<void> {
    // One conditional UPDATE: a key used many times a second is written at most once per interval.
    await this.#db
      .updateTable('api_keys')
      .set({ last_used_at: now })
      .where('id', '=', keyId)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', now - minIntervalMs)]))
      .execute();
  }

  async hasActiveKeys(): Promise<boolean> {
    const row = await this.#db.selectFrom('api_keys').select('id').where('revoked_at', 'is', null).limit(1).executeTakeFirst();
    return row !== undefined;
  }
}
