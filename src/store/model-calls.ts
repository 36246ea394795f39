import { sql, type Kysely } from 'kysely';
import type { QueryExec } from './openai-index.js';
import { toInt } from './rows.js';
import type { Database } from './schema.js';

/**
 * The model-call ledger (issue 19): what the gateway writes after each forwarded model call, and
 * the sums turn, session and account figures are read from. Written once over `QueryExec`.
 */

export interface ModelCallRecord {
  id: string;
  accountId: string;
  sessionId: string;
  turnId: string | null;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** null when the price table has no entry for the model (never a silent zero). */
  costUsd: number | null;
  priceVersion: string;
  latencyMs: number;
  status: number;
  retries: number;
  createdAt: number;
}

export interface ModelCallTotals {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
}

export interface ModelCallFilter {
  accountId: string;
  sessionId?: string;
  turnId?: string;
  /** created_at bounds, epoch ms, [from, to). */
  from?: number;
  to?: number;
}

export interface ModelCallLedger {
  record(call: ModelCallRecord): Promise<void>;
  /** The account's calls (optionally of one session/turn), oldest first. */
  list(filter: ModelCallFilter): Promise<ModelCallRecord[]>;
  totals(filter: ModelCallFilter): Promise<ModelCallTotals>;
}

export function createModelCallLedger(db: Kysely<Database>, exec: QueryExec): ModelCallLedger {
  const where = (f: ModelCallFilter) => {
    let q = db.selectFrom('model_calls').where('account_id', '=', f.accountId);
    if (f.sessionId !== undefined) q = q.where('session_id', '=', f.sessionId);
    if (f.turnId !== undefined) q = q.where('turn_id', '=', f.turnId);
    if (f.from !== undefined) q = q.where('created_at', '>=', f.from);
    if (f.to !== undefined) q = q.where('created_at', '<', f.to);
    return q;
  };
  return {
    async record(c) {
      await exec.run(
        db
          .insertInto('model_calls')
          .values({
            id: c.id,
            account_id: c.accountId,
            session_id: c.sessionId,
            turn_id: c.turnId,
            model: c.model,
            input_tokens: c.inputTokens,
            output_tokens: c.outputTokens,
            cache_read_tokens: c.cacheReadTokens,
            cache_write_tokens: c.cacheWriteTokens,
            cost_usd: c.costUsd,
            price_version: c.priceVersion,
            latency_ms: c.latencyMs,
            status: c.status,
            retries: c.retries,
            created_at: c.createdAt,
          })
          .compile(),
      );
    },

    async list(f) {
      const rows = await exec.all(where(f).selectAll().orderBy('created_at').orderBy('id').compile());
      return rows.map((r) => ({
        id: r.id,
        accountId: r.account_id,
        sessionId: r.session_id,
        turnId: r.turn_id,
        model: r.model,
        inputTokens: toInt(r.input_tokens),
        outputTokens: toInt(r.output_tokens),
        cacheReadTokens: toInt(r.cache_read_tokens),
        cacheWriteTokens: toInt(r.cache_write_tokens),
        costUsd: r.cost_usd === null ? null : Number(r.cost_usd),
        priceVersion: r.price_version,
        latencyMs: toInt(r.latency_ms),
        status: Number(r.status),
        retries: Number(r.retries),
        createdAt: toInt(r.created_at),
      }));
    },

    async totals(f) {
      const [row] = await exec.all(
        where(f)
          .select([
            sql<number | string>`count(*)`.as('calls'),
            sql<number | string>`coalesce(sum(input_tokens), 0)`.as('input'),
            sql<number | string>`coalesce(sum(output_tokens), 0)`.as('output'),
            sql<number | string>`coalesce(sum(cache_read_tokens), 0)`.as('cache_read'),
            sql<number | string>`coalesce(sum(cache_write_tokens), 0)`.as('cache_write'),
            sql<number | string>`coalesce(sum(cost_usd), 0)`.as('cost'),
          ])
          .compile(),
      );
      return {
        calls: toInt(row!.calls),
        inputTokens: toInt(row!.input),
        outputTokens: toInt(row!.output),
        cacheReadTokens: toInt(row!.cache_read),
        cacheWriteTokens: toInt(row!.cache_write),
        costUsd: Number(row!.cost),
      };
    },
  };
}
