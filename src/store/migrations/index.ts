import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { initial } from './0001_initial.js';
import { sessionSystemPrompt } from './0002_session_system_prompt.js';
import { turnEvents } from './0003_turn_events.js';
import { turnQueue } from './0004_turn_queue.js';
import { accounts } from './0005_accounts.js';
import { sandboxPolicy } from './0006_sandbox_policy.js';
import { openaiConversations } from './0007_openai_conversations.js';
import { modelCalls } from './0010_model_calls.js';

export type Backend = 'sqlite' | 'postgres';

/**
 * Migrations live in code (not a folder scan) so they run identically from `src/` under tsx
 * and from `dist/` after a build. Names sort lexically; never rename or reorder one that shipped.
 */
export function migrationProvider(backend: Backend): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001_initial': initial(backend),
    '0002_session_system_prompt': sessionSystemPrompt,
    '0003_turn_events': turnEvents,
    '0004_turn_queue': turnQueue,
    '0005_accounts': accounts,
    '0006_sandbox_policy': sandboxPolicy,
    '0007_openai_conversations': openaiConversations,
    '0010_model_calls': modelCalls,
  };
  return { getMigrations: async () => migrations };
}

/**
 * Which of this code's migrations `recorded` (the names in Kysely's `kysely_migration` table)
 * lacks: what /ready reports as pending. Names recorded that this code does not know (a newer
 * instance migrated ahead during a rolling deploy) are not a problem and are ignored.
 */
export async function pendingMigrations(backend: Backend, recorded: Iterable<string>): Promise<string[]> {
  const done = new Set(recorded);
  const known = Object.keys(await migrationProvider(backend).getMigrations()).sort();
  return known.filter((name) => !done.has(name));
}

/** Kysely's bookkeeping table (default name), in the store's schema. */
export const MIGRATION_TABLE = 'kysely_migration';

/**
 * Brings the database to the latest schema and returns the migrations it applied. Throws the
 * first migration error so a store never opens on a half-migrated schema.
 *
 * `schema` (PostgreSQL) names the schema the bookkeeping tables live in. Without it Kysely asks
 * "does a `kysely_migration` table exist in ANY schema?", so a store opened on a fresh schema of
 * a database where another schema is already migrated would skip creating its own and fail.
 */
export async function migrateToLatest(db: Kysely<any>, backend: Backend, schema?: string): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider(backend),
    ...(schema !== undefined ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`store migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return (results ?? []).map((r) => r.migrationName);
}
