import type { Kysely, Migration } from 'kysely';

/**
 * Per-account tool policy (JSON `ToolPolicy`): the built-in tools the account's agents may use
 * and its egress allowlist, set by the admin. `{}` = the server's defaults. Plus the built-in
 * tools a session narrows its account's to.
 */
export const sandboxPolicy: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('accounts').addColumn('tool_policy', 'text', (c) => c.notNull().defaultTo('{}')).execute();
    // A session may narrow its account's built-in tools (JSON string[]; null = the account's).
    await db.schema.alterTable('sessions').addColumn('builtin_tools', 'text').execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('sessions').dropColumn('builtin_tools').execute();
    await db.schema.alterTable('accounts').dropColumn('tool_policy').execute();
  },
};
