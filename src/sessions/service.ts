import { randomUUID } from 'node:crypto';
import { NotFoundError, SessionArchivedError, SessionBusyError, TooManySessionsError, ValidationError } from '../errors.js';
import { SessionLimitError } from '../store/errors.js';
import type { PermissionDecision } from '../runtime/permissions.js';
import type { PoolStats } from '../runtime/pool.js';
import type { RunTurnResult, TurnRequest } from '../runtime/runtime.js';
import type { Catalog, SessionListQuery, SessionPage, SessionPatch, SessionRecord, TranscriptStore, TurnRecord } from '../store/types.js';
import type { Logger } from 'pino';

/** The part of the agent runtime the sessions domain uses. */
export interface AgentRunner {
  projectKey(accountId: string): string;
  runTurn(req: TurnRequest): Promise<RunTurnResult>;
  interrupt(sessionId: string): Promise<boolean>;
  resolvePermission(sessionId: string, requestId: string, decision: PermissionDecision): boolean;
  forget(sessionId: string): Promise<void>;
  deleteLocalTranscript(accountId: string, sessionId: string): Promise<void>;
  /** Copies a stored transcript (through `upToMessageId`, inclusive; all when absent) to a new session id. */
  forkTranscript(accountId: string, sessionId: string, upToMessageId: string | undefined): Promise<string>;
  /** Gives a fork a copy of its source's workspace files. */
  copyWorkspace(accountId: string, fromSessionId: string, toSessionId: string): Promise<void>;
  stats(): Promise<PoolStats>;
  close(): Promise<void>;
}

export interface Clock {
  now(): number;
}

export interface SessionDeps {
  catalog: Catalog;
  transcripts: TranscriptStore;
  runtime: AgentRunner;
  clock: Clock;
  log: Logger;
}

export interface NewSessionInput {
  title?: string | null;
  tags?: string[];
  model?: string | null;
  systemPrompt?: string | null;
  approvalTools?: string[] | null;
  builtinTools?: string[] | null;
}

/** Sessions as records: create, read, list, change and delete. Turns live in turns.ts. */
export class SessionService {
  constructor(
    private readonly deps: SessionDeps,
    private readonly hooks: {
      /** Whether a session has a turn in flight (deleting it then is refused). */
      isBusy(sessionId: string): Promise<boolean>;
      /** Ends warm processes of a deleted session on the other instances. */
      forgetElsewhere(sessionId: string): void;
    },
  ) {}

  /** `maxSessions`: the account's session limit (0 = none). */
  create(accountId: string, input: NewSessionInput = {}, maxSessions = 0): Promise<SessionRecord> {
    const session = {
      id: randomUUID(),
      accountId,
      title: input.title ?? null,
      tags: input.tags ?? [],
      model: input.model ?? null,
      systemPrompt: input.systemPrompt ?? null,
      approvalTools: input.approvalTools ?? null,
      builtinTools: input.builtinTools ?? null,
    };
    return withSessionLimit(this.deps.catalog.createSession(session, this.deps.clock.now(), maxSessions || undefined));
  }

  list(query: SessionListQuery): Promise<SessionPage> {
    return this.deps.catalog.listSessions(query);
  }

  async get(accountId: string, id: string): Promise<SessionRecord> {
    const session = await this.deps.catalog.getSession(accountId, id);
    if (!session) throw new NotFoundError('session', id);
    return session;
  }

  /** A change of model or system prompt takes effect at the next turn (in a new process). */
  async update(accountId: string, id: string, patch: SessionPatch): Promise<SessionRecord> {
    if ((await this.get(accountId, id)).status === 'archived') throw new SessionArchivedError(id);
    const session = await this.deps.catalog.updateSession(accountId, id, patch);
    if (!session) throw new NotFoundError('session', id);
    return session;
  }

  /** Deletes the catalog rows, the stored transcript (with subagent transcripts) and local copies. */
  async delete(accountId: string, id: string): Promise<void> {
    await this.get(accountId, id);
    if (await this.hooks.isBusy(id)) throw new SessionBusyError(id);
    await this.deps.runtime.forget(id);
    this.hooks.forgetElsewhere(id);
    const projectKey = this.deps.runtime.projectKey(accountId);
    await this.deps.transcripts.delete({ projectKey, sessionId: id });
    await this.deps.runtime.deleteLocalTranscript(accountId, id);
    await this.deps.catalog.deleteSession(accountId, id);
  }

  /** Archived sessions are read-only and left out of the default list; a busy one cannot be archived. */
  async setArchived(accountId: string, id: string, archived: boolean): Promise<SessionRecord> {
    const r = await this.deps.catalog.setArchived(accountId, id, archived);
    if (r.ok) return r.session;
    throw r.reason === 'busy' ? new SessionBusyError(id) : new NotFoundError('session', id);
  }

  /**
   * A new session of the same account that starts with the source's conversation through turn
   * `throughTurnId` (default: its latest finished turn) and goes on on its own. The transcript is
   * copied by the SDK's forkSession through our store; the catalog copies the turns, so history,
   * totals and the transcript agree. The source is not changed.
   */
  async fork(
    accountId: string,
    id: string,
    opts: { throughTurnId?: string; title?: string | null },
    maxSessions = 0,
  ): Promise<SessionRecord> {
    const source = await this.get(accountId, id);
    const turns = await this.deps.catalog.listTurns(accountId, id);
    const finished = turns.filter((t) => t.finishedAt !== null);
    const through = opts.throughTurnId ? turns.find((t) => t.id === opts.throughTurnId) : finished.at(-1);
    if (opts.throughTurnId && !through) throw new NotFoundError('turn', opts.throughTurnId);
    if (through && through.finishedAt === null) throw new ValidationError('A fork can only be made at a turn that has ended.');
    const projectKey = this.deps.runtime.projectKey(accountId);
    // Our turn ids are the uuids of their prompts in the transcript: the fork ends just before
    // the first later turn's prompt (a running turn's partial answer included, it is not copied).
    const later = new Set(turns.filter((t) => !through || t.seq > through.seq).map((t) => t.id));
    const entries = (await this.deps.transcripts.load({ projectKey, sessionId: id })) ?? [];
    const cut = entries.find((e) => typeof e.uuid === 'string' && later.has(e.uuid));
    let upTo: string | undefined;
    if (cut) {
      upTo = typeof cut.parentUuid === 'string' ? cut.parentUuid : undefined;
      if (!upTo) throw new ValidationError('There is nothing to fork before that turn.');
    }
    // A session that never reached the model has no transcript: its fork starts empty too.
    const forkId = entries.length > 0 ? await this.deps.runtime.forkTranscript(accountId, id, upTo) : randomUUID();
    await this.deps.runtime.copyWorkspace(accountId, id, forkId);
    const fork = {
      id: forkId,
      accountId,
      title: opts.title ?? `${source.title ?? 'Session'} (fork)`,
      tags: source.tags,
      model: source.model,
      systemPrompt: source.systemPrompt,
      approvalTools: source.approvalTools,
      builtinTools: source.builtinTools,
      forkedFrom: id,
    };
    try {
      const created = await withSessionLimit(
        this.deps.catalog.forkSession(accountId, id, fork, through?.seq ?? 0, this.deps.clock.now(), maxSessions || undefined),
      );
      if (!created) throw new NotFoundError('session', id);
      return created;
    } catch (err) {
      // The catalog refused (limit, or the source went): the copied transcript must not linger.
      await this.deps.transcripts.delete({ projectKey, sessionId: forkId });
      await this.deps.runtime.deleteLocalTranscript(accountId, forkId);
      throw err;
    }
  }

  async history(accountId: string, id: string): Promise<{ session: SessionRecord; turns: TurnRecord[] }> {
    const session = await this.get(accountId, id);
    return { session, turns: await this.deps.catalog.listTurns(accountId, id) };
  }

  async getTurn(accountId: string, sessionId: string, turnId: string): Promise<TurnRecord> {
    await this.get(accountId, sessionId);
    const turn = await this.deps.catalog.getTurn(accountId, sessionId, turnId);
    if (!turn) throw new NotFoundError('turn', turnId);
    return turn;
  }
}


/** The store's limit error as the domain's. */
async function withSessionLimit<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof SessionLimitError) throw new TooManySessionsError(err.limit);
    throw err;
  }
}
