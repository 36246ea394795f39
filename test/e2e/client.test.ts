import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createClient, type AgentApiClient, type EventOf, type StreamEvent } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { startProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

/** The shipped typed client (`claude-agent-api/client`) against the real service. */

const fast = { reconnectDelayMs: () => 50 };

async function collect(stream: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const ev of stream) events.push(ev);
  return events;
}

const textOf = (events: StreamEvent[]) =>
  events
    .filter((e): e is EventOf<'text.delta'> => e.type === 'text.delta')
    .map((e) => e.text)
    .join('');
const idsOf = (events: StreamEvent[]) => events.map((e) => e.id);
const contiguous = (events: StreamEvent[]) => events.map((_, i) => i + 1);

/** What a call throws, as an ApiError (fails the test if it resolves or throws something else). */
async function apiError(p: Promise<unknown> | (() => Promise<unknown>)): Promise<ApiError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected an ApiError, the call succeeded');
}

describe('typed client: a whole session', () => {
  let t: TestServer;
  let client: AgentApiClient;
  beforeAll(async () => {
    t = await startTestServer();
    client = createClient({ baseUrl: t.url });
  });
  afterAll(() => t?.close());

  it('creates, streams a tool-using turn, lists, replays, reads history, deletes', async () => {
    const health = await client.health();
    expect(health.status).toBe('healthy');

    const session = await client.sessions.create({ title: 'client weather', tags: ['sdk'] });
    expect(session).toMatchObject({ title: 'client weather', tags: ['sdk'], status: 'idle', turn_count: 0 });

    const stream = client.messages.stream(session.id, { message: 'What is the weather in Paris?' });
    const events = await collect(stream);
    expect(idsOf(events)).toEqual(contiguous(events));
    expect(events[0]!.type).toBe('turn.started');
    const started = events.filter((e): e is EventOf<'tool.started'> => e.type === 'tool.started');
    const finished = events.filter((e): e is EventOf<'tool.finished'> => e.type === 'tool.finished');
    expect(started.map((e) => e.name)).toEqual(['mcp__weather__get_weather']);
    expect(started[0]!.input).toEqual({ city: 'Paris' });
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ tool_use_id: started[0]!.tool_use_id, name: 'mcp__weather__get_weather', is_error: false });
    const last = events.at(-1)!;
    if (last.type !== 'turn.finished') throw new Error(`ended with ${last.type}`);
    const turn = last.turn;
    expect(turn.status).toBe('succeeded');
    expect(turn.tool_calls.map((c) => c.name)).toEqual(['mcp__weather__get_weather']);
    expect(textOf(events)).toBe(turn.response_text);
    expect(stream.turnId).toBe(turn.id);
    expect(stream.lastEventId).toBe(last.id);
    expect(stream.reconnects).toBe(0);

    // The same turn by id, and its events again (replayed from the log), whole or after an id.
    expect(await client.turns.get(session.id, turn.id)).toEqual(turn);
    expect(await collect(client.turns.events(session.id, turn.id))).toEqual(events);
    expect(await collect(client.turns.events(session.id, turn.id, { lastEventId: last.id - 2 }))).toEqual(events.slice(-2));

    // A blocking send answers the Turn.
    const second = await client.messages.send(session.id, { message: 'and thanks' });
    expect(second).toMatchObject({ session_id: session.id, seq: 2, status: 'succeeded', prompt: 'and thanks' });

    const page = await client.sessions.list({ q: 'WEATHER', tag: 'sdk', limit: 5 });
    expect(page.sessions.map((s) => s.id)).toEqual([session.id]);
    expect((await client.sessions.list({ tag: 'nope' })).sessions).toEqual([]);
    const got = await client.sessions.get(session.id);
    expect(got).toMatchObject({ id: session.id, turn_count: 2 });
    expect((await client.sessions.update(session.id, { title: 'renamed' })).title).toBe('renamed');

    const history = await client.sessions.history(session.id);
    expect(history.session_id).toBe(session.id);
    expect(history.messages.map((m) => [m.role, m.turn_id])).toEqual([
      ['user', turn.id],
      ['assistant', turn.id],
      ['user', second.id],
      ['assistant', second.id],
    ]);
    const answer = history.messages[1]!;
    if (answer.role !== 'assistant') throw new Error('expected the assistant message');
    expect(answer.content).toBe(turn.response_text);
    expect(answer.tool_calls).toEqual(turn.tool_calls);

    const fork = await client.sessions.fork(session.id, { title: 'forked' });
    expect(fork).toMatchObject({ title: 'forked', forked_from: session.id });
    expect((await client.sessions.archive(fork.id)).status).toBe('archived');
    expect((await client.sessions.list({ archived: true })).sessions.map((s) => s.id)).toEqual([fork.id]);
    // An archived session refuses a streamed message before anything starts: the iterator throws.
    const refused = await apiError(() => collect(client.messages.stream(fork.id, { message: 'hello?' })));
    expect(refused).toMatchObject({ status: 409, code: 'session_archived' });
    expect((await client.sessions.unarchive(fork.id)).status).toBe('idle');
    expect(await client.interrupt(fork.id)).toEqual({ interrupted: false, turn_id: null });

    await client.sessions.delete(session.id);
    const gone = await apiError(client.sessions.get(session.id));
    expect(gone).toMatchObject({ status: 404, code: 'session_not_found' });
    expect(gone.message).toBeTruthy();
    // Input the server rejects is an ApiError too, with the server's details.
    const invalid = await apiError(client.sessions.create({ title: ' ' }));
    expect(invalid).toMatchObject({ status: 400, code: 'validation_error' });
    expect(invalid.details).toHaveProperty('issues');
  });

  it('reconnects by itself when the connection drops mid-stream: the whole text once, ids contiguous', async () => {
    const proxy: TcpProxy = await startProxy(Number(new URL(t.url).port));
    try {
      const viaProxy = createClient({ baseUrl: proxy.url });
      const session = await viaProxy.sessions.create();
      const words = Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ');
      const reconnects: number[] = [];
      const stream = viaProxy.messages.stream(
        session.id,
        { message: `MOCK slow 80 ${words}` },
        { ...fast, onReconnect: ({ lastEventId }) => reconnects.push(lastEventId) },
      );
      const events: StreamEvent[] = [];
      let deltas = 0;
      let cut = 0;
      for await (const ev of stream) {
        events.push(ev);
        if (ev.type === 'text.delta' && ++deltas === 3) cut = proxy.cutAll();
      }
      expect(cut).toBeGreaterThan(0);
      expect(stream.reconnects).toBeGreaterThanOrEqual(1);
      expect(reconnects.length).toBeGreaterThanOrEqual(1);
      expect(proxy.connections).toBeGreaterThanOrEqual(3); // create, the POST, at least one reattach
      expect(idsOf(events)).toEqual(contiguous(events));
      const last = events.at(-1)!;
      if (last.type !== 'turn.finished') throw new Error(`ended with ${last.type}`);
      expect(textOf(events)).toBe(words);
      expect(last.turn.response_text).toBe(words);
    } finally {
      await proxy.close();
    }
  });

  it('a caller that stops reading leaves the turn running; turns.events picks it up where it left', async () => {
    const session = await client.sessions.create();
    const words = Array.from({ length: 15 }, (_, i) => `v${i}`).join(' ');
    const stream = client.messages.stream(session.id, { message: `MOCK slow 40 ${words}` });
    const first: StreamEvent[] = [];
    for await (const ev of stream) {
      first.push(ev);
      if (ev.type === 'text.delta') break; // closes the connection
    }
    expect(stream.turnId).toBeTruthy();
    const rest = await collect(client.turns.events(session.id, stream.turnId!, { lastEventId: stream.lastEventId }));
    const all = [...first, ...rest];
    expect(idsOf(all)).toEqual(contiguous(all));
    expect(textOf(all)).toBe(words);
    expect(rest.at(-1)!.type).toBe('turn.finished');
  });

  it('an abort signal ends the iterator with the abort, not an ApiError', async () => {
    const session = await client.sessions.create();
    const ctrl = new AbortController();
    const stream = client.messages.stream(session.id, { message: `MOCK slow 50 ${'x '.repeat(30)}` }, { signal: ctrl.signal });
    const err = await (async () => {
      try {
        for await (const ev of stream) if (ev.type === 'text.delta') ctrl.abort();
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).not.toBeInstanceOf(ApiError);
    expect((err as Error).name).toBe('AbortError');
    await client.interrupt(session.id);
  });

  it('unreachable server: ApiError network_error (status 0)', async () => {
    const nowhere = createClient({ baseUrl: 'http://127.0.0.1:9' });
    expect(await apiError(nowhere.sessions.list())).toMatchObject({ status: 0, code: 'network_error' });
  });
});

describe('typed client: accounts and keys', () => {
  const ADMIN_KEY = `admin-${randomBytes(30).toString('base64url')}`;
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ ADMIN_API_KEY: ADMIN_KEY });
  });
  afterAll(() => t?.close());

  it('the admin client creates an account and a key; the account client works with it', async () => {
    const admin = createClient({ baseUrl: t.url, apiKey: ADMIN_KEY });
    const account = await admin.admin.accounts.create({ name: 'client-sdk', limits: { max_sessions: 5 } });
    expect(account).toMatchObject({ name: 'client-sdk', limits: { max_sessions: 5 } });
    expect((await admin.admin.accounts.list()).accounts.map((a) => a.id)).toContain(account.id);
    expect(await admin.admin.accounts.get(account.id)).toEqual(account);
    expect((await admin.admin.accounts.update(account.id, { name: 'client-sdk-2' })).name).toBe('client-sdk-2');
    const key = await admin.admin.keys.create(account.id, { name: 'ci' });
    expect(key.key).toBeTruthy();
    expect(key).toMatchObject({ account_id: account.id, name: 'ci', revoked_at: null });

    // The key can come from a function, asked on every request.
    let current: string | null = key.key;
    const user = createClient({ baseUrl: t.url, apiKey: () => current });
    expect((await user.account()).id).toBe(account.id);
    const session = await user.sessions.create({ title: 'mine' });
    const turn = await user.messages.send(session.id, { message: 'hello' });
    expect(turn.status).toBe('succeeded');
    expect((await user.sessions.list()).sessions.map((s) => s.id)).toEqual([session.id]);
    const usage = await user.usage();
    expect(usage.totals.turns).toBe(1);
    expect(usage.budgets).toBeDefined();
    expect((await user.storageStats()).sessions).toBe(1);

    expect((await admin.admin.usage({ account_id: account.id })).totals.turns).toBe(1);
    expect((await admin.admin.storageStats()).sessions).toBe(1);
    expect((await admin.admin.purge({ dry_run: true })).dry_run).toBe(true);
    expect((await admin.admin.runtime()).warm).toBeGreaterThanOrEqual(0);
    // The admin key owns no sessions; an account key may not administer.
    expect(await apiError(admin.sessions.list())).toMatchObject({ status: 403 });
    expect(await apiError(user.admin.accounts.list())).toMatchObject({ status: 403, code: 'forbidden' });

    // Wrong or missing keys: 401.
    const wrong = createClient({ baseUrl: t.url, apiKey: `cak_${randomBytes(24).toString('base64url')}` });
    const denied = await apiError(wrong.account());
    expect(denied.status).toBe(401);
    expect(['invalid_api_key', 'unauthorized']).toContain(denied.code);
    current = null;
    expect(await apiError(user.account())).toMatchObject({ status: 401, code: 'unauthorized' });

    current = key.key;
    const [listed] = (await admin.admin.keys.list(account.id)).keys;
    expect(listed).toMatchObject({ id: key.id, prefix: key.prefix });
    expect((await admin.admin.keys.revoke(account.id, key.id)).revoked_at).not.toBeNull();
    expect(await apiError(user.account())).toMatchObject({ status: 401, code: 'api_key_revoked' });
  });
});

describe('the client as shipped', () => {
  it('resolves as claude-agent-api/client (package exports → dist)', async () => {
    const mod = (await import('claude-agent-api/client' as string)) as typeof import('../../src/client/index.js');
    expect(typeof mod.createClient).toBe('function');
    expect(typeof mod.ApiError).toBe('function');
  });

  it('imports nothing from Node and nothing outside itself but its two dependencies (it runs in browsers)', async () => {
    const dir = path.resolve(import.meta.dirname, '../../src/client');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.ts'));
    expect(files).toContain('index.ts');
    for (const f of files) {
      const src = await readFile(path.join(dir, f), 'utf8');
      const statements = [...src.matchAll(/^(?:import|export)\b[^;]*?from '([^']+)'/gm), ...src.matchAll(/\bimport\('([^']+)'\)/g)];
      const specifiers = statements.map((m) => m[1]!);
      if (f === 'index.ts') expect(specifiers).toContain('openapi-fetch');
      for (const s of specifiers) {
        expect(s.startsWith('./') || s === 'openapi-fetch' || s === 'eventsource-parser', `${f} imports ${s}`).toBe(true);
      }
    }
  });
});
