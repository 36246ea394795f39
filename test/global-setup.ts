import { execFileSync } from 'node:child_process';
import pg from 'pg';

const DB_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Drops the schemas test servers created on PostgreSQL (see TEST_STORE in helpers/harness.ts). */
async function dropTestSchemas(): Promise<void> {
  const client = new pg.Client({ connectionString: DB_URL });
  try {
    await client.connect();
    const { rows } = await client.query<{ name: string }>(
      `select nspname as name from pg_namespace where nspname like 'e2e\\_%' or nspname like 'cluster\\_%'`,
    );
    for (const { name } of rows) await client.query(`drop schema if exists ${pg.escapeIdentifier(name)} cascade`);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Process-level tests run the built server (`dist/`), so build it once, fresh, before any test. */
export default async function setup(): Promise<() => Promise<void>> {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  await dropTestSchemas();
  return dropTestSchemas;
}
