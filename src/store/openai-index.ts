import type { CompiledQuery, Kysely } from 'kysely';
import { toInt } from './rows.js';
import type { Database } from './schema.js';

/**
 * The OpenAI-compatible routes' own lookups, kept apart from the rest of the store so they can move
 * with it: a conversation fingerprint → the session and turn that answered it, and a Responses API
 * id → its turn. Written once over `QueryExec`, a two-method driver each backend provides.
 */

export interface ConversationHit {
  sessionId: string;
  /** The turn whose answer ends the fingerprinted conversation. */
  turnId: string;
}

export interface ResponseRecord {
  id: string;
  accountId: string;
  sessionId: string;
  turnId: string;
  previousResponseId: string | null;
  model: string;
  instructions: string | null;
  metadata: Record<string, string>;
  /** What the request asked for that the response echoes (background, text format, …). */
  options: Record<string, unknown>;
  createdAt: number;
}

export interface OpenAiIndex {
  findConversation(accountId: string, key: string): Promise<ConversationHit | null>;
  /** Records (or moves, when the same conversation was answered again) a fingerprint. */
  saveConversation(accountId: string, key: string, hit: ConversationHit, now: number): Promise<void>;
  saveResponse(response: ResponseRecord): Promise<void>;
  /** The response, only if it is the account's. */
  getResponse(accountId: string, id: string): Promise<ResponseRecord | null>;
}

/** The narrow driver: run a compiled read or write. */
export interface QueryExec {
  all<R>(query: CompiledQuery<R>): Promise<R[]>;
  run(query: CompiledQuery<unknown>): Promise<void>;
}

export function createOpenAiIndex(db: Kysely<Database>, exec: QueryExec): OpenAiIndex {
  return {
    async findConversation(accountId, key) {
      const [row] = await exec.all(
        db
          .selectFrom('openai_conversations')
          .select(['session_id', 'turn_id'])
          .where('account_id', '=', accountId)
          .where('conversation_key', '=', key)
          .compile(),
      );
      return row ? { sessionId: row.session_id, turnId: row.turn_id } : null;
    },

    async saveConversation(accountId, key, hit, now) {
      await exec.run(
        db
          .insertInto('openai_conversations')
          .values({ account_id: accountId, conversation_key: key, session_id: hit.sessionId, turn_id: hit.turnId, created_at: now })
          .onConflict((oc) =>
            oc.columns(['account_id', 'conversation_key']).doUpdateSet({ session_id: hit.sessionId, turn_id: hit.turnId, created_at: now }),
          )
          .compile(),
      );
    },

    async saveResponse(r) {
      await exec.run(
        db
          .insertInto('openai_responses')
          .values({
            id: r.id,
            account_id: r.accountId,
            session_id: r.sessionId,
            turn_id: r.turnId,
            previous_response_id: r.previousResponseId,
            model: r.model,
            instructions: r.instructions,
            metadata: JSON.stringify(r.metadata),
            options: JSON.stringify(r.options),
            created_at: r.createdAt,
          })
          .compile(),
      );
    },

    async getResponse(accountId, id) {
      const [row] = await exec.all(
        db.selectFrom('openai_responses').selectAll().where('id', '=', id).where('account_id', '=', accountId).compile(),
      );
      if (!row) return null;
      return {
        id: row.id,
        accountId: row.account_id,
        sessionId: row.session_id,
        turnId: row.turn_id,
        previousResponseId: row.previous_response_id,
        model: row.model,
        instructions: row.instructions,
        metadata: JSON.parse(row.metadata) as Record<string, string>,
        options: JSON.parse(row.options) as Record<string, unknown>,
        createdAt: toInt(row.created_at),
      };
    },
  };
}
