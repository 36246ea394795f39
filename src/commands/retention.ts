import type { Command } from 'commander';
import pino from 'pino';
import { purgeView, statsView } from '../http/views-accounts.js';
import { removeLocalTranscript } from '../retention/local-files.js';
import { RetentionService } from '../retention/service.js';
import { projectKeyFor } from '../runtime/project-key.js';
import type { Config } from '../config/config.js';
import type { Store } from '../store/types.js';
import { print, withStore } from './context.js';

/** `purge` and `stats`: retention, offline on the store (a running server purges on its own too). */

function service(store: Store, config: Config): RetentionService {
  return new RetentionService({
    store: store.retention,
    accounts: store.accounts,
    defaults: config.accountDefaults,
    projectKey: projectKeyFor,
    // Sessions idle past retention have no warm process (idle ones end within SESSION_IDLE_TIMEOUT).
    forget: (accountId, sessionId) => removeLocalTranscript(config.claudeConfigDir, projectKeyFor(accountId), sessionId),
    claudeConfigDir: config.claudeConfigDir,
    now: Date.now,
    log: pino({ level: 'silent' }),
  });
}

export function registerRetentionCommands(program: Command): void {
  program
    .command('purge')
    .description('purge sessions idle past their retention (RETENTION_DAYS, or an account’s own) now; prints what went')
    .option('--dry-run', 'report what would be purged, delete nothing')
    .option('--account <id>', 'only this account’s sessions')
    .action((opts: { dryRun?: boolean; account?: string }) =>
      withStore(async (store, config) => {
        const r = await service(store, config).purge({ dryRun: opts.dryRun ?? false, ...(opts.account ? { accountId: opts.account } : {}) });
        print(purgeView(r));
      }),
    );
  program
    .command('stats')
    .description('what the store holds (sessions, turns, transcript entries and bytes) and how much is due for purge')
    .option('--account <id>', 'one account’s storage')
    .action((opts: { account?: string }) =>
      withStore(async (store, config) => print(statsView(await service(store, config).stats(opts.account ?? null)))),
    );
}
