import { randomUUID } from 'node:crypto';
import { MessageTooLargeError, ShuttingDownError } from '../errors.js';
import type { AgentEvent } from '../runtime/events.js';
import type { SessionRecord, TurnOutcome, TurnRecord } from '../store/types.js';
import { turnCostUsd } from './cost.js';
import type { SessionDeps, SessionService } from './service.js';
import { SupersededError, TurnLanes, type IfBusy, type LaneLimits, type Ticket } from './turn-lanes.js';

export interface SendMessageInput {
  accountId: string;
  /** Omitted: a new session is created for this message (the seed's POST /chat). */
  sessionId?: string;
  message: string;
  ifBusy?: IfBusy;
  onEvent?: (event: AgentEvent) => void;
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
    private readonly deps: SessionDeps,
    private readonly sessions: SessionService,
    private readonly opts: TurnServiceOptions,
  ) {
    this.lanes = new TurnLanes(opts);
  }

  /**
   * Runs one turn and returns it finished. Input and admission are checked before anything is
   * written, so a rejected message leaves no session or turn behind.
   */
  async send(input: SendMessageInput): Promise<{ session: SessionRecord; turn: TurnRecord }> {
    const bytes = Buffer.byteLength(input.message, 'utf8');
    if (bytes > this.opts.maxMessageBytes) throw new MessageTooLargeError(bytes, this.opts.maxMessageBytes);
    if (!this.accepting) throw new ShuttingDownError();
    const existing = input.sessionId ? await this.sessions.get(input.accountId, input.sessionId) : null;
    const sessionId = existing?.id ?? randomUUID();
    const turnId = randomUUID();
    const ticket = this.lanes.admit(sessionId, input.accountId, turnId, input.ifBusy ?? 'reject', () => {
      void this.deps.runtime.interrupt(sessionId);
    });
    try {
      const { catalog, clock } = this.deps;
      if (!existing) await this.sessions.create(input.accountId, { title: titleFrom(input.message) }, sessionId);
      else if (existing.title === null) await catalog.updateSession(input.accountId, sessionId, { title: titleFrom(input.message) });
      await catalog.startTurn(
        { id: turnId, sessionId, prompt: input.message, status: ticket.immediate ? 'running' : 'queued' },
        clock.now(),
      );
      const outcome = await this.runWhenReady(ticket, input, sessionId);
      const turn = await catalog.finishTurn(turnId, outcome, clock.now());
      return { session: await this.sessions.get(input.accountId, sessionId), turn };
    } finally {
      ticket.done();
    }
  }

  /** Interrupts the session's running turn. */
  async interrupt(accountId: string, sessionId: string): Promise<{ interrupted: boolean; turnId: string | null }> {
    await this.sessions.get(accountId, sessionId);
    const ticket = this.lanes.running(sessionId);
    if (!ticket) return { interrupted: false, turnId: null };
    ticket.interruptRequested = true;
    await this.deps.runtime.interrupt(sessionId);
    return { interrupted: true, turnId: ticket.turnId };
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

  private async runWhenReady(ticket: Ticket, input: SendMessageInput, sessionId: string): Promise<TurnOutcome> {
    const { catalog, clock, runtime, log } = this.deps;
    try {
      await ticket.ready;
    } catch (err) {
      if (err instanceof SupersededError) return interruptedOutcome(err.message);
      throw err;
    }
    if (!ticket.immediate) await catalog.markTurnRunning(ticket.turnId, clock.now());
    if (ticket.interruptRequested) return interruptedOutcome('Interrupted before it started.');
    const session = await this.sessions.get(input.accountId, sessionId);
    try {
      const r = await runtime.runTurn({
        accountId: session.accountId,
        sessionId,
        prompt: input.message,
        model: session.model,
        systemPrompt: session.systemPrompt,
        priorCostUsd: session.costUsd,
        onEvent: input.onEvent ?? (() => {}),
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
      return { ...interruptedOutcome(''), status: 'failed', errorCode: 'agent_error', errorMessage: `The turn failed: ${(err as Error).message}` };
    }
  }
}

function interruptedOutcome(message: string): TurnOutcome {
  return {
    status: 'interrupted',
    responseText: '',
    toolCalls: [],
    usage: { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    costUsd: 0,
    durationMs: 0,
    numTurns: 0,
    errorCode: null,
    errorMessage: message || null,
    model: null,
  };
}

function titleFrom(message: string): string {
  const line = message.trim().split('\n')[0] ?? '';
  return line.length > TITLE_MAX ? `${line.slice(0, TITLE_MAX - 1)}…` : line || 'New session';
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
