import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockModel, type MockModel } from '../../mock-model/server.js';
import { historyOf, testEnv } from '../helpers/harness.js';
import { postJson, spawnServer, type ServerProcess } from '../helpers/process.js';
import { processesWithEnv, waitFor } from '../helpers/procs.js';
import { readSse, type SseEvent } from '../helpers/sse.js';
import { startFakeOpenMeteo, type FakeOpenMeteo } from '../tools/fake-open-meteo.js';
import { testSchema } from '../helpers/schemas.js';

const DB_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const LEASE_TTL_MS = 3_000;

/**
 * Two real server processes on one PostgreSQL schema, as behind a load balancer with no sticky
 * sessions: any instance serves, streams, interrupts and approves for any session, and a killed
 * instance costs its in-flight turn, never the session.
 */
describe('two instances on one PostgreSQL', () => {
  const schema = testSchema(`cluster_${process.pid}`);
  const admin = new pg.Client({ connectionString: DB_URL });
  let mock: MockModel;
  let weather: FakeOpenMeteo;
  let a: ServerProcess;
  let b: ServerProcess;
  const dirs: string[] = [];

  beforeAll(async () => {
    await admin.connect();
    mock = await startMockModel();
    weather = await startFakeOpenMeteo();
    const start = async () => {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'caa-cluster-'));
      dirs.push(dataDir);
      return spawnServer({
        ...testEnv(dataDir, mock, weather),
        DATABASE_URL: DB_URL,
        DATABASE_SCHEMA: schema,
        LEASE_TTL: `${LEASE_TTL_MS}ms`,
        APPROVAL_REQUIRED_TOOLS: 'mcp__weather',
      });
    };
    // Both at once, against a schema that does not exist yet: creating and migrating must not race.
    [a, b] = await Promise.all([start(), start()]);
  });
  afterAll(async () => {
    await Promise.all([a, b].map((s) => s?.stop('SIGKILL')));
    // The CLI of a SIGKILLed server lives on until its turn ends; do not leave it behind.
    for (const dir of dirs) {
      for (const p of processesWithEnv(`CLAUDE_CONFIG_DIR=${path.join(dir, 'claude')}`)) process.kill(p.pid, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
    await mock.close();
    await weather.close();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  });

  const get = async (s: ServerProcess, p: string) => {
    const res = await fetch(`${s.url}${p}`);
    return { status: res.status, body: await res.json() };
  };
  const send = (s: ServerProcess, id: string, body: Record<string, unknown>) => postJson(`${s.url}/v1/sessions/${id}/messages`, body);
  const newSession = async (s: ServerProcess) => (await postJson(`${s.url}/v1/sessions`, {})).body.id as string;
  const events = (s: ServerProcess, id: string, turnId: string, lastEventId?: number) =>
    fetch(`${s.url}/v1/sessions/${id}/turns/${turnId}/events`, {
      headers: lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) },
    });

  it('both came up on an empty database at once, with one set of migrations', async () => {
    for (const s of [a, b]) expect((await get(s, '/ready')).status).toBe(200);
    const { rows } = await admin.query(`select name from ${schema}.kysely_migration order by name`);
    expect(rows.map((r) => r.name)).toEqual(['0001_initial', '0002_session_system_prompt', '0003_turn_events', '0004_turn_queue', '0005_accounts', '0006_sandbox_policy', '0007_openai_conversations', '0010_model_calls']);
    expect((await admin.query(`select count(*)::int as n from ${schema}.instances`)).rows[0].n).toBe(2);
  });

  // 20 turns, each on a process rebuilt cold from the store (the other instance ran the last one):
  // ~16 s alone, several times that on a loaded 2-core machine.
  it('20 messages alternating between the instances: the model sees the whole history each time', async () => {
    const first = await postJson(`${a.url}/chat`, { message: 'message 1: remember plum' });
    const id = first.body.session_id as string;
    expect(historyOf(first.body.response_text)).toBe(1);
    for (let n = 2; n <= 20; n++) {
      const r = await postJson(`${(n % 2 ? a : b).url}/chat`, { message: `message ${n}`, session_id: id });
      expect(r.body.is_error).toBe(false);
      // user, assistant, user, …: the whole conversation, whichever instance ran the turn before.
      expect(historyOf(r.body.response_text)).toBe(2 * n - 1);
    }
    expect(JSON.stringify(mock.requests.at(-1)!.body)).toContain('remember plum');

    const [sa, sb] = await Promise.all([get(a, `/v1/sessions/${id}`), get(b, `/v1/sessions/${id}`)]);
    expect(sa.body).toEqual(sb.body);
    expect(sa.body).toMatchObject({ turn_count: 20, status: 'idle' });
    const [ha, hb] = await Promise.all([get(a, `/v1/sessions/${id}/messages`), get(b, `/v1/sessions/${id}/messages`)]);
    expect(ha.body).toEqual(hb.body);
    expect(ha.body.messages).toHaveLength(40);
    const [la, lb] = await Promise.all([get(a, '/v1/sessions'), get(b, '/v1/sessions')]);
    expect(la.body).toEqual(lb.body);
    expect(la.body.sessions.map((s: { id: string }) => s.id)).toContain(id);
  }, 300_000);

  it('a turn sent to A streams from B, and a dropped B stream resumes with Last-Event-ID', async () => {
    const id = await newSession(a);
    const started = await send(a, id, { message: `MOCK slow 30 ${'word '.repeat(40)}`, background: true });
    expect(started.status).toBe(202);
    const turnId = started.body.turn_id as string;
    const part = await readSse(await events(b, id, turnId), { stopAfter: 5 });
    const rest = await readSse(await events(b, id, turnId, part.events.at(-1)!.id));
    const all = [...part.events, ...rest.events];
    expect(all.map((e) => e.id)).toEqual(all.map((_, i) => i + 1));
    expect(all.at(-1)!.event).toBe('turn.finished');
    const text = all.filter((e) => e.event === 'text.delta').map((e) => e.data.text).join('');
    expect(text).toBe(all.at(-1)!.data.turn.response_text);
    // Live, not replayed at the end: B saw deltas spread over the turn.
    const deltas = all.filter((e) => e.event === 'text.delta');
    expect(deltas.at(-1)!.at - deltas[0]!.at).toBeGreaterThan(300);
  });

  it('interrupt sent to B stops the turn running on A', async () => {
    const id = await newSession(a);
    const started = await send(a, id, { message: `MOCK slow 100 ${'word '.repeat(60)}`, background: true });
    const turnId = started.body.turn_id as string;
    const stream = readSse(await events(b, id, turnId));
    await waitFor(() => get(b, `/v1/sessions/${id}/turns/${turnId}`), (r) => r.body.status === 'running');
    await new Promise((r) => setTimeout(r, 500));
    const res = await postJson(`${b.url}/v1/sessions/${id}/interrupt`, {});
    expect(res.body).toEqual({ interrupted: true, turn_id: turnId });
    const { events: seen } = await stream;
    expect(seen.at(-1)!.data.turn.status).toBe('interrupted');
    expect((await get(a, `/v1/sessions/${id}/turns/${turnId}`)).body.status).toBe('interrupted');
  });

  it('a tool approval answered on B lets the turn on A go on', async () => {
    const id = await newSession(a);
    const started = await send(a, id, { message: 'What is the weather in Paris?', background: true });
    let tooBig: { status: number; body: any } | undefined;
    let decided: Promise<{ status: number; body: unknown }> | undefined;
    const onEvent = (e: SseEvent) => {
      if (e.event !== 'permission.requested') return;
      const url = `${b.url}/v1/sessions/${id}/permissions/${e.data.request_id}`;
      // Forwarded over NOTIFY, an answer has a size limit: past it, a clear 413 and the request stays open.
      decided = postJson(url, { decision: 'allow', updated_input: { city: 'x'.repeat(10_000) } }).then((r) => {
        tooBig = r;
        return postJson(url, { decision: 'allow' });
      });
    };
    const { events: seen } = await readSse(await events(b, id, started.body.turn_id), { onEvent });
    expect(await decided).toEqual({ status: 200, body: { decision: 'allow' } });
    expect(tooBig).toMatchObject({ status: 413, body: { error: { code: 'message_too_large' } } });
    const turn = seen.at(-1)!.data.turn;
    expect(turn.status).toBe('succeeded');
    expect(turn.tool_calls[0]).toMatchObject({ name: 'mcp__weather__get_weather', result: expect.stringContaining('Paris, France') });
    // An unknown request id answers 404 from either instance.
    expect((await postJson(`${b.url}/v1/sessions/${id}/permissions/${crypto.randomUUID()}`, { decision: 'allow' })).status).toBe(404);
  });

  it('deleting a session through A ends its warm process on B', async () => {
    const id = await newSession(a);
    expect((await send(b, id, { message: 'warm on B' })).body.status).toBe('succeeded');
    const warmOnB = async () => (await get(b, '/v1/runtime')).body.sessions.some((s: { id: string }) => s.id === id);
    expect(await warmOnB()).toBe(true);
    expect((await fetch(`${a.url}/v1/sessions/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await waitFor(warmOnB, (warm) => !warm, 5_000)).toBe(false);
    // Nothing the closing process mirrored afterwards brought the transcript back.
    await new Promise((r) => setTimeout(r, 1_500));
    const left = await admin.query(`select count(*)::int as n from ${schema}.transcript_entries where session_id = $1`, [id]);
    expect(left.rows[0].n).toBe(0);
    expect((await get(b, `/v1/sessions/${id}`)).status).toBe(404);
  });

  it('simultaneous sends to A and B: reject runs exactly one, enqueue answers both in order', async () => {
    const id = await newSession(a);
    const slow = `MOCK slow 20 ${'word '.repeat(20)}`;
    const rejects = await Promise.all([send(a, id, { message: slow }), send(b, id, { message: slow })]);
    expect(rejects.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(rejects.find((r) => r.status === 409)!.body.error.code).toBe('session_busy');

    const [x, y] = await Promise.all([
      send(a, id, { message: 'enqueued on A', if_busy: 'enqueue' }),
      send(b, id, { message: 'enqueued on B', if_busy: 'enqueue' }),
    ]);
    expect([x.body.status, y.body.status]).toEqual(['succeeded', 'succeeded']);
    const [early, late] = x.body.seq < y.body.seq ? [x.body, y.body] : [y.body, x.body];
    expect(late.seq).toBe(early.seq + 1);
    // The later one ran after the earlier one had finished, with it in its history.
    expect(historyOf(late.response_text)).toBe(historyOf(early.response_text) + 2);
    expect(Date.parse(late.finished_at)).toBeGreaterThanOrEqual(Date.parse(early.finished_at));
  });

  it('kill -9 of A mid-turn: the turn fails instance_lost within the lease and B serves the session', async () => {
    const first = await postJson(`${a.url}/chat`, { message: 'remember the word quince' });
    const id = first.body.session_id as string;
    const started = await send(a, id, { message: `MOCK slow 200 ${'word '.repeat(60)}`, background: true });
    const turnId = started.body.turn_id as string;
    await waitFor(() => get(b, `/v1/sessions/${id}/turns/${turnId}`), (r) => r.body.status === 'running');
    await new Promise((r) => setTimeout(r, 500));
    const stream = readSse(await events(b, id, turnId));
    const killedAt = Date.now();
    await a.stop('SIGKILL');

    const lost = await waitFor(
      () => get(b, `/v1/sessions/${id}/turns/${turnId}`),
      (r) => r.body.status === 'failed',
      LEASE_TTL_MS + 20_000,
    );
    expect(lost.body.error.code).toBe('instance_lost');
    // Within the lease plus slack for a loaded machine (sweeps run every third of a lease).
    expect(Date.now() - killedAt).toBeLessThan(LEASE_TTL_MS + 20_000);
    // A follower on B is told too, through the turn's event log.
    const { events: seen } = await stream;
    expect(seen.at(-1)).toMatchObject({ event: 'turn.failed', data: { code: 'instance_lost' } });

    const next = await postJson(`${b.url}/chat`, { message: 'which word?', session_id: id });
    expect(next.body.is_error).toBe(false);
    expect(JSON.stringify(mock.requests.at(-1)!.body)).toContain('remember the word quince');
    const history = await get(b, `/v1/sessions/${id}/messages`);
    expect(history.body.messages.map((m: { status?: string }) => m.status ?? 'user')).toEqual([
      'user',
      'succeeded',
      'user',
      'failed',
      'user',
      'succeeded',
    ]);
  });
});
