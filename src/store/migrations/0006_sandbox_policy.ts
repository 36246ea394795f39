import type { Kysely, Migration } from 'kysely';

/**
 * Per-account tool policy (JSON `ToolPolicy`): the built-in tools the account's agents may use
 * and its egress allowlist, set by the admin. `{}` = the server's defaults.
 */
export const sandboxPolicy: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('accounts').addColumn('tool_policy', 'text', (c) => c.notNull().defaultTo('{}')).execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('accounts').dropColumn('tool_policy').execute();
  },
};
