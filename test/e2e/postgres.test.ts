import { rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyOf, startTestServer, type TestServer } from '../helpers/harness.js';
import { streamMessage } from '../helpers/sse.js';
import { testSchema } from '../helpers/schemas.js';

const URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The whole service on PostgreSQL (DATABASE_URL): sessions, resume from the store, streams. */
describe('the service on PostgreSQL', () => {
  const schema = testSchema(`pg_${process.pid}`);
  const admin = new pg.Client({ connectionString: URL });
  let t: TestServer;
  const env = { DATABASE_URL: URL, DATABASE_SCHEMA: schema };

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    t = await startTestServer(env);
  });
  afterAll(async () => {
    await t?.close();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  });

  it('stores sessions, turns, transcripts and events in PostgreSQL and resumes from there', async () => {
    expect((await t.json('GET', '/health')).body.store).toBe('postgres');
    const first = await t.json('POST', '/chat', { message: 'What is the weather in Paris?' });
    expect(first.body.tool_calls[0].tool_result).toContain('Paris, France');
    const id = first.body.session_id;
    const { events } = await streamMessage(t.url, id, { message: 'second' });
    expect(events.at(-1)!.event).toBe('turn.finished');

    const rows = await admin.query(`select count(*)::int as n from ${schema}.transcript_entries where session_id = $1`, [id]);
    expect(rows.rows[0].n).toBeGreaterThan(3);
    const ev = await admin.query(`select count(*)::int as n from ${schema}.turn_events where turn_id = $1`, [events[0]!.data.turn_id]);
    expect(ev.rows[0].n).toBe(events.length);

    // Forget the process and the CLI's local files: only PostgreSQL knows the conversation now.
    await t.server.runtime.evict(id);
    await rm(path.join(t.config.claudeConfigDir, 'projects'), { recursive: true, force: true });
    const third = await t.json('POST', '/chat', { message: 'and now?', session_id: id });
    expect(third.body.is_error).toBe(false);
    expect(historyOf(third.body.response_text)).toBeGreaterThanOrEqual(7);
    expect(JSON.stringify(t.mock.requests.at(-1)!.body)).toContain('What is the weather in Paris?');

    expect((await t.request('DELETE', `/v1/sessions/${id}`)).status).toBe(204);
    // The closing CLI mirrors its last lines after it was told to stop; none may re-create the transcript.
    await new Promise((r) => setTimeout(r, 1500));
    const left = await admin.query(`select count(*)::int as n from ${schema}.transcript_entries where session_id = $1`, [id]);
    expect(left.rows[0].n).toBe(0);
  });
});
