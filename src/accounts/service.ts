import { randomUUID } from 'node:crypto';
import { BudgetExceededError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../errors.js';
import type { Accounts, AccountLimits, AccountPatch, AccountRecord, ApiKeyRecord, UsageLedger, UsageRow } from '../store/types.js';
import { generateKey, hashKey, looksLikeKey, sameSecret } from './keys.js';
import { dayOf, monthStartOf, resolveLimits, windowEnds, type Limits } from './limits.js';

/** The single account of a server that runs without keys (loopback only). */
export const LOCAL_ACCOUNT = 'local';

/** Who a request acts for. */
export type Principal =
  | { kind: 'account'; accountId: string; limits: Limits }
  /** The admin key: manages accounts and keys, owns no sessions. */
  | { kind: 'admin' }
  /** No keys anywhere and a loopback listener: one person's machine, who is also its admin. */
  | { kind: 'local'; accountId: string; limits: Limits };

export interface AccountServiceOptions {
  adminKey: string | undefined;
  /** The server listens on a loopback address only. */
  loopback: boolean;
  defaults: Limits;
  /** The server's built-in tools (CLAUDE_BUILTIN_TOOLS): an account's policy can only narrow them. */
  builtinTools?: string[];
  now(): number;
}

/** An account's tool policy with the server's configuration applied. */
export interface EffectiveToolPolicy {
  builtinTools: string[];
  allowedDomains: string[];
}

/** `last_used_at` is written at most this often per key, not on every request. */
const TOUCH_INTERVAL_MS = 60_000;
/** How long "are there keys?" is remembered (decides whether keyless requests are allowed). */
const KEYS_CHECK_TTL_MS = 1_000;
/**
 * How long a valid key's lookup is remembered, so a burst of requests costs one query. The bound
 * on revocation: a key revoked through another instance (or the CLI) is refused here within this
 * long; through this instance, at once (revokeKey forgets it). Only valid keys are remembered —
 * an unknown key is looked up every time, so a key created elsewhere works at once.
 */
export const KEY_CACHE_TTL_MS = 5_000;
/** At most this many keys remembered; past it the cache starts over (a guard, not an LRU). */
const KEY_CACHE_MAX = 10_000;

type FoundKey = { key: ApiKeyRecord; account: AccountRecord };

/** Accounts, their keys and limits: who may call, and how much they may use. */
export class AccountService {
  private keysSeen: { value: boolean; at: number } | null = null;
  /** Valid keys by hash, with when they were read (see KEY_CACHE_TTL_MS). */
  private readonly keyCache = new Map<string, { found: FoundKey; at: number }>();

  constructor(
    private readonly store: { accounts: Accounts; usage: UsageLedger },
    private readonly opts: AccountServiceOptions,
  ) {}

  now(): number {
    return this.opts.now();
  }

  /** Whether requests must carry a key: always off loopback, and once an admin key or any key exists. */
  async keysRequired(): Promise<boolean> {
    if (!this.opts.loopback || this.opts.adminKey) return true;
    const now = this.opts.now();
    if (!this.keysSeen || now - this.keysSeen.at > KEYS_CHECK_TTL_MS) {
      this.keysSeen = { value: await this.store.accounts.hasActiveKeys(), at: now };
    }
    return this.keysSeen.value;
  }

  /** The principal of an `Authorization` header value (absent = no header). */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (authorization === undefined) {
      if (await this.keysRequired()) {
        throw new UnauthorizedError('unauthorized', 'Send an API key as `Authorization: Bearer <key>`.');
      }
      // Account ids are UUIDs, so `local` never has a row of its own: the server's limits apply.
      return { kind: 'local', accountId: LOCAL_ACCOUNT, limits: this.opts.defaults };
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) throw new UnauthorizedError('invalid_api_key', 'The Authorization header must be `Bearer <key>`.');
    const presented = m[1]!;
    if (this.opts.adminKey && sameSecret(presented, this.opts.adminKey)) return { kind: 'admin' };
    if (!looksLikeKey(presented)) throw new UnauthorizedError('invalid_api_key', 'That is not a valid API key.');
    const found = await this.findKey(hashKey(presented));
    const now = this.opts.now();
    // The lookup read last_used_at (or the cache keeps it): most requests need no write at all.
    if (found.key.lastUsedAt === null || now - found.key.lastUsedAt >= TOUCH_INTERVAL_MS) {
      found.key.lastUsedAt = now;
      void this.store.accounts.touchKey(found.key.id, now, TOUCH_INTERVAL_MS).catch(() => {});
    }
    return { kind: 'account', accountId: found.account.id, limits: resolveLimits(found.account.limits, this.opts.defaults) };
  }

  /** A valid key's record and account, from the cache while fresh; refusals are never cached. */
  private async findKey(hash: string): Promise<FoundKey> {
    const now = this.opts.now();
    const cached = this.keyCache.get(hash);
    if (cached && now - cached.at < KEY_CACHE_TTL_MS) return cached.found;
    this.keyCache.delete(hash);
    const found = await this.store.accounts.findKey(hash);
    if (!found) throw new UnauthorizedError('invalid_api_key', 'That API key is not valid.');
    if (found.key.revokedAt !== null) throw new UnauthorizedError('api_key_revoked', 'That API key has been revoked.');
    if (this.keyCache.size >= KEY_CACHE_MAX) this.keyCache.clear();
    this.keyCache.set(hash, { found, at: now });
    return found;
  }

  /** Forgets the cached keys of an account (it changed here: its limits, or a key revoked). */
  private forgetKeys(accountId: string): void {
    for (const [hash, { found }] of this.keyCache) if (found.account.id === accountId) this.keyCache.delete(hash);
  }

  /** The account a principal acts for; the admin key owns no sessions. */
  static accountOf(p: Principal): { accountId: string; limits: Limits } {
    if (p.kind === 'admin') {
      throw new ForbiddenError('The admin key manages accounts and keys; call this with an account’s API key.');
    }
    return p;
  }

  static requireAdmin(p: Principal): void {
    if (p.kind === 'account') throw new ForbiddenError('This needs the admin key (ADMIN_API_KEY).');
  }

  createAccount(input: { name: string; limits?: AccountLimits }): Promise<AccountRecord> {
    return this.store.accounts.create({ id: randomUUID(), name: input.name, limits: input.limits ?? {} }, this.opts.now());
  }

  listAccounts(): Promise<AccountRecord[]> {
    return this.store.accounts.list();
  }

  /** By id, or by name (the CLI's convenience). */
  async getAccount(idOrName: string): Promise<AccountRecord> {
    const account = (await this.store.accounts.get(idOrName)) ?? (await this.store.accounts.getByName(idOrName));
    if (!account) throw new NotFoundError('account', idOrName);
    return account;
  }

  /**
   * The account a new key is for. `local` — the implicit account of keyless mode, whose sessions
   * stay where they are when the first key ends keyless mode — gets a row of its own on its first
   * key, so a key of `local` reaches those sessions.
   */
  async accountForKey(idOrName: string): Promise<AccountRecord> {
    if (idOrName !== LOCAL_ACCOUNT) return this.getAccount(idOrName);
    return (
      (await this.store.accounts.get(LOCAL_ACCOUNT)) ??
      (await this.store.accounts.create({ id: LOCAL_ACCOUNT, name: LOCAL_ACCOUNT, limits: {} }, this.opts.now()))
    );
  }

  async updateAccount(id: string, patch: AccountPatch): Promise<AccountRecord> {
    const account = await this.store.accounts.update(id, patch);
    if (!account) throw new NotFoundError('account', id);
    this.forgetKeys(account.id);
    return account;
  }

  /**
   * The tool policy in force for an account: its own built-in tools narrowed to the server's (an
   * admin cannot enable a tool the server does not offer), else the server's. Keyless local use
   * and unknown accounts get the server's.
   */
  async toolPolicy(accountId: string): Promise<EffectiveToolPolicy> {
    const server = this.opts.builtinTools ?? [];
    const own = accountId === LOCAL_ACCOUNT ? null : ((await this.store.accounts.get(accountId))?.toolPolicy ?? null);
    const builtin = own?.builtinTools;
    return {
      builtinTools: builtin ? server.filter((t) => builtin.includes(t)) : [...server],
      allowedDomains: own?.allowedDomains ?? [],
    };
  }

  /** A new key for the account: the secret is in the result and nowhere else, ever. */
  async createKey(accountId: string, name: string | null): Promise<{ key: string; record: ApiKeyRecord }> {
    await this.getAccount(accountId);
    const g = generateKey();
    const record = await this.store.accounts.createKey(
      { id: randomUUID(), accountId, name, prefix: g.prefix, hash: g.hash },
      this.opts.now(),
    );
    this.keysSeen = null;
    return { key: g.key, record };
  }

  async listKeys(accountId: string): Promise<ApiKeyRecord[]> {
    await this.getAccount(accountId);
    return this.store.accounts.listKeys(accountId);
  }

  async revokeKey(accountId: string, keyId: string): Promise<ApiKeyRecord> {
    const key = await this.store.accounts.revokeKey(accountId, keyId, this.opts.now());
    if (!key) throw new NotFoundError('api_key', keyId);
    this.keysSeen = null;
    this.forgetKeys(key.accountId);
    return key;
  }

  usage(accountId: string | null, fromDay: string, toDay: string): Promise<UsageRow[]> {
    return this.store.usage.report(accountId, fromDay, toDay);
  }

  /** Where the account stands against its budgets now. */
  async budgets(accountId: string, limits: Limits) {
    const now = this.opts.now();
    const ends = windowEnds(now);
    const [day, month] = await Promise.all([
      this.store.usage.spentSince(accountId, dayOf(now)),
      this.store.usage.spentSince(accountId, monthStartOf(now)),
    ]);
    return {
      daily: { spent: day, limitUsd: limits.dailyBudgetUsd, limitTokens: limits.dailyTokens, resetsAt: ends.day },
      monthly: { spent: month, limitUsd: limits.monthlyBudgetUsd, limitTokens: limits.monthlyTokens, resetsAt: ends.month },
    };
  }

  /** Refuses a new turn when a budget is spent (a running turn may still overshoot by its own budget). */
  async checkBudget(accountId: string, limits: Limits): Promise<void> {
    if (!limits.dailyBudgetUsd && !limits.monthlyBudgetUsd && !limits.dailyTokens && !limits.monthlyTokens) return;
    const b = await this.budgets(accountId, limits);
    const now = this.opts.now();
    for (const [window, w] of [['daily', b.daily], ['monthly', b.monthly]] as const) {
      if (w.limitUsd > 0 && w.spent.costUsd >= w.limitUsd) {
        throw new BudgetExceededError(window, 'usd', w.limitUsd, w.spent.costUsd, w.resetsAt, now);
      }
      if (w.limitTokens > 0 && w.spent.tokens >= w.limitTokens) {
        throw new BudgetExceededError(window, 'tokens', w.limitTokens, w.spent.tokens, w.resetsAt, now);
      }
    }
  }

  /** A turn's own limits: what the request asked for, never above the account's. */
  static turnLimits(limits: Limits, asked: { maxTurns?: number; maxBudgetUsd?: number }): { maxTurns: number; maxBudgetUsd: number } {
    if (asked.maxTurns !== undefined && asked.maxTurns > limits.maxTurns) {
      throw new ValidationError(`max_turns may be at most ${limits.maxTurns} for this account.`, { max_turns: limits.maxTurns });
    }
    if (asked.maxBudgetUsd !== undefined && asked.maxBudgetUsd > limits.maxTurnBudgetUsd) {
      throw new ValidationError(`max_budget_usd may be at most ${limits.maxTurnBudgetUsd} for this account.`, {
        max_budget_usd: limits.maxTurnBudgetUsd,
      });
    }
    return { maxTurns: asked.maxTurns ?? limits.maxTurns, maxBudgetUsd: asked.maxBudgetUsd ?? limits.maxTurnBudgetUsd };
  }
}
