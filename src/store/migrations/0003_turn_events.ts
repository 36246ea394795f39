import type { Kysely, Migration } from 'kysely';

/**
 * The event log of each turn (what its stream sent, in order) so a client can reconnect with
 * Last-Event-ID and miss nothing; and a session's tools that need a person's approval.
 */
export const turnEvents: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('turn_events')
      .addColumn('turn_id', 'text', (c) => c.notNull().references('turns.id').onDelete('cascade'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('turn_events_pk', ['turn_id', 'seq'])
      .execute();
    // Pruning finds ended turns by age.
    await db.schema.createIndex('turns_finished_idx').on('turns').column('finished_at').execute();
    await db.schema.alterTable('sessions').addColumn('approval_tools', 'text').execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('sessions').dropColumn('approval_tools').execute();
    await db.schema.dropIndex('turns_finished_idx').execute();
    await db.schema.dropTable('turn_events').execute();
  },
};
