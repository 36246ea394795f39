import type { Kysely, Migration } from 'kysely';

/**
 * Accounts, their API keys (only a hash and a short visible prefix are kept) and a usage ledger
 * (one row per account, UTC day and model) that budgets and `/v1/usage` read. The ledger is
 * written in the transaction that finishes a turn, so spending is never lost or counted twice.
 */
export const accounts: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('accounts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('limits', 'text', (c) => c.notNull().defaultTo('{}')) // JSON AccountLimits
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('name', 'text')
      .addColumn('prefix', 'text', (c) => c.notNull())
      // SHA-256 of the whole key: keys are 256-bit random, so a slow hash would add nothing.
      .addColumn('hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .execute();
    await db.schema.createIndex('api_keys_account_idx').on('api_keys').column('account_id').execute();
    await db.schema
      .createTable('usage_daily')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull()) // YYYY-MM-DD, UTC
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('turns', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('output_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('cache_read_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('cache_write_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('cost_usd', 'double precision', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('usage_daily_pk', ['account_id', 'day', 'model'])
      .execute();
    // A fork's copied turns cost what they cost the source; the SDK's running total for the fork
    // starts at 0 without them, so a turn's own cost is (total - (session cost - inherited)).
    await db.schema
      .alterTable('sessions')
      .addColumn('inherited_cost_usd', 'double precision', (c) => c.notNull().defaultTo(0))
      .execute();
    // Retention scans sessions by last activity across accounts.
    await db.schema.createIndex('sessions_last_active_idx').on('sessions').column('last_active_at').execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropIndex('sessions_last_active_idx').execute();
    await db.schema.alterTable('sessions').dropColumn('inherited_cost_usd').execute();
    await db.schema.dropTable('usage_daily').execute();
    await db.schema.dropTable('api_keys').execute();
    await db.schema.dropTable('accounts').execute();
  },
};
