import type { Kysely, Migration } from 'kysely';

/**
 * The model-call ledger (issue 19): one row per model call the gateway forwarded, with the usage
 * parsed from the upstream's own response and the cost from a versioned price table. Exact per-call
 * figures; turn, session and account totals are sums of it. Rows go with their account only by id
 * (no foreign key): a call is recorded even when its session was deleted meanwhile.
 */
export const modelCalls: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('model_calls')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('session_id', 'text', (c) => c.notNull())
      .addColumn('turn_id', 'text') // null: a call between turns (e.g. the CLI's own start-up call)
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('input_tokens', 'bigint', (c) => c.notNull())
      .addColumn('output_tokens', 'bigint', (c) => c.notNull())
      .addColumn('cache_read_tokens', 'bigint', (c) => c.notNull())
      .addColumn('cache_write_tokens', 'bigint', (c) => c.notNull())
      .addColumn('cost_usd', 'double precision') // null: the price table has no such model
      .addColumn('price_version', 'text', (c) => c.notNull())
      .addColumn('latency_ms', 'bigint', (c) => c.notNull())
      .addColumn('status', 'integer', (c) => c.notNull()) // the upstream's HTTP status (0: unreachable)
      .addColumn('retries', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('model_calls_turn_idx').on('model_calls').column('turn_id').execute();
    await db.schema.createIndex('model_calls_session_idx').on('model_calls').column('session_id').execute();
    await db.schema.createIndex('model_calls_account_idx').on('model_calls').columns(['account_id', 'created_at']).execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('model_calls').execute();
  },
};
