import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseLimits } from '../../src/store/account-rows.js';
import { StoreConflictError, StoreNotFoundError } from '../../src/store/errors.js';
import type { AccountRecord, ApiKeyRecord, NewApiKey, Store, TurnOutcome } from '../../src/store/types.js';

const T0 = 1_750_000_000_000; // 2025-06-15T15:06:40Z
const DAY = 86_400_000;

const newKey = (id: string, accountId: string, over: Partial<NewApiKey> = {}): NewApiKey => ({
  id,
  accountId,
  name: `key ${id}`,
  prefix: `sk-${id}`,
  hash: `hash-of-${id}`.padEnd(64, '0'),
  ...over,
});

/** Behaviour every `Accounts` and `UsageLedger` backend must show. Needs a whole store: the ledger is written by turns. */
export function accountsContract(name: string, factory: () => Promise<{ store: Store; cleanup(): Promise<void> }>): void {
  describe(`Accounts contract: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await factory());
    });
    afterEach(() => cleanup());

    describe('accounts', () => {
      it('creates accounts and reads them by id, by name and in creation order', async () => {
        const limits = { maxSessions: 5, dailyBudgetUsd: 1.5, monthlyTokens: null };
        const beta = await store.accounts.create({ id: 'acc_b', name: 'beta', limits }, T0 + 1);
        expect(beta).toEqual({ id: 'acc_b', name: 'beta', limits, toolPolicy: {}, createdAt: T0 + 1 });
        await store.accounts.create({ id: 'acc_a', name: 'alpha', limits: {} }, T0 + 1);
        await store.accounts.create({ id: 'acc_z', name: 'zulu', limits: {} }, T0);

        expect(await store.accounts.get('acc_b')).toEqual(beta);
        expect(await store.accounts.getByName('beta')).toEqual(beta);
        expect(await store.accounts.get('beta')).toBeNull();
        expect(await store.accounts.getByName('acc_b')).toBeNull();
        // Oldest first; the same creation time falls back to the id.
        expect((await store.accounts.list()).map((a) => a.id)).toEqual(['acc_z', 'acc_a', 'acc_b']);
      });

      it('refuses a taken id or a taken name and leaves the existing account alone', async () => {
        const first = await store.accounts.create({ id: 'acc_1', name: 'one', limits: { maxSessions: 1 } }, T0);
        await expect(store.accounts.create({ id: 'acc_1', name: 'other', limits: {} }, T0 + 1)).rejects.toBeInstanceOf(StoreConflictError);
        await expect(store.accounts.create({ id: 'acc_2', name: 'one', limits: {} }, T0 + 1)).rejects.toBeInstanceOf(StoreConflictError);
        expect(await store.accounts.list()).toEqual([first]);
        expect(await store.accounts.getByName('other')).toBeNull();
      });

      it('updates the name and replaces the limits as a whole', async () => {
        await store.accounts.create({ id: 'acc_1', name: 'one', limits: { maxSessions: 3, dailyTokens: 1000 } }, T0);
        expect(await store.accounts.update('acc_1', { name: 'uno' })).toEqual({
          id: 'acc_1',
          name: 'uno',
          limits: { maxSessions: 3, dailyTokens: 1000 },
          toolPolicy: {},
          createdAt: T0,
        });
        expect(await store.accounts.getByName('one')).toBeNull();
        const replaced = await store.accounts.update('acc_1', { limits: { monthlyBudgetUsd: 20 } });
        expect(replaced?.limits).toEqual({ monthlyBudgetUsd: 20 });
        expect((await store.accounts.get('acc_1'))?.limits).toEqual({ monthlyBudgetUsd: 20 });
        const both = await store.accounts.update('acc_1', { name: 'one', limits: {} });
        expect(both).toEqual({ id: 'acc_1', name: 'one', limits: {}, toolPolicy: {}, createdAt: T0 });
        expect(await store.accounts.update('acc_1', {})).toEqual(both);
        // Keeping its own name is no clash.
        expect(await store.accounts.update('acc_1', { name: 'one' })).toEqual(both);
      });

      it('replaces the tool policy as a whole, and a key lookup carries it', async () => {
        await store.accounts.create({ id: 'acc_1', name: 'one', limits: { maxSessions: 3 } }, T0);
        const policy = { builtinTools: ['Read', 'Bash'], allowedDomains: ['example.com'] };
        expect((await store.accounts.update('acc_1', { toolPolicy: policy }))?.toolPolicy).toEqual(policy);
        expect((await store.accounts.get('acc_1'))?.limits).toEqual({ maxSessions: 3 });
        await store.accounts.createKey({ id: 'key_1', accountId: 'acc_1', name: null, prefix: 'caa_x', hash: 'h-policy' }, T0);
        expect((await store.accounts.findKey('h-policy'))?.account.toolPolicy).toEqual(policy);
        expect((await store.accounts.update('acc_1', { toolPolicy: {} }))?.toolPolicy).toEqual({});
      });

      it('update: null for an unknown account, a conflict for a taken name', async () => {
        await store.accounts.create({ id: 'acc_1', name: 'one', limits: {} }, T0);
        const two = await store.accounts.create({ id: 'acc_2', name: 'two', limits: { maxTurns: 4 } }, T0);
        expect(await store.accounts.update('nope', { name: 'x' })).toBeNull();
        expect(await store.accounts.update('nope', {})).toBeNull();
        await expect(store.accounts.update('acc_2', { name: 'one', limits: {} })).rejects.toBeInstanceOf(StoreConflictError);
        expect(await store.accounts.get('acc_2')).toEqual(two);
      });

      it('reads limits that are not a JSON object as none', () => {
        expect(parseLimits('{"maxSessions":2}')).toEqual({ maxSessions: 2 });
        for (const bad of ['', 'not json', '[1]', 'null', '3']) expect(parseLimits(bad)).toEqual({});
      });
    });

    describe('api keys', () => {
      let acc1: AccountRecord;
      beforeEach(async () => {
        acc1 = await store.accounts.create({ id: 'acc_1', name: 'one', limits: { maxSessions: 7 } }, T0);
        await store.accounts.create({ id: 'acc_2', name: 'two', limits: {} }, T0);
      });

      /** A record must never carry the key's hash (nor anything else derived from the secret). */
      function expectNoSecret(record: ApiKeyRecord, hash: string): void {
        expect(record).not.toHaveProperty('hash');
        expect(Object.values(record)).not.toContain(hash);
      }

      it('creates keys without returning the hash and lists an account’s keys in creation order', async () => {
        const k = newKey('k1', 'acc_1');
        const created = await store.accounts.createKey(k, T0 + 5);
        expect(created).toEqual({
          id: 'k1',
          accountId: 'acc_1',
          name: 'key k1',
          prefix: 'sk-k1',
          createdAt: T0 + 5,
          lastUsedAt: null,
          revokedAt: null,
        });
        expectNoSecret(created, k.hash);
        await store.accounts.createKey(newKey('k0', 'acc_1', { name: null }), T0 + 5);
        await store.accounts.createKey(newKey('k2', 'acc_1'), T0 + 1);
        await store.accounts.createKey(newKey('other', 'acc_2'), T0);

        const listed = await store.accounts.listKeys('acc_1');
        expect(listed.map((key) => key.id)).toEqual(['k2', 'k0', 'k1']);
        expect(listed[1]!.name).toBeNull();
        for (const key of listed) expectNoSecret(key, newKey(key.id, 'acc_1').hash);
        expect((await store.accounts.listKeys('acc_2')).map((key) => key.id)).toEqual(['other']);
        expect(await store.accounts.listKeys('nope')).toEqual([]);
      });

      it('refuses a key for an unknown account, and a taken key id or hash', async () => {
        await expect(store.accounts.createKey(newKey('k1', 'nope'), T0)).rejects.toBeInstanceOf(StoreNotFoundError);
        await store.accounts.createKey(newKey('k1', 'acc_1'), T0);
        await expect(store.accounts.createKey(newKey('k1', 'acc_2', { hash: 'f'.repeat(64) }), T0)).rejects.toBeInstanceOf(
          StoreConflictError,
        );
        await expect(store.accounts.createKey(newKey('k2', 'acc_2', { hash: newKey('k1', '').hash }), T0)).rejects.toBeInstanceOf(
          StoreConflictError,
        );
        expect(await store.accounts.listKeys('acc_2')).toEqual([]);
        expect(await store.accounts.hasActiveKeys()).toBe(true);
      });

      it('revokes only through the key’s own account, once (the first time stays)', async () => {
        await store.accounts.createKey(newKey('k1', 'acc_1'), T0);
        expect(await store.accounts.revokeKey('acc_2', 'k1', T0 + 10)).toBeNull();
        expect((await store.accounts.listKeys('acc_1'))[0]!.revokedAt).toBeNull();
        expect(await store.accounts.revokeKey('acc_1', 'nope', T0 + 10)).toBeNull();

        const revoked = await store.accounts.revokeKey('acc_1', 'k1', T0 + 20);
        expect(revoked).toMatchObject({ id: 'k1', accountId: 'acc_1', revokedAt: T0 + 20 });
        expectNoSecret(revoked!, newKey('k1', 'acc_1').hash);
        expect(await store.accounts.revokeKey('acc_1', 'k1', T0 + 30)).toEqual(revoked);
        expect(await store.accounts.listKeys('acc_1')).toEqual([revoked]);
      });

      it('finds a key by its hash with its account, revoked or not', async () => {
        const k = newKey('k1', 'acc_1');
        const created = await store.accounts.createKey(k, T0);
        await store.accounts.createKey(newKey('k2', 'acc_2'), T0);
        const found = await store.accounts.findKey(k.hash);
        expect(found).toEqual({ key: created, account: acc1 });
        expectNoSecret(found!.key, k.hash);
        expect((await store.accounts.findKey(newKey('k2', '').hash))?.account.id).toBe('acc_2');
        expect(await store.accounts.findKey('0'.repeat(64))).toBeNull();
        // Exactly the hash that was passed is what is looked up.
        expect(await store.accounts.findKey(k.hash.toUpperCase())).toBeNull();

        await store.accounts.revokeKey('acc_1', 'k1', T0 + 7);
        expect(await store.accounts.findKey(k.hash)).toEqual({ key: { ...created, revokedAt: T0 + 7 }, account: acc1 });
      });

      it('touchKey writes last use at most once per interval', async () => {
        const k = newKey('k1', 'acc_1');
        await store.accounts.createKey(k, T0);
        await store.accounts.createKey(newKey('k2', 'acc_1'), T0);
        const lastUsed = async (id: string) => (await store.accounts.listKeys('acc_1')).find((key) => key.id === id)!.lastUsedAt;

        await store.accounts.touchKey('k1', T0 + 1_000, 60_000);
        expect(await lastUsed('k1')).toBe(T0 + 1_000);
        expect(await lastUsed('k2')).toBeNull();
        await store.accounts.touchKey('k1', T0 + 60_999, 60_000);
        expect(await lastUsed('k1')).toBe(T0 + 1_000);
        await store.accounts.touchKey('k1', T0 + 61_000, 60_000);
        expect(await lastUsed('k1')).toBe(T0 + 61_000);
        expect((await store.accounts.findKey(k.hash))?.key.lastUsedAt).toBe(T0 + 61_000);
        await expect(store.accounts.touchKey('nope', T0, 0)).resolves.toBeUndefined();
      });

      it('hasActiveKeys follows keys being created and revoked', async () => {
        expect(await store.accounts.hasActiveKeys()).toBe(false);
        await store.accounts.createKey(newKey('k1', 'acc_1'), T0);
        expect(await store.accounts.hasActiveKeys()).toBe(true);
        await store.accounts.createKey(newKey('k2', 'acc_2'), T0);
        await store.accounts.revokeKey('acc_1', 'k1', T0 + 1);
        expect(await store.accounts.hasActiveKeys()).toBe(true);
        await store.accounts.revokeKey('acc_2', 'k2', T0 + 1);
        expect(await store.accounts.hasActiveKeys()).toBe(false);
      });
    });

    describe('usage ledger (written by finishTurn)', () => {
      const day1 = '2025-06-15';
      const day2 = '2025-06-16';
      const day3 = '2025-06-17';
      let turns = 0;

      /** Runs one turn in the session that finishes at `at` with this model, usage and cost. */
      async function spend(sessionId: string, at: number, model: string, tokens: [number, number, number, number], costUsd: number) {
        const id = `t${++turns}`;
        await store.catalog.startTurn({ id, sessionId, prompt: 'p', status: 'running' }, at);
        const [input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens] = tokens;
        const outcome: TurnOutcome = {
          status: 'succeeded',
          responseText: 'ok',
          toolCalls: [],
          usage: { input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens },
          costUsd,
          durationMs: 1,
          numTurns: 1,
          errorCode: null,
          errorMessage: null,
          model,
        };
        await store.catalog.finishTurn(id, outcome, at);
      }

      beforeEach(async () => {
        await store.catalog.createSession({ id: 's1', accountId: 'acc_1' }, T0);
        await store.catalog.createSession({ id: 's2', accountId: 'acc_2' }, T0);
        await spend('s1', T0, 'm-a', [10, 5, 3, 2], 0.01);
        await spend('s1', T0 + 60_000, 'm-a', [20, 7, 1, 0], 0.02);
        await spend('s1', T0 + 120_000, 'm-b', [100, 50, 0, 0], 0.5);
        await spend('s2', T0, 'm-a', [7, 3, 0, 0], 0.2);
        await spend('s1', T0 + DAY, 'm-a', [1, 1, 0, 0], 0.001);
        await spend('s2', T0 + DAY, 'm-c', [1000, 2000, 5, 6], 1.5);
        await spend('s1', T0 + 2 * DAY, 'm-a', [4, 4, 0, 0], 9);
      });

      const row = (accountId: string, day: string, model: string, turns: number, t: [number, number, number, number], costUsd: number) => ({
        accountId,
        day,
        model,
        turns,
        inputTokens: t[0],
        outputTokens: t[1],
        cacheReadTokens: t[2],
        cacheWriteTokens: t[3],
        costUsd: expect.closeTo(costUsd, 10) as unknown as number,
      });

      it('reports per day, account and model within the range, in that order', async () => {
        const all = await store.usage.report(null, day1, day2);
        expect(all).toEqual([
          row('acc_1', day1, 'm-a', 2, [30, 12, 4, 2], 0.03),
          row('acc_1', day1, 'm-b', 1, [100, 50, 0, 0], 0.5),
          row('acc_2', day1, 'm-a', 1, [7, 3, 0, 0], 0.2),
          row('acc_1', day2, 'm-a', 1, [1, 1, 0, 0], 0.001),
          row('acc_2', day2, 'm-c', 1, [1000, 2000, 5, 6], 1.5),
        ]);
        for (const r of all) for (const v of [r.turns, r.inputTokens, r.costUsd]) expect(typeof v).toBe('number');
        expect(await store.usage.report('acc_1', day2, day3)).toEqual([
          row('acc_1', day2, 'm-a', 1, [1, 1, 0, 0], 0.001),
          row('acc_1', day3, 'm-a', 1, [4, 4, 0, 0], 9),
        ]);
        expect(await store.usage.report('acc_2', day3, day3)).toEqual([]);
        expect(await store.usage.report('nope', day1, day3)).toEqual([]);
      });

      it('spentSince sums cost and input+output tokens from a day on', async () => {
        const all = await store.usage.spentSince('acc_1', day1);
        expect(all.costUsd).toBeCloseTo(0.03 + 0.5 + 0.001 + 9, 10);
        expect(all.tokens).toBe(42 + 150 + 2 + 8);
        const later = await store.usage.spentSince('acc_1', day2);
        expect(later.costUsd).toBeCloseTo(9.001, 10);
        expect(later.tokens).toBe(10);
        expect(await store.usage.spentSince('acc_2', day2)).toEqual({ costUsd: 1.5, tokens: 3000 });
        expect(await store.usage.spentSince('acc_2', day3)).toEqual({ costUsd: 0, tokens: 0 });
        expect(await store.usage.spentSince('nope', day1)).toEqual({ costUsd: 0, tokens: 0 });
      });
    });
  });
}
