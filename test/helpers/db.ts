import Database from 'better-sqlite3';
import pg from 'pg';
import type { Config } from '../../src/config/config.js';

/**
 * Reads the test server's database directly (SQLite file or PostgreSQL schema), to check what
 * is really stored rather than what the API chooses to show.
 */
export async function countWhereIn(config: Config, table: string, column: string, values: string[]): Promise<number> {
  if (values.length === 0) return 0;
  if (!config.postgres) {
    const db = new Database(config.databasePath, { readonly: true });
    try {
      const row = db.prepare(`select count(*) as n from ${table} where ${column} in (${values.map(() => '?').join(',')})`).get(...values);
      return Number((row as { n: number }).n);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: config.postgres.url });
  await client.connect();
  try {
    const list = values.map((_, i) => `$${i + 1}`).join(',');
    const r = await client.query(`select count(*) as n from "${config.postgres.schema}".${table} where ${column} in (${list})`, values);
    return Number(r.rows[0].n);
  } finally {
    await client.end();
  }
}
