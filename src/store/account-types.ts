/**
 * Storage contracts of accounts, API keys, the usage ledger and retention (see types.ts for the
 * rest). Every backend implements them and runs the suites in test/store/.
 */

/** Per-account limits; null or absent = the server's default (from config). */
export interface AccountLimits {
  maxConcurrentTurns?: number | null;
  maxSessions?: number | null;
  dailyBudgetUsd?: number | null;
  monthlyBudgetUsd?: number | null;
  /** Input + output tokens (cache reads and writes not counted). */
  dailyTokens?: number | null;
  monthlyTokens?: number | null;
  /** Agent steps per turn (the SDK's maxTurns) a request may ask for at most. */
  maxTurns?: number | null;
  /** USD one turn may spend at most (the SDK's maxBudgetUsd). */
  maxTurnBudgetUsd?: number | null;
  /** Sessions idle longer than this are purged (may only be shorter than the server's). */
  retentionDays?: number | null;
  /** Bytes all of the account's session workspaces may hold together. */
  maxStorageBytes?: number | null;
}

/** What the admin allows an account's agents; absent or null = the server's configuration. */
export interface ToolPolicy {
  /** Built-in tools (Bash, Read, …) its agents may use: a subset of the server's CLAUDE_BUILTIN_TOOLS. */
  builtinTools?: string[] | null;
  /** Domains its agents may reach (egress allowlist). */
  allowedDomains?: string[] | null;
}

export interface AccountRecord {
  id: string;
  name: string;
  limits: AccountLimits;
  toolPolicy: ToolPolicy;
  createdAt: number;
}

export interface ApiKeyRecord {
  id: string;
  accountId: string;
  name: string | null;
  /** The first characters of the key, enough to recognise it; the rest is never stored. */
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface NewApiKey {
  id: string;
  accountId: string;
  name: string | null;
  prefix: string;
  /** SHA-256 (hex) of the whole key. */
  hash: string;
}

/** `limits` and `toolPolicy` each replace the stored value as a whole. */
export interface AccountPatch {
  name?: string;
  limits?: AccountLimits;
  toolPolicy?: ToolPolicy;
}

/** Accounts and API keys. */
export interface Accounts {
  /** Throws `StoreConflictError` when the id or name is taken. */
  create(account: { id: string; name: string; limits: AccountLimits }, now: number): Promise<AccountRecord>;
  get(id: string): Promise<AccountRecord | null>;
  /** By name (the CLI lets people name accounts). */
  getByName(name: string): Promise<AccountRecord | null>;
  /** All accounts, oldest first. */
  list(): Promise<AccountRecord[]>;
  /** `limits` replaces the stored limits as a whole. Null when no such account. */
  update(id: string, patch: AccountPatch): Promise<AccountRecord | null>;

  /** Throws `StoreNotFoundError` for an unknown account. */
  createKey(key: NewApiKey, now: number): Promise<ApiKeyRecord>;
  listKeys(accountId: string): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked (idempotent: the first revocation time stays). Null when the account has no such key. */
  revokeKey(accountId: string, keyId: string, now: number): Promise<ApiKeyRecord | null>;
  /** The key with this hash (revoked ones too, so callers can say so) and its account. */
  findKey(hash: string): Promise<{ key: ApiKeyRecord; account: AccountRecord } | null>;
  /** Sets `last_used_at`, unless it was set less than `minIntervalMs` ago (saves a write per request). */
  touchKey(keyId: string, now: number, minIntervalMs: number): Promise<void>;
  /** Whether any key that is not revoked exists (then the server requires keys). */
  hasActiveKeys(): Promise<boolean>;
}

export interface UsageRow {
  accountId: string;
  /** YYYY-MM-DD, UTC. */
  day: string;
  model: string;
  turns: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
}

/** The usage ledger: what each account spent per UTC day and model (written by `finishTurn`). */
export interface UsageLedger {
  /** Rows with `fromDay <= day <= toDay`, of one account or (null) all, by day, account, model. */
  report(accountId: string | null, fromDay: string, toDay: string): Promise<UsageRow[]>;
  /** The account's cost and input+output tokens on days `>= fromDay`. */
  spentSince(accountId: string, fromDay: string): Promise<{ costUsd: number; tokens: number }>;
}

/** When each account's sessions become due for purge. */
export interface RetentionCutoffs {
  /** Sessions last active before this epoch ms are due, unless their account has its own cutoff. */
  defaultCutoff: number;
  /** Accounts with their own (shorter) retention. */
  perAccount: Record<string, number>;
  /** The transcript project key of an account's sessions. */
  projectKey(accountId: string): string;
}

export interface PurgeReport {
  sessions: number;
  turns: number;
  events: number;
  /** Transcript entries, subagent transcripts included. */
  entries: number;
  /** Bytes of those transcript entries. */
  bytes: number;
  /** What went (or would go, in a dry run), so local transcript files can follow. */
  purged: Array<{ accountId: string; sessionId: string }>;
}

export interface StorageStats {
  sessions: number;
  turns: number;
  entries: number;
  /** Bytes of stored transcript entries. */
  bytes: number;
  /** Epoch ms of the least recent session activity; null with no sessions. */
  oldestActivityAt: number | null;
  /** Sessions due for purge now (busy ones excluded). */
  dueForPurge: number;
}

/** Retention: purging sessions past their account's retention, and what is stored. */
export interface RetentionStore {
  /**
   * Deletes (or, dry, only counts) sessions due under `cutoffs` that have no queued or running
   * turn: their turns, turn events, transcript entries (all subpaths) and summaries, and catalog
   * rows, each session in one transaction. At most `limit` sessions per call, oldest first.
   */
  purge(cutoffs: RetentionCutoffs, opts: { dryRun: boolean; limit: number; accountId?: string }): Promise<PurgeReport>;
  /** Totals for one account, or (null) the whole store. */
  stats(accountId: string | null, cutoffs: RetentionCutoffs): Promise<StorageStats>;
  /** Of these session ids, the ones that still exist (any account): local-file sweeps keep those. */
  existing(sessionIds: string[]): Promise<Set<string>>;
}
