import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';

describe('health, readiness and the OpenAPI document', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('GET /health is the seed’s shape plus the mode', async () => {
    const { status, body } = await t.json('GET', '/health');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'healthy', mode: 'live', demo: false, store: process.env.TEST_STORE === 'postgres' ? 'postgres' : 'sqlite', model: 'claude-sonnet-4-5' });
  });

  it('GET /ready answers 200 while the database answers, 503 once it is gone', async () => {
    expect((await t.json('GET', '/ready')).body).toEqual({ status: 'ready', sandbox: { kind: 'bubblewrap', mode: 'auto' } });
    await t.server.store.close();
    const down = await t.json('GET', '/ready');
    expect(down.status).toBe(503);
    expect(down.body.error.code).toBe('not_ready');
  });

  it('serves an OpenAPI 3.1 document with every operation and the error schema', async () => {
    const { status, body } = await t.json('GET', '/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    const ops = Object.values(body.paths as Record<string, Record<string, { operationId: string }>>)
      .flatMap((p) => Object.values(p).map((o) => o.operationId))
      .sort();
    expect(ops).toEqual([
      'account.get',
      'account.storageStats',
      'account.usage',
      'admin.accounts.create',
      'admin.accounts.get',
      'admin.accounts.list',
      'admin.accounts.update',
      'admin.keys.create',
      'admin.keys.list',
      'admin.keys.revoke',
      'admin.purge',
      'admin.storageStats',
      'admin.usage',
      'files.delete',
      'files.get',
      'files.list',
      'files.put',
      'messages.list',
      'messages.send',
      'openai.chat.completions',
      'openai.models.get',
      'openai.models.list',
      'openai.responses.cancel',
      'openai.responses.create',
      'openai.responses.get',
      'permissions.decide',
      'runtime.get',
      'seed.chat',
      'seed.getSession',
      'sessions.archive',
      'sessions.create',
      'sessions.delete',
      'sessions.fork',
      'sessions.get',
      'sessions.interrupt',
      'sessions.list',
      'sessions.unarchive',
      'sessions.update',
      'system.health',
      'system.ready',
      'turns.events',
      'turns.get',
    ]);
    expect(body.components.schemas.StreamEvent).toBeDefined();
    expect(body.paths['/v1/sessions/{id}/messages'].post.responses['200'].content['text/event-stream']).toBeDefined();
    expect(body.components.schemas.Error).toBeDefined();
    expect(body.components.schemas.Turn.properties.tool_calls).toBeDefined();
    expect(body.paths['/v1/sessions/{id}/messages'].post.responses['409']).toBeDefined();
  });
});
