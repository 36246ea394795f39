export * from './types.js';
export { InvalidCursorError, StoreNotFoundError } from './errors.js';
export { openSqliteStore, type SqliteStoreOptions } from './sqlite/open.js';
export { openPostgresStore, type PostgresStoreOptions } from './postgres/open.js';
