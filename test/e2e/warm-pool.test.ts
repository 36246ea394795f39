import { afterEach, describe, expect, it } from 'vitest';
import { historyOf, startTestServer, type TestServer } from '../helpers/harness.js';
import { claudeChildren, waitFor } from '../helpers/procs.js';


/** The warm pool with the real `claude` binary: reuse, bounds, eviction, idle timeout, rebuilds. */
describe('warm session pool', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
    // Closing the server ends every process it started.
    expect(claudeChildren()).toEqual([]);
  });

  const runtime = async () => (await t!.json('GET', '/v1/runtime')).body;
  const send = (id: string, message: string) => t!.json('POST', `/v1/sessions/${id}/messages`, { message });

  it('serves later turns of a session from the same process, with context', async () => {
    t = await startTestServer();
    const id = (await t.json('POST', '/v1/sessions', {})).body.id;
    const first = await send(id, 'one');
    const pid = (await runtime()).sessions.find((s: { id: string }) => s.id === id).pid;
    expect(pid).toBeGreaterThan(0);
    expect(claudeChildren().map((p) => p.pid)).toEqual([pid]);
    const second = await send(id, 'two');
    expect(historyOf(first.body.response_text)).toBe(1);
    expect(historyOf(second.body.response_text)).toBe(3);
    const after = await runtime();
    expect(after.sessions).toHaveLength(1);
    expect(after.sessions[0]).toMatchObject({ id, pid, turns: 2, busy: false });
    expect(after.spawns).toBe(1);
    expect(after.rss_bytes).toBeGreaterThan(20 * 1024 * 1024);
    // The warm turn skipped the process start: it is several times faster than the cold one.
    expect(second.body.duration_ms).toBeLessThan(first.body.duration_ms);
  });

  it('keeps at most MAX_WARM_SESSIONS processes, evicting the least recently used, without losing context', async () => {
    t = await startTestServer({ MAX_WARM_SESSIONS: '2' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await t.json('POST', '/v1/sessions', {})).body.id);
    let maxAlive = 0;
    for (let round = 0; round < 3; round++) {
      for (const [i, id] of ids.entries()) {
        const { body } = await send(id, `round ${round} session ${i}`);
        expect(body.status).toBe('succeeded');
        expect(body.response_text).toContain(`Echo: round ${round} session ${i}`);
        // Every session still sees its whole conversation, rebuilt from the store after eviction.
        expect(historyOf(body.response_text)).toBe(2 * round + 1);
        maxAlive = Math.max(maxAlive, claudeChildren().length);
      }
    }
    expect(maxAlive).toBeLessThanOrEqual(2);
    const stats = await runtime();
    expect(stats.warm).toBe(2);
    // Round-robin over 5 sessions with room for 2: every turn but the first two evicts one.
    expect(stats.evictions.capacity).toBe(13);
    expect(stats.spawns).toBe(15);
  });

  it('closes idle processes after SESSION_IDLE_TIMEOUT and resumes them with context', async () => {
    t = await startTestServer({ SESSION_IDLE_TIMEOUT: '1s' });
    const id = (await t.json('POST', '/v1/sessions', {})).body.id;
    await send(id, 'before the nap');
    expect(claudeChildren()).toHaveLength(1);
    const stats = await waitFor(runtime, (s) => s.warm === 0, 8_000);
    expect(stats.evictions.idle_timeout).toBe(1);
    expect(await waitFor(() => claudeChildren(), (c) => c.length === 0)).toEqual([]);
    const { body } = await send(id, 'after the nap');
    expect(body.status).toBe('succeeded');
    expect(historyOf(body.response_text)).toBe(3);
  });

  it('rebuilds the process when the session’s system prompt or model changes', async () => {
    t = await startTestServer();
    const id = (await t.json('POST', '/v1/sessions', { system_prompt: 'You are a pirate.' })).body.id;
    await send(id, 'ahoy');
    const pid1 = (await runtime()).sessions[0].pid;
    expect(JSON.stringify((t.mock.requests.at(-1)!.body as { system: unknown }).system)).toContain('You are a pirate.');

    const patched = await t.json('PATCH', `/v1/sessions/${id}`, { system_prompt: 'You are a poet.', model: 'claude-haiku-4-5' });
    expect(patched.body).toMatchObject({ system_prompt: 'You are a poet.', model: 'claude-haiku-4-5' });
    const { body } = await send(id, 'verse');
    expect(historyOf(body.response_text)).toBe(3);
    const request = t.mock.requests.at(-1)!.body as { system: unknown; model: string };
    expect(JSON.stringify(request.system)).toContain('You are a poet.');
    expect(request.model).toBe('claude-haiku-4-5');
    const stats = await runtime();
    expect(stats.sessions[0].pid).not.toBe(pid1);
    expect(stats.evictions.settings_changed).toBe(1);
  });

  it('reports the pool in /v1/runtime (admin), never in the public /health', async () => {
    t = await startTestServer({ MAX_WARM_SESSIONS: '3' });
    await t.json('POST', '/chat', { message: 'hi' });
    const stats = (await t.json('GET', '/v1/runtime')).body;
    expect(stats).toMatchObject({ warm: 1, busy: 0, queued: 0, max_warm: 3, spawns: 1 });
    expect(stats.rss_bytes).toBeGreaterThan(0);
    const health = (await t.json('GET', '/health')).body;
    expect(Object.keys(health).sort()).toEqual(['demo', 'mode', 'model', 'sandbox', 'status', 'store', 'version']);
  });
});
