import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { APPEND_EVENTS, appendEventsParams } from '../hot-sql.js';
import { toInt } from '../rows.js';
import type { EventLog, StoredEvent } from '../types.js';
import type { SqliteRunner } from './runner.js';

/** The turn event log on SQLite: one row per event, keyed (turn_id, seq); a batch is one statement. */
export class SqliteEventLog implements EventLog {
  readonly #db: Kysely<Database>;
  readonly #run: SqliteRunner;

  constructor(db: Kysely<Database>, run: SqliteRunner) {
    this.#db = db;
    this.#run = run;
  }

  async append(turnId: string, events: StoredEvent[], now: number): Promise<void> {
    if (events.length === 0) return;
    // One statement, so one transaction of its own: the whole batch commits or none of it.
    this.#run.runOf(APPEND_EVENTS, appendEventsParams(turnId, events, now));
  }

  async read(turnId: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
    const rows = this.#run.all(
      this.#db
        .selectFrom('turn_events')
        .select(['seq', 'type', 'data'])
        .where('turn_id', '=', turnId)
        .where('seq', '>', afterSeq)
        .orderBy('seq')
        .limit(limit)
        .compile(),
    );
    return rows.map((r) => ({ seq: toInt(r.seq), type: r.type, data: JSON.parse(r.data) as Record<string, unknown> }));
  }

  async lastSeq(turnId: string): Promise<number> {
    const row = this.#run.first(
      this.#db
        .selectFrom('turn_events')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .where('turn_id', '=', turnId)
        .compile(),
    );
    return row?.seq == null ? 0 : toInt(row.seq);
  }

  async prune(cutoff: number): Promise<number> {
    return this.#run.write(() =>
      this.#run.run(
        this.#db
          .deleteFrom('turn_events')
          .where('turn_id', 'in', (eb) =>
            eb.selectFrom('turns').select('id').where('finished_at', 'is not', null).where('finished_at', '<', cutoff),
          )
          .compile(),
      ),
    );
  }
}
