import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { isOwnOrOrphaned, newRunPrefix } from './helpers/schemas.js';

const DB_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The schema prefix of this run; test workers inherit it (see helpers/schemas.ts). */
const RUN_PREFIX = newRunPrefix();
process.env.TEST_RUN_SCHEMA_PREFIX = RUN_PREFIX;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Drops this run's schemas, and those left by runs that died; never another live run's. */
async function dropTestSchemas(): Promise<void> {
  const client = new pg.Client({ connectionString: DB_URL });
  try {
    await client.connect();
    const { rows } = await client.query<{ name: string }>(`select nspname as name from pg_namespace where nspname like 't%\\_%\\_%'`);
    for (const { name } of rows) {
      if (isOwnOrOrphaned(name, RUN_PREFIX, alive)) await client.query(`drop schema if exists ${pg.escapeIdentifier(name)} cascade`);
    }
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Process-level tests run the built server (`dist/`) and the browser tests the built web chat
 * (`dist/ui`), so build both once, fresh, before any test. The UI is type-checked first: Vite
 * only strips types.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const tsc = (project: string) => execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { stdio: 'inherit' });
  tsc('tsconfig.json');
  tsc('ui/tsconfig.json');
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'ui/vite.config.ts', '--logLevel', 'warn'], {
    stdio: 'inherit',
  });
  await dropTestSchemas();
  return dropTestSchemas;
}
