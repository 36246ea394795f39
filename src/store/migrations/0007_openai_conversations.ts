import type { Kysely, Migration } from 'kysely';

/**
 * What the OpenAI-compatible routes need to find a session again (issue 17): a conversation's
 * fingerprint → the session and the turn that answered it (Chat Completions clients resend the
 * whole history), and a Responses API id → its turn. Both go with their session (cascade).
 */
export const openaiConversations: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('openai_conversations')
      .addColumn('account_id', 'text', (c) => c.notNull())
      // sha256 hex of the account, system prompt and messages up to and including the answer.
      .addColumn('conversation_key', 'text', (c) => c.notNull())
      .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
      .addColumn('turn_id', 'text', (c) => c.notNull().references('turns.id').onDelete('cascade'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('openai_conversations_pk', ['account_id', 'conversation_key'])
      .execute();
    await db.schema
      .createTable('openai_responses')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
      .addColumn('turn_id', 'text', (c) => c.notNull().references('turns.id').onDelete('cascade'))
      .addColumn('previous_response_id', 'text')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('instructions', 'text')
      .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}')) // JSON Record<string, string>
      .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}')) // JSON echo fields (background, text format…)
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    // Cascades from a deleted session find its rows by session.
    await db.schema.createIndex('openai_conversations_session_idx').on('openai_conversations').column('session_id').execute();
    await db.schema.createIndex('openai_responses_session_idx').on('openai_responses').column('session_id').execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('openai_responses').execute();
    await db.schema.dropTable('openai_conversations').execute();
  },
};
