import type { Kysely, Migration } from 'kysely';

/** A session may carry its own system prompt (and model, which 0001 already has). */
export const sessionSystemPrompt: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('sessions').addColumn('system_prompt', 'text').execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('sessions').dropColumn('system_prompt').execute();
  },
};
