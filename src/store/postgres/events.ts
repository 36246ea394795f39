import { CompiledQuery, type Kysely } from 'kysely';
import { APPEND_EVENTS, appendEventsParams } from '../hot-sql.js';
import { toInt } from '../rows.js';
import type { Database } from '../schema.js';
import type { EventLog, StoredEvent } from '../types.js';

/** The turn event log on PostgreSQL: one row per event, keyed (turn_id, seq); a batch is one statement. */
export class PostgresEventLog implements EventLog {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async append(turnId: string, events: StoredEvent[], now: number): Promise<void> {
    if (events.length === 0) return;
    // One statement (the batch as one JSON parameter): atomic by itself, one round trip.
    await this.#db.executeQuery(CompiledQuery.raw(APPEND_EVENTS.postgres, appendEventsParams(turnId, events, now)));
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
