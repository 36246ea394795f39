import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';
import { AccountService, KEY_CACHE_TTL_MS, type Principal } from './service.js';
import { loadConfig } from '../config/config.js';

/**
 * The key cache over a real SQLite store shared by two services (two instances of one deployment):
 * revocation is at once on the instance that revoked, within KEY_CACHE_TTL_MS on the other, and a
 * cached key costs no query.
 */
describe('AccountService key cache', () => {
  let dir: string;
  let store: Store;
  let clock = Date.now();
  const service = () =>
    new AccountService(store, { adminKey: 'admin', loopback: true, defaults: loadConfig({}).accountDefaults, now: () => clock });
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'caa-keycache-'));
    store = await openStore({ postgres: null, databasePath: path.join(dir, 'db.sqlite') } as never);
  });
  afterAll(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });
  const code = (p: Promise<Principal>) => p.then(() => 'ok', (e: { code?: string }) => e.code);

  it('revoked here: refused at once; revoked elsewhere: refused within the TTL, not before a lookup', async () => {
    const a = service();
    const b = service();
    const account = await a.createAccount({ name: `acme-${Date.now()}` });
    const k1 = await a.createKey(account.id, 'one');
    const k2 = await a.createKey(account.id, 'two');
    for (const s of [a, b]) for (const k of [k1, k2]) expect(await code(s.authenticate(`Bearer ${k.key}`))).toBe('ok');

    // Cached: a second request runs no statement.
    const before = store.stats.statements;
    expect(await code(b.authenticate(`Bearer ${k1.key}`))).toBe('ok');
    expect(store.stats.statements).toBe(before);

    await a.revokeKey(account.id, k1.record.id);
    expect(await code(a.authenticate(`Bearer ${k1.key}`))).toBe('api_key_revoked');
    // b still has it cached (the documented bound), and refuses it once that has passed.
    expect(await code(b.authenticate(`Bearer ${k1.key}`))).toBe('ok');
    clock += KEY_CACHE_TTL_MS;
    expect(await code(b.authenticate(`Bearer ${k1.key}`))).toBe('api_key_revoked');
    // The other key is untouched on both.
    expect(await code(a.authenticate(`Bearer ${k2.key}`))).toBe('ok');
    expect(await code(b.authenticate(`Bearer ${k2.key}`))).toBe('ok');
  });

  it('an unknown key is never cached: a key created on another instance works at once', async () => {
    const a = service();
    const b = service();
    const account = await a.createAccount({ name: `beta-${Date.now()}` });
    const k = await a.createKey(account.id, null);
    await a.revokeKey(account.id, k.record.id);
    expect(await code(b.authenticate(`Bearer ${k.key}`))).toBe('api_key_revoked');
    expect(await code(b.authenticate('Bearer caa_' + 'x'.repeat(43)))).toBe('invalid_api_key');
    const fresh = await a.createKey(account.id, null);
    expect(await code(b.authenticate(`Bearer ${fresh.key}`))).toBe('ok');
  });
});
