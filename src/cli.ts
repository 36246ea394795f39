#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerAccountCommands } from './commands/accounts.js';
import { registerMockModelCommand } from './commands/mock-model.js';
import { registerRetentionCommands } from './commands/retention.js';
import { loadConfigOrExit, serveForever } from './serve.js';
import { openStore } from './store/open.js';
import { VERSION } from './version.js';

/**
 * `npx claude-agent-api <command>`: the operator's tool. Commands read the same environment
 * configuration as the server (DATABASE_URL or DATA_DIR, …), so they act on the same store.
 */
const program = new Command()
  .name('claude-agent-api')
  .description('Self-hostable HTTP API for the Claude Agent SDK')
  .version(VERSION)
  .exitOverride()
  .showHelpAfterError();

program
  .command('serve')
  .description('start the HTTP service (what `npm start` runs)')
  .action(async () => {
    await serveForever();
  });

program
  .command('migrate')
  .description('bring the database (SQLite file or PostgreSQL schema) to the latest schema, then exit')
  .action(async () => {
    const config = loadConfigOrExit();
    const store = await openStore(config);
    await store.close();
    const where = config.postgres ? `PostgreSQL schema ${config.postgres.schema}` : config.databasePath;
    process.stdout.write(
      store.migrated.length > 0 ? `applied ${store.migrated.join(', ')} to ${where}\n` : `${where} is up to date\n`,
    );
  });

registerAccountCommands(program);
registerRetentionCommands(program);
registerMockModelCommand(program);

program.parseAsync().catch((err: unknown) => {
  // Help and version exit 0; a wrong command or argument exits 2, like a bad configuration.
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  process.stderr.write(`claude-agent-api: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
