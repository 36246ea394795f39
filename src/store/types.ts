import type { SessionStore } from '@anthropic-ai/claude-agent-sdk';
import type { Accounts, RetentionStore, UsageLedger } from './account-types.js';
import type { ModelCallLedger } from './model-calls.js';
import type { OpenAiIndex } from './openai-index.js';
import type { StoreStats } from './stats.js';

export type * from './account-types.js';

/**
 * Storage contracts in domain terms. Every backend (sqlite/, later postgres/) implements these and
 * runs the same conformance suites in test/store/. Nothing outside store/ writes SQL.
 */

export type SessionStatus = 'idle' | 'running' | 'crashed' | 'archived';
export type TurnStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'interrupted';

export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export interface ToolCall {
  /** The model's tool_use id. */
  id: string;
  name: string;
  input: unknown;
  /** Text of the tool result; null while the call has no result (e.g. the turn failed mid-call). */
  result: string | null;
  is_error: boolean;
  /** The call was refused (by policy, a person, or an approval timeout) and never ran. */
  denied?: boolean;
}

export interface SessionRecord {
  id: string;
  accountId: string;
  title: string | null;
  tags: string[];
  status: SessionStatus;
  /** The model this session runs on; null = the server's default. */
  model: string | null;
  /** This session's system prompt; null = the server's default. */
  systemPrompt: string | null;
  /** Tools that need a person's approval in this session; null = the server's default list. */
  approvalTools: string[] | null;
  /** Built-in tools this session narrows its account's to; null = all the account's. */
  builtinTools: string[] | null;
  createdAt: number; // epoch ms
  lastActiveAt: number; // epoch ms
  turnCount: number;
  usage: TokenUsage;
  costUsd: number;
  /** Of `costUsd`, what the turns copied from the source of a fork cost (0 for other sessions). */
  inheritedCostUsd: number;
  forkedFrom: string | null;
}

export interface TurnRecord {
  id: string;
  sessionId: string;
  seq: number;
  status: TurnStatus;
  prompt: string;
  responseText: string;
  toolCalls: ToolCall[];
  usage: TokenUsage;
  costUsd: number;
  durationMs: number;
  numTurns: number;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: number;
  finishedAt: number | null;
}

export interface NewSession {
  id: string;
  accountId: string;
  title?: string | null;
  tags?: string[];
  model?: string | null;
  systemPrompt?: string | null;
  approvalTools?: string[] | null;
  builtinTools?: string[] | null;
  forkedFrom?: string | null;
}

export interface NewTurn {
  id: string;
  sessionId: string;
  prompt: string;
  status: TurnStatus;
  /** The instance that runs it (see TurnQueue). */
  instanceId?: string | null;
  /** Queued turns of higher priority run first (`if_busy: interrupt` = 1). */
  priority?: number;
}

/** Everything a finished turn adds to its session's totals, written together with the turn. */
export interface TurnOutcome {
  status: Exclude<TurnStatus, 'queued' | 'running'>;
  responseText: string;
  toolCalls: ToolCall[];
  usage: TokenUsage;
  costUsd: number;
  durationMs: number;
  numTurns: number;
  errorCode: string | null;
  errorMessage: string | null;
  model: string | null;
  /** The agent process died during the turn: the session is marked `crashed` until its next turn. */
  crashed?: boolean;
}

export interface SessionListQuery {
  accountId: string;
  limit: number;
  /** Opaque cursor returned by a previous page (issued for the same filters). */
  cursor?: string;
  /** false (default): only sessions that are not archived; true: only archived ones. */
  archived?: boolean;
  /** Case-insensitive substring of the title. */
  search?: string;
  /** Sessions carrying this tag (exact match). */
  tag?: string;
}

export interface SessionPage {
  sessions: SessionRecord[];
  nextCursor: string | null;
}

export interface SessionPatch {
  title?: string | null;
  tags?: string[];
  model?: string | null;
  systemPrompt?: string | null;
  approvalTools?: string[] | null;
  builtinTools?: string[] | null;
}

/** Outcome of archiving or unarchiving: refused while a turn runs or waits. */
export type ArchiveResult = { ok: true; session: SessionRecord } | { ok: false; reason: 'not_found' | 'busy' };

/** Sessions and turns: the fast index the API reads. Every call is scoped by account. */
export interface Catalog {
  /**
   * Creates the session row. Throws a `StoreConflictError` if the id already exists and a
   * `SessionLimitError` if the account already has `maxSessions` sessions (checked in the same
   * transaction, under a per-account lock on PostgreSQL, so concurrent creates cannot overshoot).
   */
  createSession(session: NewSession, now: number, maxSessions?: number): Promise<SessionRecord>;
  /**
   * Creates `fork` (same account as the source, `forkedFrom` = source) with copies (new ids, same
   * seqs) of the source's finished turns up to `throughSeq` (all when null), and totals summed
   * from them. Null when the source does not exist in the account. Same limit rule as createSession.
   */
  forkSession(
    accountId: string,
    sourceId: string,
    fork: NewSession,
    throughSeq: number | null,
    now: number,
    maxSessions?: number,
  ): Promise<SessionRecord | null>;
  /** Archives (read-only, hidden from the default list) or unarchives a session without active turns. */
  setArchived(accountId: string, id: string, archived: boolean): Promise<ArchiveResult>;
  getSession(accountId: string, id: string): Promise<SessionRecord | null>;
  /** Newest `lastActiveAt` first (ties broken by id), cursor-paginated. */
  listSessions(query: SessionListQuery): Promise<SessionPage>;
  updateSession(accountId: string, id: string, patch: SessionPatch): Promise<SessionRecord | null>;
  /** Deletes the session and its turns. Returns false when no such session. */
  deleteSession(accountId: string, id: string): Promise<boolean>;

  /**
   * Inserts a turn with the next `seq` for its session, marks the session running and touches
   * `lastActiveAt`, in one transaction.
   */
  startTurn(turn: NewTurn, now: number): Promise<TurnRecord>;
  /**
   * Writes a turn's outcome and folds its usage/cost into the session totals and into the
   * account's usage ledger (UTC day of `now`, the outcome's model), in one transaction — with the
   * events `events` builds from the finished turn (the stream's last ones, its terminal event),
   * so a finished turn and the end of its stream commit together. Throws `StoreNotFoundError`
   * for an unknown turn and `StoreConflictError` for one that is no longer active.
   */
  finishTurn(turnId: string, outcome: TurnOutcome, now: number, events?: (turn: TurnRecord) => StoredEvent[]): Promise<TurnRecord>;
  /**
   * Gives a failed turn that has no response text the text its client saw streamed (a crash cut
   * it before its outcome was written); a turn that has text keeps it.
   */
  recoverResponseText(turnId: string, text: string): Promise<void>;
  /** The turn, if its session belongs to the account. */
  getTurn(accountId: string, sessionId: string, turnId: string): Promise<TurnRecord | null>;
  /** All turns of a session of the account in `seq` order (empty when the session is not the account's). */
  listTurns(accountId: string, sessionId: string): Promise<TurnRecord[]>;
}

/** What to do with a message for a session that already has a turn running or waiting. */
export type IfBusy = 'reject' | 'enqueue' | 'interrupt';

/** A turn that holds its session: running, or waiting its go. */
export interface ActiveTurn {
  turnId: string;
  status: 'queued' | 'running';
  /** The instance that runs it (null: recorded before instances were tracked). */
  instanceId: string | null;
  priority: number;
  seq: number;
}

export interface Admission {
  turn: { id: string; sessionId: string; prompt: string };
  accountId: string;
  /** A message that starts a session: created in the same transaction, so a refusal leaves nothing. */
  newSession?: NewSession;
  /** Becomes the session's title if it has none. */
  title: string;
  ifBusy: IfBusy;
  instanceId: string;
  maxQueued: number;
  accountMaxConcurrent: number;
  /** With `newSession`: the account may hold at most this many sessions. */
  maxSessions?: number;
  /** Logged in the admission's transaction if the turn runs at once (its `turn.started`). */
  startEvents?: StoredEvent[];
}

export type AdmissionRefusal =
  | 'session_not_found'
  | 'archived'
  | 'busy'
  | 'queue_full'
  | 'too_many_turns'
  | 'too_many_sessions';

export type AdmitResult =
  | {
      ok: true;
      turn: TurnRecord;
      /** The session as the admission left it: what the run needs (no second read). */
      session: SessionRecord;
      /** Set when the turn runs at once: the instance that ran the session's previous turn. */
      previousRunner?: string | null;
      /** `if_busy: interrupt`: the running turn to stop. */
      interrupt: ActiveTurn | null;
      /** Waiting `interrupt` turns this one replaced (now `interrupted`). */
      superseded: string[];
    }
  | { ok: false; reason: AdmissionRefusal };

export type ClaimResult =
  | { state: 'claimed'; turn: TurnRecord; session: SessionRecord; previousRunner: string | null }
  | { state: 'waiting' }
  /** The turn ended before it ran (superseded, or failed because its instance was lost). */
  | { state: 'ended'; turn: TurnRecord };

export interface LostTurn {
  turnId: string;
  sessionId: string;
  /** The session's account, so the caller can read the turn scoped by account. */
  accountId: string;
  /** The instance that had the turn (null: none had claimed it). */
  instanceId?: string | null;
}

/**
 * Each session's turns form a queue in the database, so any number of instances agree on it: a
 * turn is admitted under `if_busy` and later claimed in a transaction that holds the session row,
 * and at most one turn per session is `running` at a time. Instances heartbeat; the active turns
 * of one whose heartbeat stopped are failed by the others.
 */
export interface TurnQueue {
  /** Admits a turn (running at once, or queued) or refuses it; refusals write nothing. */
  admit(admission: Admission, now: number): Promise<AdmitResult>;
  /** Starts a queued turn if it is first in its session's queue and nothing runs. */
  claim(turnId: string, instanceId: string, now: number): Promise<ClaimResult>;
  /** The session's running and waiting turns, the running one first, then in run order. */
  active(sessionId: string): Promise<ActiveTurn[]>;
  /**
   * Records a live instance (again, if it was declared dead). Other instances with the same
   * `home` (host and data directory) are earlier processes of this one, so they are marked dead.
   */
  registerInstance(id: string, home: string, now: number): Promise<void>;
  /** False when the instance had been declared dead (its row is gone). */
  heartbeat(id: string, now: number): Promise<boolean>;
  deregisterInstance(id: string): Promise<void>;
  /**
   * Fails the active turns of every instance whose last heartbeat is before `liveSince` (and of
   * none), idles their sessions unless other turns wait, and forgets those instances.
   */
  failLost(liveSince: number, error: { code: string; message: string }, now: number): Promise<LostTurn[]>;
}

/** One event of a turn's stream, as logged. `seq` is the SSE event id (1, 2, … per turn). */
export interface StoredEvent {
  seq: number;
  type: string;
  /** The event's fields other than `type`. */
  data: Record<string, unknown>;
}

/** The durable stream of each turn: the buffer every reader (and reconnect) works from. */
export interface EventLog {
  /** Appends events in order (their seqs continue the turn's). Idempotent on (turn, seq). */
  append(turnId: string, events: StoredEvent[], now: number): Promise<void>;
  /** Events with seq > `afterSeq`, in order, at most `limit`. */
  read(turnId: string, afterSeq: number, limit: number): Promise<StoredEvent[]>;
  /** The highest seq logged for the turn, 0 when none. */
  lastSeq(turnId: string): Promise<number>;
  /** Deletes the events of turns that ended before `cutoff`. Returns how many events went. */
  prune(cutoff: number): Promise<number>;
}

/** The SDK's transcript contract with the optional methods we always provide. */
export type TranscriptStore = Required<
  Pick<SessionStore, 'append' | 'load' | 'listSessions' | 'listSessionSummaries' | 'delete' | 'listSubkeys'>
> & {
  /** True when a main transcript has at least one entry (cheap: decides `resume` vs a new id). */
  exists(projectKey: string, sessionId: string): Promise<boolean>;
};

export interface Store {
  readonly backend: 'sqlite' | 'postgres';
  /** The migrations opening this store applied (empty when the schema was already current). */
  readonly migrated: string[];
  /** SQL statements and write transactions run so far (read-only for callers). */
  readonly stats: Readonly<StoreStats>;
  readonly catalog: Catalog;
  readonly transcripts: TranscriptStore;
  readonly events: EventLog;
  readonly queue: TurnQueue;
  readonly accounts: Accounts;
  readonly usage: UsageLedger;
  readonly retention: RetentionStore;
  /** Lookups of the OpenAI-compatible routes (conversations, response ids). */
  readonly openai: OpenAiIndex;
  /** One row per model call the gateway forwarded: exact usage and cost (issue 19). */
  readonly modelCalls: ModelCallLedger;
  /** Cross-instance notifications (PostgreSQL LISTEN/NOTIFY); null where one instance is all there is. */
  readonly bus: StoreBus | null;
  /** Liveness of the database (for /ready). */
  ping(): Promise<void>;
  /** This code's migrations the database has not recorded as applied (for /ready); [] when current. */
  pendingMigrations(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Best-effort messages between instances sharing a database. Nothing relies on delivery for
 * correctness (the tables are the truth); a lost message only delays a waiter until it polls.
 */
export interface StoreBus {
  /** The largest message `send` carries (PostgreSQL NOTIFY payloads stay under 8000 bytes). */
  readonly maxMessageBytes: number;
  /** Starts listening as instance `self`: keys published and messages sent to it by others. */
  listen(self: string, handlers: { onKey(key: string): void; onMessage(body: unknown): void }): Promise<void>;
  /** Tells every other instance that `key` changed. */
  publish(key: string): Promise<void>;
  /** Sends a small JSON message to one instance. */
  send(to: string, body: unknown): Promise<void>;
}

/** Raised by a store when a unique key already exists. */
export class StoreConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConflictError';
  }
}
