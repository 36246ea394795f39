import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { Database } from '../schema.js';
import type { StoreBus } from '../types.js';

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
export const MAX_PAYLOAD_BYTES = 7900;
const RECONNECT_MS = 1_000;

type Wire = { f: string; k: string } | { f: string; to: string; m: unknown };

/**
 * Instances talk through LISTEN/NOTIFY on one channel per schema (instances of different
 * deployments can share a database). One dedicated connection listens and reconnects when it
 * drops; notifications go out through the pool. NOTIFY is delivered at commit and only to
 * connected listeners, so anything missed while reconnecting is made up by the waiters' polling.
 */
export class PostgresBus implements StoreBus {
  readonly channel: string;
  readonly maxMessageBytes = MAX_PAYLOAD_BYTES;
  #client: pg.Client | null = null;
  #closed = false;
  #self = '';
  #handlers: Parameters<StoreBus['listen']>[1] | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly url: string,
    schema: string,
  ) {
    this.channel = `caa_${createHash('sha256').update(schema).digest('hex').slice(0, 16)}`;
  }

  async listen(self: string, handlers: Parameters<StoreBus['listen']>[1]): Promise<void> {
    this.#self = self;
    this.#handlers = handlers;
    await this.#connect();
  }

  async publish(key: string): Promise<void> {
    await this.#notify({ f: this.#self, k: key });
  }

  async send(to: string, body: unknown): Promise<void> {
    await this.#notify({ f: this.#self, to, m: body });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }

  async #notify(wire: Wire): Promise<void> {
    const payload = JSON.stringify(wire);
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      throw new RangeError(`a message between instances is limited to ${MAX_PAYLOAD_BYTES} bytes`);
    }
    await sql`select pg_notify(${this.channel}, ${payload})`.execute(this.db);
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    const retry = () => {
      if (this.#client !== client) return;
      this.#client = null;
      client.end().catch(() => {});
      if (!this.#closed) setTimeout(() => void this.#connect().catch(() => {}), RECONNECT_MS).unref();
    };
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', (n) => this.#receive(n.payload));
    this.#client = client;
    try {
      await client.connect();
      await client.query(`listen ${this.channel}`);
    } catch (err) {
      retry();
      throw err;
    }
  }

  #receive(payload: string | undefined): void {
    if (!payload || !this.#handlers) return;
    let wire: Wire;
    try {
      wire = JSON.parse(payload) as Wire;
    } catch {
      return;
    }
    if (wire.f === this.#self) return;
    if ('k' in wire) this.#handlers.onKey(wire.k);
    else if (wire.to === this.#self) this.#handlers.onMessage(wire.m);
  }
}
