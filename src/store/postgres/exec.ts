import { CompiledQuery, type Kysely } from 'kysely';
import type { Statement } from '../hot-sql.js';

/** Runs a statement written as SQL text (hot-sql.ts) on a pool or inside a transaction; pg prepares nothing itself. */
export async function pgAll<R>(db: Kysely<any>, s: Statement, params: unknown[]): Promise<R[]> {
  return (await db.executeQuery<R>(CompiledQuery.raw(s.postgres, params))).rows;
}

export async function pgFirst<R>(db: Kysely<any>, s: Statement, params: unknown[]): Promise<R | undefined> {
  return (await pgAll<R>(db, s, params))[0];
}
