export * from './types.js';
export { InvalidCursorError, StoreNotFoundError } from './errors.js';
export { openSqliteStore, type SqliteStoreOptions } from './sqlite/open.js';
