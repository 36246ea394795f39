import { randomUUID } from 'node:crypto';
import { NotFoundError, SessionBusyError } from '../errors.js';
import type { PermissionDecision } from '../runtime/permissions.js';
import type { PoolStats } from '../runtime/pool.js';
import type { RunTurnResult, TurnRequest } from '../runtime/runtime.js';
import type { Catalog, SessionPage, SessionPatch, SessionRecord, TranscriptStore, TurnRecord } from '../store/types.js';
import type { Logger } from 'pino';

/** The part of the agent runtime the sessions domain uses. */
export interface AgentRunner {
  projectKey(accountId: string): string;
  runTurn(req: TurnRequest): Promise<RunTurnResult>;
  interrupt(sessionId: string): Promise<boolean>;
  resolvePermission(sessionId: string, requestId: string, decision: PermissionDecision): boolean;
  forget(sessionId: string): Promise<void>;
  deleteLocalTranscript(accountId: string, sessionId: string): Promise<void>;
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

  create(accountId: string, input: NewSessionInput = {}, id: string = randomUUID()): Promise<SessionRecord> {
    return this.deps.catalog.createSession(
      {
        id,
        accountId,
        title: input.title ?? null,
        tags: input.tags ?? [],
        model: input.model ?? null,
        systemPrompt: input.systemPrompt ?? null,
        approvalTools: input.approvalTools ?? null,
      },
      this.deps.clock.now(),
    );
  }

  list(accountId: string, page: { limit: number; cursor?: string }): Promise<SessionPage> {
    return this.deps.catalog.listSessions({ accountId, ...page });
  }

  async get(accountId: string, id: string): Promise<SessionRecord> {
    const session = await this.deps.catalog.getSession(accountId, id);
    if (!session) throw new NotFoundError('session', id);
    return session;
  }

  /** A change of model or system prompt takes effect at the next turn (in a new process). */
  async update(accountId: string, id: string, patch: SessionPatch): Promise<SessionRecord> {
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

  async history(accountId: string, id: string): Promise<{ session: SessionRecord; turns: TurnRecord[] }> {
    const session = await this.get(accountId, id);
    return { session, turns: await this.deps.catalog.listTurns(id) };
  }

  async getTurn(accountId: string, sessionId: string, turnId: string): Promise<TurnRecord> {
    await this.get(accountId, sessionId);
    const turn = await this.deps.catalog.getTurn(sessionId, turnId);
    if (!turn) throw new NotFoundError('turn', turnId);
    return turn;
  }
}

