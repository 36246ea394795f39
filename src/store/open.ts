import type { Config } from '../config/config.js';
import { openPostgresStore } from './postgres/open.js';
import { openSqliteStore } from './sqlite/open.js';
import type { Store } from './types.js';

/** The store the configuration names: PostgreSQL with DATABASE_URL, else the SQLite file. Migrated. */
export function openStore(config: Pick<Config, 'postgres' | 'databasePath'>): Promise<Store> {
  return config.postgres ? openPostgresStore(config.postgres) : openSqliteStore({ path: config.databasePath });
}
