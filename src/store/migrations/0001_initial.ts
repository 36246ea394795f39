import type { Kysely, Migration } from 'kysely';
import type { Backend } from './index.js';

/**
 * Sessions, turns and the SDK transcript tables.
 *
 * Written with the schema builder so the PostgreSQL backend runs the same migration; the only
 * dialect fork is the append-order key, which has no common spelling across the two.
 */
export function initial(backend: Backend): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('title', 'text')
        .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('model', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_active_at', 'bigint', (c) => c.notNull())
        .addColumn('turn_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('output_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('cache_read_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('cache_write_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('cost_usd', 'double precision', (c) => c.notNull().defaultTo(0))
        .addColumn('forked_from', 'text')
        .execute();
      // Serves the account's newest-first keyset pagination without a sort step.
      await db.schema
        .createIndex('sessions_account_recent_idx')
        .on('sessions')
        .columns(['account_id', 'last_active_at desc', 'id'])
        .execute();

      await db.schema
        .createTable('turns')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('prompt', 'text', (c) => c.notNull())
        .addColumn('response_text', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('tool_calls', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('usage', 'text', (c) => c.notNull())
        .addColumn('cost_usd', 'double precision', (c) => c.notNull().defaultTo(0))
        .addColumn('duration_ms', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('num_turns', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .addUniqueConstraint('turns_session_seq_uq', ['session_id', 'seq'])
        .execute();
      // failOrphanedTurns scans by status at every start-up.
      await db.schema.createIndex('turns_status_idx').on('turns').column('status').execute();

      await db.schema
        .createTable('transcript_entries')
        .addColumn('id', backend === 'postgres' ? 'bigint' : 'integer', (c) =>
          backend === 'postgres' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
        )
        .addColumn('project_key', 'text', (c) => c.notNull())
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('subpath', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('uuid', 'text')
        .addColumn('entry', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        // NULL uuids are distinct under UNIQUE in both dialects: uuid-less entries never dedupe.
        .addUniqueConstraint('transcript_entries_uuid_uq', ['project_key', 'session_id', 'subpath', 'uuid'])
        .execute();
      // load() reads one key in append order; listSubkeys() and delete() use the same prefix.
      await db.schema
        .createIndex('transcript_entries_key_idx')
        .on('transcript_entries')
        .columns(['project_key', 'session_id', 'subpath', 'id'])
        .execute();

      await db.schema
        .createTable('session_summaries')
        .addColumn('project_key', 'text', (c) => c.notNull())
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('mtime', 'bigint', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('session_summaries_pk', ['project_key', 'session_id'])
        .execute();
    },

    async down(db: Kysely<any>): Promise<void> {
      for (const table of ['session_summaries', 'transcript_entries', 'turns', 'sessions']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
