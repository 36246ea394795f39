import type { Kysely } from 'kysely';
import { toInt } from '../rows.js';
import type { Database } from '../schema.js';
import type { EventLog, StoredEvent } from '../types.js';

/** Rows per INSERT: 5 bound values each, far below PostgreSQL's 65,535-parameter limit. */
const INSERT_CHUNK = 1000;

/** The turn event log on PostgreSQL: one row per event, keyed (turn_id, seq). */
export class PostgresEventLog implements EventLog {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async append(turnId: string, events: StoredEvent[], now: number): Promise<void> {
    if (events.length === 0) return;
    const rows = events.map((e) => ({
      turn_id: turnId,
      seq: e.seq,
      type: e.type,
      data: JSON.stringify(e.data),
      created_at: now,
    }));
    const insert = async (db: Kysely<Database>): Promise<void> => {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await db
          .insertInto('turn_events')
          .values(rows.slice(i, i + INSERT_CHUNK))
          .onConflict((oc) => oc.columns(['turn_id', 'seq']).doNothing())
          .execute();
      }
    };
    // One statement is atomic by itself; only a batch spanning chunks needs a transaction.
    if (rows.length <= INSERT_CHUNK) await insert(this.#db);
    else await this.#db.transaction().execute(insert);
  }

  async read(turnId: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.#db
      .selectFrom('turn_events')
      .select(['seq', 'type', 'data'])
      .where('turn_id', '=', turnId)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ seq: toInt(r.seq), type: r.type, data: JSON.parse(r.data) as Record<string, unknown> }));
  }

  async lastSeq(turnId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('turn_events')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('turn_id', '=', turnId)
      .executeTakeFirst();
    return row?.seq == null ? 0 : toInt(row.seq);
  }

  async prune(cutoff: number): Promise<number> {
    const result = await this.#db
      .deleteFrom('turn_events')
      .where('turn_id', 'in', (eb) =>
        eb.selectFrom('turns').select('id').where('finished_at', 'is not', null).where('finished_at', '<', cutoff),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
