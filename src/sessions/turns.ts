import { randomUUID } from 'node:crypto';
import { MessageTooLargeError, NotFoundError, ShuttingDownError } from '../errors.js';
import type { PermissionDecision } from '../runtime/permissions.js';
import { zeroUsage } from '../runtime/turn-mapper.js';
import type { AgentEvent } from '../runtime/events.js';
import type { EventLog, TurnOutcome, TurnRecord } from '../store/types.js';
import { turnCostUsd } from './cost.js';
import type { SessionDeps, SessionService } from './service.js';
import { SupersededError, TurnLanes, type IfBusy, type LaneLimits, type Ticket } from './turn-lanes.js';
import { TurnStream, type EventHub } from './turn-stream.js';
import { turnView } from './views.js';

export interface SendMessageInput {
  accountId: string;
  /** Omitted: a new session is created for this message (the seed's POST /chat). */
  sessionId?: string;
  message: string;
  ifBusy?: IfBusy;
}

export interface StartedTurn {
  sessionId: string;
  turnId: string;
  /** Settles when the turn has ended and its event stream is closed. */
  done: Promise<{ turn: TurnRecord }>;
}

export interface TurnDeps extends SessionDeps {
  events: EventLog;
  hub: EventHub;
}

export interface TurnServiceOptions extends LaneLimits {
  maxMessageBytes: number;
}

const TITLE_MAX = 80;

/**
 * Turns: admitting a message under `if_busy`, running it on the agent runtime, recording it.
 * Every turn ends in the catalog as succeeded, failed or interrupted — never left running.
 */
export class TurnService {
  readonly lanes: TurnLanes;
  private accepting = true;

  constructor(
    private readonly deps: TurnDeps,
    private readonly sessions: SessionService,
    private readonly opts: TurnServiceOptions,
  ) {
    this.lanes = new TurnLanes(opts);
  }

  /** Runs one turn and returns it finished. */
  async send(input: SendMessageInput): Promise<{ turn: TurnRecord }> {
    return (await this.start(input)).done;
  }

  /**
   * Admits and records a turn, and sets it running (or queued) without waiting for it. Input and
   * admission are checked before anything is written, so a rejected message leaves no session or
   * turn behind. Every event of the turn goes to its event log, the last one terminal.
   */
  async start(input: SendMessageInput): Promise<StartedTurn> {
    const bytes = Buffer.byteLength(input.message, 'utf8');
    if (bytes > this.opts.maxMessageBytes) throw new MessageTooLargeError(bytes, this.opts.maxMessageBytes);
    if (!this.accepting) throw new ShuttingDownError();
    const existing = input.sessionId ? await this.sessions.get(input.accountId, input.sessionId) : null;
    const sessionId = existing?.id ?? randomUUID();
    const turnId = randomUUID();
    const ticket = this.lanes.admit(sessionId, input.accountId, turnId, input.ifBusy ?? 'reject', () => {
      void this.deps.runtime.interrupt(sessionId);
    });
    const { catalog, clock } = this.deps;
    try {
      if (!existing) await this.sessions.create(input.accountId, { title: titleFrom(input.message) }, sessionId);
      else if (existing.title === null) await catalog.updateSession(input.accountId, sessionId, { title: titleFrom(input.message) });
      await catalog.startTurn(
        { id: turnId, sessionId, prompt: input.message, status: ticket.immediate ? 'running' : 'queued' },
        clock.now(),
      );
    } catch (err) {
      ticket.done();
      throw err;
    }
    const stream = new TurnStream(turnId, this.deps.events, this.deps.hub, clock.now, this.deps.log);
    const done = this.complete(ticket, input, sessionId, stream).finally(() => ticket.done());
    return { sessionId, turnId, done };
  }

  private async complete(ticket: Ticket, input: SendMessageInput, sessionId: string, stream: TurnStream) {
    const { catalog, clock } = this.deps;
    try {
      const outcome = await this.runWhenReady(ticket, input, sessionId, stream);
      const turn = await catalog.finishTurn(ticket.turnId, outcome, clock.now());
      const view = turnView(turn);
      if (turn.status === 'failed') stream.emit('turn.failed', { code: view.error?.code, message: view.error?.message, turn: view });
      else stream.emit('turn.finished', { turn: view });
      return { turn };
    } catch (err) {
      // Recording the turn failed (the store, most likely): its stream must still end, never hang.
      stream.emit('turn.failed', { code: 'internal_error', message: `The turn could not be recorded: ${(err as Error).message}` });
      throw err;
    } finally {
      await stream.flush();
    }
  }

  /** Interrupts the session's running turn (only if it is `onlyTurnId`, when given). */
  async interrupt(
    accountId: string,
    sessionId: string,
    onlyTurnId?: string,
  ): Promise<{ interrupted: boolean; turnId: string | null }> {
    await this.sessions.get(accountId, sessionId);
    const ticket = this.lanes.running(sessionId);
    if (!ticket || (onlyTurnId !== undefined && ticket.turnId !== onlyTurnId)) return { interrupted: false, turnId: null };
    ticket.interruptRequested = true;
    await this.deps.runtime.interrupt(sessionId);
    return { interrupted: true, turnId: ticket.turnId };
  }

  /** Answers a tool-permission request of the session's running turn, from any connection. */
  async resolvePermission(accountId: string, sessionId: string, requestId: string, decision: PermissionDecision): Promise<void> {
    await this.sessions.get(accountId, sessionId);
    if (!this.deps.runtime.resolvePermission(sessionId, requestId, decision)) throw new NotFoundError('permission', requestId);
  }

  isBusy(sessionId: string): boolean {
    return this.lanes.running(sessionId) !== null;
  }

  /** Marks turns a previous process left in flight as failed (called once at start-up). */
  recoverOrphans(): Promise<number> {
    return this.deps.catalog.failOrphanedTurns(
      'server_restarted',
      'The server stopped while this turn was running.',
      this.deps.clock.now(),
    );
  }

  /**
   * Stops taking turns, lets running and queued ones finish for up to `graceMs`, then ends every
   * agent process (turns still running then fail with `server_restarted`).
   */
  async drain(graceMs: number): Promise<void> {
    this.accepting = false;
    const deadline = Date.now() + graceMs;
    while (this.lanes.runningCount() > 0 && Date.now() < deadline) await sleep(50);
    await this.deps.runtime.close();
    // Let the turns the close just ended write their outcome before the store closes.
    while (this.lanes.runningCount() > 0 && Date.now() < deadline + 5_000) await sleep(20);
  }

  get draining(): boolean {
    return !this.accepting;
  }

  private async runWhenReady(
    ticket: Ticket,
    input: SendMessageInput,
    sessionId: string,
    stream: TurnStream,
  ): Promise<TurnOutcome> {
    const { catalog, clock, runtime, log } = this.deps;
    try {
      await ticket.ready;
    } catch (err) {
      if (err instanceof SupersededError) return emptyOutcome('interrupted', null, err.message);
      throw err;
    }
    try {
      if (!ticket.immediate) await catalog.markTurnRunning(ticket.turnId, clock.now());
      if (ticket.interruptRequested) return emptyOutcome('interrupted', null, 'Interrupted before it started.');
      const session = await this.sessions.get(input.accountId, sessionId);
      stream.emit('turn.started', { turn_id: ticket.turnId, session_id: sessionId });
      const r = await runtime.runTurn({
        accountId: session.accountId,
        sessionId,
        prompt: input.message,
        model: session.model,
        systemPrompt: session.systemPrompt,
        priorCostUsd: session.costUsd,
        approvalTools: session.approvalTools,
        onEvent: ({ type, ...data }: AgentEvent) => stream.emit(type, data),
      });
      return {
        status: r.status,
        responseText: r.responseText,
        toolCalls: r.toolCalls,
        usage: r.usage,
        costUsd: turnCostUsd(r.cumulativeCostUsd, session.costUsd),
        durationMs: r.durationMs,
        numTurns: r.numTurns,
        errorCode: r.error?.code ?? null,
        errorMessage: r.error?.message ?? null,
        model: r.model,
        crashed: r.error?.code === 'agent_crashed',
      };
    } catch (err) {
      // A bug below us must still end the turn in the catalog, never leave it "running".
      log.error({ err, session_id: sessionId }, 'turn failed unexpectedly');
      return emptyOutcome('failed', 'agent_error', `The turn failed: ${(err as Error).message}`);
    }
  }
}

/** The outcome of a turn that never reached the agent (or failed around it). */
function emptyOutcome(status: 'interrupted' | 'failed', errorCode: string | null, message: string): TurnOutcome {
  return {
    status,
    responseText: '',
    toolCalls: [],
    usage: zeroUsage(),
    costUsd: 0,
    durationMs: 0,
    numTurns: 0,
    errorCode,
    errorMessage: message,
    model: null,
  };
}

function titleFrom(message: string): string {
  const line = message.trim().split('\n')[0] ?? '';
  return line.length > TITLE_MAX ? `${line.slice(0, TITLE_MAX - 1)}…` : line || 'New session';
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
