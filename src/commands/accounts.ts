import type { Command } from 'commander';
import { AccountService, LOCAL_ACCOUNT } from '../accounts/service.js';
import { CreateAccountBody, LimitsSchema } from '../http/schemas-accounts.js';
import { accountView, keyView, limitsFromBody } from '../http/views-accounts.js';
import type { Config } from '../config/config.js';
import type { Store } from '../store/types.js';
import { withStore, print, UsageError } from './context.js';

/** `accounts …` and `keys …`: the admin API's account and key management, offline on the store. */

/** `--limit daily_budget_usd=5 --limit max_sessions=100` → validated limits. */
function parseLimits(pairs: string[]) {
  const raw: Record<string, number> = {};
  for (const pair of pairs) {
    const m = /^([a-z_]+)=(\d+(?:\.\d+)?)$/.exec(pair);
    if (!m) throw new UsageError(`--limit expects name=number, got ${JSON.stringify(pair)}`);
    raw[m[1]!] = Number(m[2]);
  }
  const parsed = LimitsSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`invalid --limit: ${issues(parsed.error.issues)}`);
  return limitsFromBody(parsed.data);
}

const issues = (list: Array<{ path: PropertyKey[]; message: string }>) =>
  list.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');

const collect = (value: string, previous: string[]) => [...previous, value];
const service = (store: Store, config: Config) =>
  new AccountService(store, { adminKey: config.auth.adminKey, loopback: config.auth.loopback, defaults: config.accountDefaults, now: Date.now });

export function registerAccountCommands(program: Command): void {
  const accounts = program.command('accounts').description('manage accounts');
  accounts
    .command('create <name>')
    .description('create an account; prints it as JSON')
    .option('--limit <name=value>', 'a limit such as daily_budget_usd=5 or max_sessions=100 (repeatable)', collect, [])
    .action((name: string, opts: { limit: string[] }) =>
      withStore(async (store, config) => {
        const checked = CreateAccountBody.shape.name.safeParse(name);
        if (!checked.success) throw new UsageError(`invalid account name: ${issues(checked.error.issues)}`);
        const limits = parseLimits(opts.limit);
        print(accountView(await service(store, config).createAccount({ name: checked.data, limits })));
      }),
    );
  accounts
    .command('list')
    .description('list accounts as JSON')
    .action(() => withStore(async (store, config) => print((await service(store, config).listAccounts()).map(accountView))));

  const keys = program.command('keys').description('manage API keys');
  keys
    .command('create <account>')
    .description('create a key for an account (id or name); prints the secret once, with its record')
    .option('--name <name>', 'a label for the key')
    .action((account: string, opts: { name?: string }) =>
      withStore(async (store, config) => {
        const accounts = service(store, config);
        const wasKeyless = !(await store.accounts.hasActiveKeys());
        const { id } = await accounts.accountForKey(account);
        const { key, record } = await accounts.createKey(id, opts.name ?? null);
        print({ ...keyView(record), key });
        if (id === LOCAL_ACCOUNT) {
          process.stderr.write('This key reaches the sessions created without a key (account `local`).\n');
        } else if (wasKeyless) {
          process.stderr.write(
            'Keyless mode has ended: every request now needs a key. Sessions created without a key belong to the ' +
              'account `local`; reach them with a key from `claude-agent-api keys create local`.\n',
          );
        }
      }),
    );
  keys
    .command('list <account>')
    .description('list an account’s keys (prefixes only) as JSON')
    .action((account: string) =>
      withStore(async (store, config) => {
        const accounts = service(store, config);
        print((await accounts.listKeys((await accounts.getAccount(account)).id)).map(keyView));
      }),
    );
  keys
    .command('revoke <account> <key-id>')
    .description('revoke a key: it stops working at once')
    .action((account: string, keyId: string) =>
      withStore(async (store, config) => {
        const accounts = service(store, config);
        print(keyView(await accounts.revokeKey((await accounts.getAccount(account)).id, keyId)));
      }),
    );
}
