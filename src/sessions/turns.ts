import { randomUUID, type UUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Control, ControlRequest } from '../cluster/control.js';
import { sessionKey, turnKey, type Hub } from '../cluster/hub.js';
import { MessageTooLargeError, NotFoundError, ShuttingDownError } from '../errors.js';
import { AccountService } from '../accounts/service.js';
import type { Limits } from '../accounts/limits.js';
import type { PermissionDecision } from '../runtime/permissions.js';
import type { AgentEvent } from '../runtime/events.js';
import { StoreConflictError } from '../store/types.js';
import type { EventLog, IfBusy, LostTurn, SessionRecord, StoredEvent, TurnOutcome, TurnQueue, TurnRecord } from '../store/types.js';
import { turnCostUsd } from './cost.js';
import type { SessionDeps, SessionService } from './service.js';
import type { TurnObserver } from './turn-observer.js';
import { emptyOutcome, refusalError, titleFrom, TurnReporter } from './turn-report.js';
import { TurnStream } from './turn-stream.js';
import { terminalEvent, turnView } from './views.js';

export interface SendMessageInput {
  accountId: string;
  /** The account's limits (quotas, budgets, per-turn ceilings). */
  limits: Limits;
  /** Omitted: a new session is created for this message (the seed's POST /chat). */
  sessionId?: string;
  message: string;
  ifBusy?: IfBusy;
  /** Lower this turn's agent steps / spend than the account allows (never higher). */
  maxTurns?: number;
  maxBudgetUsd?: number;
  /** Settings of the session this message creates (without `sessionId`). */
  newSession?: { model?: string | null; systemPrompt?: string | null };
  /** A JSON schema the answer must match (structured output); the answer text is then its JSON. */
  outputSchema?: Record<string, unknown> | null;
}

/** A message once admitted: its own limits are settled. */
type AdmittedInput = SendMessageInput & { maxTurns: number; maxBudgetUsd: number };

export interface StartedTurn {
  sessionId: string;
  turnId: string;
  /** False when it waits behind another turn of its session. */
  immediate: boolean;
  /** Settles when the turn has ended and its event stream is closed. */
  done: Promise<{ turn: TurnRecord }>;
}

export interface TurnDeps extends SessionDeps {
  events: EventLog;
  queue: TurnQueue;
  hub: Hub;
  control: Control;
}

export interface TurnServiceOptions {
  maxQueued: number;
  maxMessageBytes: number;
  /** Throws `BudgetExceededError` when the account has spent a budget. */
  checkBudget(accountId: string, limits: Limits): Promise<void>;
  /** Told how every turn ended (metrics). */
  observer?: TurnObserver;
  /** Put message text (the prompt, the answer) in the turn's log lines (LOG_MESSAGES). */
  logMessages?: boolean;
  /** The offline demo model answers: its prices are made up, so turns cost 0 and spend no budget. */
  demo?: boolean;
}

/** Limits of 0 mean "unlimited"; the queue compares counts against a number. */
const orUnlimited = (n: number) => (n > 0 ? n : Number.MAX_SAFE_INTEGER);

/** A turn this instance admitted and has not finished: it runs here, now or when its go comes. */
interface LocalTurn {
  sessionId: string;
  running: boolean;
  /** Set by an interrupt that came before the turn reached the agent. */
  interruptRequested: boolean;
  /** The turn's logger: every line carries its session_id, turn_id and account_id. */
  log: Logger;
  /** Ms from the turn starting to run to its first text.delta. */
  firstTokenMs?: number;
}

/** What a turn waits for before it runs: its go (with its session as it then is), or news that it ended. */
type Go = { session: SessionRecord; previousRunner: string | null; fromQueue: boolean } | { ended: TurnRecord };

/** A queued turn looks at its queue at least this often, whatever it hears. */
const CLAIM_POLL_MS = 5_000;

/**
 * Turns: admitting a message under `if_busy`, running it on the agent runtime, recording it.
 * Each session's queue is in the store (TurnQueue), so every instance of a deployment sees the
 * same one; a turn runs on the instance that admitted it, once it is first in line. Every turn
 * ends in the catalog as succeeded, failed or interrupted — never left running.
 */
export class TurnService {
  private readonly local = new Map<string, LocalTurn>();
  private accepting = true;
  private stopping = false;

  private readonly report: TurnReporter;

  constructor(
    private readonly deps: TurnDeps,
    private readonly sessions: SessionService,
    private readonly opts: TurnServiceOptions,
  ) {
    this.report = new TurnReporter({ log: deps.log, observer: opts.observer, logMessages: opts.logMessages });
  }

  /** Runs one turn and returns it finished. */
  async send(input: SendMessageInput): Promise<{ turn: TurnRecord }> {
    return (await this.start(input)).done;
  }

  /**
   * Admits and records a turn, and sets it running (or queued) without waiting for it. Admission
   * and the turn's row (and a new session's) are one transaction, so a refused message leaves
   * nothing behind. Every event of the turn goes to its event log, the last one terminal.
   */
  async start(input: SendMessageInput): Promise<StartedTurn> {
    const bytes = Buffer.byteLength(input.message, 'utf8');
    if (bytes > this.opts.maxMessageBytes) throw new MessageTooLargeError(bytes, this.opts.maxMessageBytes);
    if (!this.accepting) throw new ShuttingDownError();
    const turnLimits = AccountService.turnLimits(input.limits, input);
    await this.opts.checkBudget(input.accountId, input.limits);
    const { queue, control, clock, hub } = this.deps;
    const sessionId = input.sessionId ?? randomUUID();
    const turnId = randomUUID();
    const title = titleFrom(input.message);
    const admitted = await queue.admit(
      {
        turn: { id: turnId, sessionId, prompt: input.message },
        accountId: input.accountId,
        newSession: input.sessionId ? undefined : { id: sessionId, accountId: input.accountId, title, ...input.newSession },
        title,
        ifBusy: input.ifBusy ?? 'reject',
        instanceId: control.instanceId,
        maxQueued: this.opts.maxQueued,
        accountMaxConcurrent: orUnlimited(input.limits.maxConcurrentTurns),
        maxSessions: orUnlimited(input.limits.maxSessions),
        // A turn that runs at once has started when its admission commits: say so in that commit.
        startEvents: [{ seq: 1, type: 'turn.started', data: startedData(turnId, sessionId) }],
      },
      clock.now(),
    );
    if (!admitted.ok) throw refusalError(admitted.reason, sessionId, input.limits, this.opts.maxQueued);
    if (admitted.superseded.length > 0) hub.notify(sessionKey(sessionId));
    if (admitted.interrupt?.instanceId) {
      const { instanceId: owner, turnId: running } = admitted.interrupt;
      control.call(owner, { op: 'interrupt', sessionId, turnId: running }).catch((err: unknown) => {
        const ids = { session_id: sessionId, turn_id: running, account_id: input.accountId };
        this.deps.log.warn({ err, ...ids }, 'could not interrupt the running turn');
      });
    }
    const immediate = admitted.turn.status === 'running';
    const log = this.deps.log.child({ session_id: sessionId, turn_id: turnId, account_id: input.accountId });
    log.info(
      { queued: !immediate, new_session: !input.sessionId, message_bytes: bytes, ...this.report.text('message', input.message) },
      'turn admitted',
    );
    this.local.set(turnId, { sessionId, running: immediate, interruptRequested: false, log });
    const stream = new TurnStream(turnId, this.deps.events, hub, clock.now, log);
    if (immediate) stream.loggedBefore(1);
    const go = immediate
      ? Promise.resolve({ session: admitted.session, previousRunner: admitted.previousRunner ?? null, fromQueue: false })
      : this.waitForGo(turnId, sessionId);
    const done = this.complete(turnId, { ...input, ...turnLimits }, sessionId, go, stream).finally(() => {
      this.local.delete(turnId);
      // The next turn in this session's queue, on whichever instance, may go now.
      hub.notify(sessionKey(sessionId));
    });
    return { sessionId, turnId, immediate, done };
  }

  /** Interrupts the session's running turn (only if it is `onlyTurnId`, when given), wherever it runs. */
  async interrupt(accountId: string, sessionId: string, onlyTurnId?: string): Promise<{ interrupted: boolean; turnId: string | null }> {
    await this.sessions.get(accountId, sessionId);
    const running = await this.runningTurn(sessionId);
    if (!running || (onlyTurnId !== undefined && running.turnId !== onlyTurnId)) return { interrupted: false, turnId: null };
    const ok = await this.deps.control.call(running.instanceId, { op: 'interrupt', sessionId, turnId: running.turnId });
    return ok ? { interrupted: true, turnId: running.turnId } : { interrupted: false, turnId: null };
  }

  /** Answers a tool-permission request of the session's running turn, from any connection to any instance. */
  async resolvePermission(accountId: string, sessionId: string, requestId: string, decision: PermissionDecision): Promise<void> {
    await this.sessions.get(accountId, sessionId);
    const running = await this.runningTurn(sessionId);
    const ok = running ? await this.deps.control.call(running.instanceId, { op: 'permission', sessionId, requestId, decision }) : false;
    if (!ok) throw new NotFoundError('permission', requestId);
  }

  /** What this instance does when asked (by itself or another instance) about a turn it runs. */
  async handle(req: ControlRequest): Promise<boolean> {
    if (req.op === 'permission') return this.deps.runtime.resolvePermission(req.sessionId, req.requestId, req.decision);
    const turn = this.local.get(req.turnId);
    if (!turn?.running || turn.sessionId !== req.sessionId) return false;
    turn.interruptRequested = true;
    turn.log.info('turn interrupt requested');
    await this.deps.runtime.interrupt(req.sessionId);
    return true;
  }

  /** Whether the session has a turn running or waiting, on any instance. */
  async isBusy(sessionId: string): Promise<boolean> {
    return (await this.deps.queue.active(sessionId)).length > 0;
  }

  /** Turns of this instance: running, and waiting their go. */
  counts(): { running: number; queued: number } {
    let running = 0;
    for (const t of this.local.values()) if (t.running) running++;
    return { running, queued: this.local.size - running };
  }

  /**
   * Closes the streams of turns another instance left behind (failed by `TurnQueue.failLost`):
   * the failure goes into their event logs, and their sessions' queues move on.
   */
  async closeLostTurns(lost: LostTurn[]): Promise<void> {
    const { catalog, events, hub, clock } = this.deps;
    for (const { turnId, sessionId, accountId } of lost) {
      let turn = await catalog.getTurn(accountId, sessionId, turnId);
      if (turn && turn.responseText === '') {
        // Its outcome was never written: keep at least the text its client saw streamed.
        const text = await streamedText(events, turnId);
        if (text) {
          await catalog.recoverResponseText(turnId, text);
          turn = { ...turn, responseText: text };
        }
      }
      if (turn) {
        const { type, data } = terminalEvent(turn);
        await events.append(turnId, [{ seq: (await events.lastSeq(turnId)) + 1, type, data }], clock.now());
      }
      hub.notify(turnKey(turnId));
      hub.notify(sessionKey(sessionId));
    }
  }

  /** This instance was declared lost and its turns failed elsewhere: stop running them here. */
  abandonRunning(): void {
    for (const turn of this.local.values()) {
      if (!turn.running) continue;
      turn.interruptRequested = true;
      turn.log.warn('stopping the turn: this instance was declared lost and the turn failed elsewhere');
      void this.deps.runtime.interrupt(turn.sessionId);
    }
  }

  /**
   * Stops taking turns, lets running and queued ones finish for up to `graceMs`, then ends every
   * agent process (turns still running then fail with `server_restarted`, queued ones too).
   */
  async drain(graceMs: number): Promise<void> {
    this.accepting = false;
    const deadline = Date.now() + graceMs;
    while (this.local.size > 0 && Date.now() < deadline) await sleep(50);
    this.stopping = true;
    for (const t of this.local.values()) this.deps.hub.wake(sessionKey(t.sessionId));
    await this.deps.runtime.close();
    // Let the turns the close just ended write their outcome before the store closes.
    while (this.local.size > 0 && Date.now() < deadline + 5_000) await sleep(20);
  }

  get draining(): boolean {
    return !this.accepting;
  }

  private async runningTurn(sessionId: string): Promise<{ turnId: string; instanceId: string } | null> {
    const [first] = await this.deps.queue.active(sessionId);
    return first?.status === 'running' && first.instanceId ? { turnId: first.turnId, instanceId: first.instanceId } : null;
  }

  /** Waits until the turn is first in its session's queue and claims it, or learns it ended. */
  private async waitForGo(turnId: string, sessionId: string): Promise<Go> {
    const { queue, control, clock, hub } = this.deps;
    for (;;) {
      if (this.stopping) return { ended: await this.abandon(turnId) };
      const claim = await queue.claim(turnId, control.instanceId, clock.now());
      if (claim.state === 'claimed') return { session: claim.session, previousRunner: claim.previousRunner, fromQueue: true };
      if (claim.state === 'ended') return { ended: claim.turn };
      await hub.wait(sessionKey(sessionId), CLAIM_POLL_MS);
    }
  }

  private abandon(turnId: string): Promise<TurnRecord> {
    const outcome = emptyOutcome('failed', 'server_restarted', 'The server shut down before this turn ran.');
    return this.deps.catalog.finishTurn(turnId, outcome, this.deps.clock.now());
  }

  private async complete(
    turnId: UUID,
    input: AdmittedInput,
    sessionId: string,
    go: Promise<Go>,
    stream: TurnStream,
  ): Promise<{ turn: TurnRecord }> {
    let outcome: TurnOutcome | null = null;
    try {
      const ready = await go;
      let turn: TurnRecord;
      /** The stream's end went into the log with the outcome (see record). */
      let closed = false;
      if ('ended' in ready) {
        turn = ready.ended;
      } else {
        this.local.get(turnId)!.running = true;
        outcome = await this.run(turnId, input, ready, stream);
        ({ turn, closed } = await this.record(turnId, input.accountId, sessionId, outcome, stream));
      }
      if (!closed) {
        const { type, data } = terminalEvent(turn);
        stream.emit(type, data);
      }
      this.report.logEnd(this.turnLog(turnId), turn);
      this.report.observe(turnId, input.accountId, turn, outcome, this.firstTokenMs(turnId));
      return { turn };
    } catch (err) {
      // Recording the turn failed (the store, most likely): its stream must still end, never hang.
      stream.emit('turn.failed', { code: 'internal_error', message: `The turn could not be recorded: ${(err as Error).message}` });
      this.turnLog(turnId).error({ err }, 'the turn could not be recorded');
      this.report.observe(turnId, input.accountId, { status: 'failed', errorCode: 'internal_error' }, outcome, this.firstTokenMs(turnId));
      throw err;
    } finally {
      await stream.flush();
    }
  }

  /**
   * Finishes the turn in the catalog in one transaction with the events still pending in its
   * stream and its terminal event, so a trivial turn's end costs one commit. When another
   * instance declared this one lost and failed the turn meanwhile, that stands: the pending
   * events then go to the log as usual and the caller closes the stream from the recorded turn.
   */
  private async record(
    turnId: string,
    accountId: string,
    sessionId: string,
    outcome: TurnOutcome,
    stream: TurnStream,
  ): Promise<{ turn: TurnRecord; closed: boolean }> {
    const { catalog, clock } = this.deps;
    const pending = await stream.takePending();
    let written: StoredEvent[] = pending;
    try {
      const turn = await catalog.finishTurn(turnId, outcome, clock.now(), (finished) => {
        const { type, data } = terminalEvent(finished);
        written = [...pending, stream.number(type, data)];
        return written;
      });
      stream.written();
      return { turn, closed: true };
    } catch (err) {
      // Nothing of that transaction stands; its events (the closing one too, numbered) go as usual.
      stream.restore(written === pending ? pending : written.slice(0, -1));
      const recorded = err instanceof StoreConflictError ? await catalog.getTurn(accountId, sessionId, turnId) : null;
      if (!recorded) throw err;
      return { turn: recorded, closed: false };
    }
  }

  private async run(
    turnId: UUID,
    input: AdmittedInput,
    /** With the session as admission (or the claim) left it: no second read. */
    { session, previousRunner, fromQueue }: Extract<Go, { session: SessionRecord }>,
    stream: TurnStream,
  ): Promise<TurnOutcome> {
    const sessionId = session.id;
    const { runtime, control } = this.deps;
    try {
      if (this.local.get(turnId)?.interruptRequested) return emptyOutcome('interrupted', null, 'Interrupted before it started.');
      // A queued turn's start is news now; an immediate one's went in with its admission.
      if (fromQueue) stream.emit('turn.started', startedData(turnId, sessionId));
      this.turnLog(turnId).info('turn started');
      // What the SDK's running total already counts: not the turns a fork copied from its source.
      const sdkCostSoFar = session.costUsd - session.inheritedCostUsd;
      const runStart = performance.now();
      const local = this.local.get(turnId);
      const r = await runtime.runTurn({
        accountId: session.accountId,
        sessionId,
        prompt: input.message,
        model: session.model,
        systemPrompt: session.systemPrompt,
        priorCostUsd: sdkCostSoFar,
        approvalTools: session.approvalTools,
        builtinTools: session.builtinTools,
        maxTurns: input.maxTurns,
        maxBudgetUsd: input.maxBudgetUsd,
        // The prompt's uuid in the transcript: a fork can then end exactly before a later turn.
        uuid: turnId,
        outputSchema: input.outputSchema ?? null,
        // Another instance ran the previous turn: a warm process here has not seen it.
        stale: previousRunner !== control.instanceId,
        onEvent: ({ type, ...data }: AgentEvent) => {
          if (type === 'text.delta' && local && local.firstTokenMs === undefined) local.firstTokenMs = performance.now() - runStart;
          stream.emit(type, data);
        },
      });
      return {
        status: r.status,
        responseText: r.responseText,
        toolCalls: r.toolCalls,
        usage: r.usage,
        costUsd: this.opts.demo ? 0 : turnCostUsd(r.cumulativeCostUsd, sdkCostSoFar),
        durationMs: r.durationMs,
        numTurns: r.numTurns,
        errorCode: r.error?.code ?? null,
        errorMessage: r.error?.message ?? null,
        model: r.model,
        crashed: r.error?.code === 'agent_crashed',
      };
    } catch (err) {
      // A bug below us must still end the turn in the catalog, never leave it "running".
      this.turnLog(turnId).error({ err }, 'turn failed unexpectedly');
      return emptyOutcome('failed', 'agent_error', `The turn failed: ${(err as Error).message}`);
    }
  }

  private firstTokenMs(turnId: string): number | null {
    return this.local.get(turnId)?.firstTokenMs ?? null;
  }

  /** The turn's logger (session_id, turn_id, account_id); once the turn is gone, the service's. */
  private turnLog(turnId: string): Logger {
    return this.local.get(turnId)?.log ?? this.deps.log.child({ turn_id: turnId });
  }
}

/** The text of a turn's `text.delta` events, in order. */
async function streamedText(events: EventLog, turnId: string): Promise<string> {
  let text = '';
  for (let after = 0; ; ) {
    const batch = await events.read(turnId, after, 500);
    if (batch.length === 0) return text;
    for (const e of batch) if (e.type === 'text.delta' && typeof e.data.text === 'string') text += e.data.text;
    after = batch.at(-1)!.seq;
  }
}

const startedData = (turnId: string, sessionId: string) => ({ turn_id: turnId, session_id: sessionId });

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
