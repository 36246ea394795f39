import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { waitFor } from '../helpers/procs.js';
import { startProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { testSchema } from '../helpers/schemas.js';

/**
 * /ready on PostgreSQL, whichever project runs this file: the database goes away (the TCP proxy
 * in front of it stops listening and cuts every connection) and comes back on the same address;
 * /ready follows it, and a schema missing a migration or a draining instance is not ready either.
 */

const DB_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = testSchema(`ready_${process.pid}`);

type ReadyBody = { status?: string; error?: { code: string; message: string }; checks?: Record<string, string> };

describe('readiness follows the database', () => {
  let proxy: TcpProxy;
  let t: TestServer;

  const ready = async () => {
    const res = await t.request('GET', '/ready');
    return { status: res.status, body: (await res.json()) as ReadyBody };
  };

  /** A statement on the test schema, straight to PostgreSQL (not through the proxy). */
  const direct = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
    const client = new pg.Client({ connectionString: DB_URL });
    await client.connect();
    try {
      return await client.query<R>(text, values);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    const db = new URL(DB_URL);
    proxy = await startProxy(Number(db.port || 5432), db.hostname);
    db.host = `127.0.0.1:${proxy.port}`;
    t = await startTestServer({ DATABASE_URL: db.href, DATABASE_SCHEMA: SCHEMA });
  });
  afterAll(async () => {
    await proxy?.resume();
    await t?.close();
    await proxy?.close();
    await direct(`drop schema if exists ${pg.escapeIdentifier(SCHEMA)} cascade`).catch(() => {});
  });

  it('runs on PostgreSQL through the proxy, and is ready', async () => {
    expect(t.config.postgres).toMatchObject({ schema: SCHEMA });
    expect((await t.json('GET', '/health')).body.store).toBe('postgres');
    expect(await ready()).toEqual({ status: 200, body: { status: 'ready', sandbox: { kind: 'bubblewrap', mode: 'auto' } } });
    expect(proxy.connections).toBeGreaterThan(0);
  });

  it('answers 503 with the database as the reason while it is gone, 200 once it is back', async () => {
    await proxy.pause();
    const down = await waitFor(ready, (r) => r.status === 503, 10_000);
    expect(down.status).toBe(503);
    expect(down.body.error?.code).toBe('not_ready');
    expect(down.body.error?.message).toMatch(/database/i);
    expect(down.body.checks?.database).toMatch(/^unreachable: /);
    // /health is liveness only: the process is still up.
    expect((await t.request('GET', '/health')).status).toBe(200);

    // Still not ready a moment later: nothing "recovers" while the database is away.
    await new Promise((r) => setTimeout(r, 500));
    expect((await ready()).status).toBe(503);

    await proxy.resume();
    const up = await waitFor(ready, (r) => r.status === 200, 15_000);
    expect(up).toEqual({ status: 200, body: { status: 'ready', sandbox: { kind: 'bubblewrap', mode: 'auto' } } });
    // The session API works again too: the pool reconnected.
    expect((await t.json('POST', '/v1/sessions', {})).status).toBe(201);
  });

  it('is not ready while a migration is missing from the schema', async () => {
    const { rows } = await direct<{ name: string; timestamp: string }>(
      `delete from ${pg.escapeIdentifier(SCHEMA)}.kysely_migration
        where name = (select max(name) from ${pg.escapeIdentifier(SCHEMA)}.kysely_migration) returning name, timestamp`,
    );
    const latest = rows[0]!;
    try {
      const r = await ready();
      expect(r.status).toBe(503);
      expect(r.body.error?.code).toBe('not_ready');
      expect(r.body.error?.message).toContain(latest.name);
      expect(r.body.checks).toMatchObject({ database: 'ok', migrations: `pending: ${latest.name}` });
    } finally {
      await direct(`insert into ${pg.escapeIdentifier(SCHEMA)}.kysely_migration (name, timestamp) values ($1, $2)`, [
        latest.name,
        latest.timestamp,
      ]);
    }
    expect((await ready()).status).toBe(200);
  });

  it('answers 503 shutting_down once the instance drains', async () => {
    await t.server.turns.drain(0);
    const r = await ready();
    expect(r.status).toBe(503);
    expect(r.body.error?.code).toBe('shutting_down');
    expect(r.body.checks).toEqual({ runtime: 'draining' });
  });
});
