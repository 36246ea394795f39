import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { MessageTooLargeError, NotFoundError, SessionBusyError } from '../errors.js';
import type { AgentEvent } from '../runtime/events.js';
import type { RunTurnResult, TurnRequest } from '../runtime/runtime.js';
import type {
  Catalog,
  SessionPage,
  SessionPatch,
  SessionRecord,
  TranscriptStore,
  TurnOutcome,
  TurnRecord,
} from '../store/types.js';
import { turnCostUsd } from './cost.js';

/** The part of the agent runtime the sessions domain uses. */
export interface TurnRunner {
  projectKey(accountId: string): string;
  runTurn(req: TurnRequest): Promise<RunTurnResult>;
  deleteLocalTranscript(accountId: string, sessionId: string): Promise<void>;
}

export interface Clock {
  now(): number;
}

export interface SessionServiceDeps {
  catalog: Catalog;
  transcripts: TranscriptStore;
  runtime: TurnRunner;
  clock: Clock;
  log: Logger;
  maxMessageBytes: number;
}

export interface SendMessageInput {
  accountId: string;
  /** Omitted: a new session is created for this message (the seed's POST /chat). */
  sessionId?: string;
  message: string;
  onEvent?: (event: AgentEvent) => void;
}

const TITLE_MAX = 80;

/** The sessions domain: the lifecycle of sessions and their turns, independent of HTTP. */
export class SessionService {
  /** Sessions with a turn in flight on this instance: one turn at a time per session. */
  private readonly running = new Set<string>();

  constructor(private readonly deps: SessionServiceDeps) {}

  create(accountId: string, input: { title?: string | null; tags?: string[] } = {}): Promise<SessionRecord> {
    return this.deps.catalog.createSession(
      { id: randomUUID(), accountId, title: input.title ?? null, tags: input.tags ?? [] },
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

  async update(accountId: string, id: string, patch: SessionPatch): Promise<SessionRecord> {
    const session = await this.deps.catalog.updateSession(accountId, id, patch);
    if (!session) throw new NotFoundError('session', id);
    return session;
  }

  /** Deletes the catalog rows, the stored transcript (with subagent transcripts) and local copies. */
  async delete(accountId: string, id: string): Promise<void> {
    await this.get(accountId, id);
    if (this.running.has(id)) throw new SessionBusyError(id);
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

  /**
   * Runs one turn and returns it finished (succeeded or failed). Input is checked before anything is
   * written, so a rejected message leaves no session or turn behind.
   */
  async sendMessage(input: SendMessageInput): Promise<{ session: SessionRecord; turn: TurnRecord }> {
    const bytes = Buffer.byteLength(input.message, 'utf8');
    if (bytes > this.deps.maxMessageBytes) throw new MessageTooLargeError(bytes, this.deps.maxMessageBytes);
    let session = input.sessionId
      ? await this.get(input.accountId, input.sessionId)
      : await this.create(input.accountId, { title: titleFrom(input.message) });
    if (this.running.has(session.id)) throw new SessionBusyError(session.id);

    this.running.add(session.id);
    try {
      if (session.title === null) {
        session = (await this.deps.catalog.updateSession(input.accountId, session.id, {
          title: titleFrom(input.message),
        }))!;
      }
      const turn = await this.deps.catalog.startTurn(
        { id: randomUUID(), sessionId: session.id, prompt: input.message, status: 'running' },
        this.deps.clock.now(),
      );
      const outcome = await this.runTurn(session, input);
      const finished = await this.deps.catalog.finishTurn(turn.id, outcome, this.deps.clock.now());
      const updated = (await this.deps.catalog.getSession(input.accountId, session.id)) ?? session;
      return { session: updated, turn: finished };
    } finally {
      this.running.delete(session.id);
    }
  }

  /** Marks turns a previous process left in flight as failed (called once at start-up). */
  recoverOrphans(): Promise<number> {
    return this.deps.catalog.failOrphanedTurns(
      'server_restarted',
      'The server stopped while this turn was running.',
      this.deps.clock.now(),
    );
  }

  private async runTurn(session: SessionRecord, input: SendMessageInput): Promise<TurnOutcome> {
    const log = this.deps.log.child({ session_id: session.id });
    try {
      const projectKey = this.deps.runtime.projectKey(session.accountId);
      const resume = await this.deps.transcripts.exists(projectKey, session.id);
      const r = await this.deps.runtime.runTurn({
        accountId: session.accountId,
        sessionId: session.id,
        prompt: input.message,
        resume,
        onEvent: input.onEvent ?? (() => {}),
      });
      return {
        status: r.status,
        responseText: r.responseText,
        toolCalls: r.toolCalls,
        usage: r.usage,
        costUsd: turnCostUsd(r.cumulativeCostUsd, session.costUsd, resume),
        durationMs: r.durationMs,
        numTurns: r.numTurns,
        errorCode: r.error?.code ?? null,
        errorMessage: r.error?.message ?? null,
        model: r.model,
      };
    } catch (err) {
      // A bug below us must still end the turn in the catalog, never leave it "running".
      log.error({ err }, 'turn failed unexpectedly');
      return failedOutcome('agent_error', `The turn failed: ${(err as Error).message}`);
    }
  }
}

function failedOutcome(code: string, message: string): TurnOutcome {
  return {
    status: 'failed',
    responseText: '',
    toolCalls: [],
    usage: { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    costUsd: 0,
    durationMs: 0,
    numTurns: 0,
    errorCode: code,
    errorMessage: message,
    model: null,
  };
}

function titleFrom(message: string): string {
  const line = message.trim().split('\n')[0] ?? '';
  return line.length > TITLE_MAX ? `${line.slice(0, TITLE_MAX - 1)}…` : line || 'New session';
}
