import type { Kysely, Migration } from 'kysely';

/**
 * Several instances on one database: the `turns` table becomes each session's queue, claimed in a
 * transaction, and every active turn names the instance that runs it; instances heartbeat, so the
 * turns of one that died can be failed by the others.
 */
export const turnQueue: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('instances')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
      // Host and data directory: a new process with the same home knows its predecessor is dead.
      .addColumn('home', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
    // The instance that admitted (and runs) the turn; NULL for turns older than this migration.
    await db.schema.alterTable('turns').addColumn('instance_id', 'text').execute();
    // Queued `if_busy: interrupt` turns (1) run before queued `enqueue` ones (0).
    await db.schema.alterTable('turns').addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    // The instance that ran the session's latest turn: only its warm process is up to date.
    await db.schema.alterTable('sessions').addColumn('runner_instance', 'text').execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('sessions').dropColumn('runner_instance').execute();
    await db.schema.alterTable('turns').dropColumn('priority').execute();
    await db.schema.alterTable('turns').dropColumn('instance_id').execute();
    await db.schema.dropTable('instances').execute();
  },
};
