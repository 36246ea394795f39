import { randomUUID, type UUID } from 'node:crypto';
import { query, type CanUseTool, type Options, type PermissionResult, type Query, type SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import type { Logger } from 'pino';
import type { TurnErrorCode } from '../errors.js';
import { ChildHandle, type Launcher } from './child-process.js';
import type { AgentEvent } from './events.js';
import { Inbox } from './inbox.js';
import { TurnMapper, type TurnResult } from './turn-mapper.js';

/** How a turn ended, as the runtime reports it. */
export type TurnEnd = Omit<TurnResult, 'status'> & { status: 'succeeded' | 'failed' | 'interrupted' };

type TurnError = { code: TurnErrorCode; message: string };

/** What a tool-permission decision may depend on: the turn asking, if any. */
export interface TurnContext {
  emit: (e: AgentEvent) => void;
  approvalTools: readonly string[];
  /** Built-in tools the account may use this turn (its tool policy); null = all the server's. */
  builtinTools: readonly string[] | null;
}

export type PermissionGate = (
  tool: string,
  input: Record<string, unknown>,
  opts: Parameters<CanUseTool>[2],
  turn: TurnContext | null,
) => Promise<PermissionResult>;

export interface TurnInput {
  prompt: string;
  onEvent: (e: AgentEvent) => void;
  timeoutMs: number;
  /** Tools that need a person's approval during this turn. */
  approvalTools: readonly string[];
  builtinTools?: readonly string[] | null;
  /** The prompt's uuid in the transcript (a fresh one when absent). */
  uuid?: UUID;
}

interface ActiveTurn extends TurnContext {
  uuid: string;
  mapper: TurnMapper;
  /** Resolves once the CLI has initialised this turn; an interrupt before that is a no-op (SDK #429). */
  initialised: Promise<void>;
  markInitialised: () => void;
  interrupted: boolean;
  failure: TurnError | null;
  timer: NodeJS.Timeout;
  resolve: (end: TurnEnd) => void;
}

const INTERRUPT_SETTLE_MS = 2_000;
const INIT_WAIT_MS = 5_000;
const EXIT_GRACE_MS = 5_000;
const BUSY_EXIT_GRACE_MS = 250;

/**
 * One long-lived `claude` process serving every turn of one session: a `query()` in
 * streaming-input mode whose prompt iterable stays open. Turns run one at a time; each pushes one
 * user message and ends at the `result` that echoes its uuid.
 */
export class WarmSession {
  readonly spawnedAt = Date.now();
  lastUsedAt = Date.now();
  turnsServed = 0;
  /** Resolves when the process has exited and the reader loop has ended. */
  readonly exited: Promise<void>;

  private readonly inbox = new Inbox();
  private readonly child: ChildHandle;
  private readonly q: Query;
  private readonly stderr: string[] = [];
  private current: ActiveTurn | null = null;
  private dead = false;
  private closing = false;
  /** The CLI said `system/init` at least once (a sandbox that failed to start never does). */
  private started = false;
  private readonly sandboxed: boolean;
  /** The SDK's running cost total as last reported; starts at what the transcript had saved. */
  private cumulativeCostUsd: number;

  constructor(
    readonly sessionId: string,
    /** What the process was built with (model, system prompt); a change needs a new process. */
    readonly fingerprint: string,
    options: Options & { maxBudgetUsd: number },
    /** The session's cost before this process: the SDK's running total resumes from it. */
    private readonly baselineCostUsd: number,
    /** Whether the process resumed a stored transcript (else it starts a new one). */
    readonly resumed: boolean,
    gate: PermissionGate,
    private readonly log: Logger,
    onExit: (session: WarmSession) => void,
    launch?: Launcher,
  ) {
    this.child = new ChildHandle((data) => {
      this.stderr.push(data);
      if (this.stderr.length > 50) this.stderr.shift();
    }, launch);
    this.sandboxed = launch !== undefined;
    const canUseTool: CanUseTool = (tool, input, opts) => gate(tool, input, opts, this.current);
    this.q = query({ prompt: this.inbox, options: { ...options, canUseTool, spawnClaudeCodeProcess: this.child.spawn } });
    this.budgetUsd = options.maxBudgetUsd;
    this.cumulativeCostUsd = baselineCostUsd;
    this.exited = this.read().finally(() => onExit(this));
  }

  /**
   * The CLI's `maxBudgetUsd` counts everything a process spends, not one turn. A warm process is
   * therefore given a budget of several turns and replaced before what is left of it drops below
   * one turn's budget (see runtime.ts), which keeps every turn's own limit.
   */
  readonly budgetUsd: number;

  canAfford(turnBudgetUsd: number): boolean {
    return this.budgetUsd - (this.cumulativeCostUsd - this.baselineCostUsd) >= turnBudgetUsd;
  }

  get busy(): boolean {
    return this.current !== null;
  }

  get alive(): boolean {
    return !this.dead && !this.closing;
  }

  get pid(): number | null {
    return this.child.pid;
  }

  /** True once the process is gone without our asking: a crash or a kill from outside. */
  get crashed(): boolean {
    return this.dead && !this.closing;
  }

  rssBytes(): Promise<number> {
    return this.child.rssBytes();
  }

  /** Runs one turn. The caller guarantees one turn at a time (the sessions domain queues). */
  runTurn({ prompt, onEvent, timeoutMs, approvalTools, builtinTools = null, uuid = randomUUID() }: TurnInput): Promise<TurnEnd> {
    if (this.current) throw new Error(`session ${this.sessionId} already has a turn running`);
    if (!this.alive) throw new Error(`session ${this.sessionId} has no live process`);
    this.turnsServed++;
    this.lastUsedAt = Date.now();
    return new Promise<TurnEnd>((resolve) => {
      let markInitialised!: () => void;
      const initialised = new Promise<void>((r) => (markInitialised = r));
      const turn: ActiveTurn = {
        uuid,
        emit: onEvent,
        approvalTools,
        builtinTools,
        mapper: new TurnMapper(onEvent),
        initialised,
        markInitialised,
        interrupted: false,
        failure: null,
        resolve,
        timer: setTimeout(() => {
          turn.failure = { code: 'timed_out', message: `The turn took longer than ${timeoutMs} ms and was stopped.` };
          this.log.warn({ timeout_ms: timeoutMs }, 'turn timed out');
          void this.stopTurn(turn);
        }, timeoutMs),
      };
      this.current = turn;
      this.inbox.push({ type: 'user', message: { role: 'user', content: prompt }, parent_tool_use_id: null, uuid });
    });
  }

  /** Interrupts the running turn in place (the process stays warm). False if nothing was running. */
  async interrupt(): Promise<boolean> {
    const turn = this.current;
    if (!turn) return false;
    turn.interrupted = true;
    await this.stopTurn(turn);
    return true;
  }

  /**
   * Ends the process: closes its input so it can exit cleanly, then kills its process group if it
   * lingers. A turn still running ends with `failure`.
   */
  async close(failure: TurnError = { code: 'agent_crashed', message: 'The agent process was stopped.' }): Promise<void> {
    const busy = this.current !== null;
    if (this.current && !this.current.failure) this.current.failure = failure;
    this.closing = true;
    this.inbox.end();
    this.q.close();
    // An idle CLI exits promptly at stdin EOF; a busy one would first finish its turn, which the
    // caller has decided not to wait for.
    const timer = setTimeout(() => this.child.killGroup('SIGKILL'), busy ? BUSY_EXIT_GRACE_MS : EXIT_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private async stopTurn(turn: ActiveTurn): Promise<void> {
    await Promise.race([turn.initialised, sleep(INIT_WAIT_MS)]);
    if (this.current !== turn) return;
    const settled = await Promise.race([
      this.q.interrupt().then(() => true, () => false),
      sleep(INTERRUPT_SETTLE_MS).then(() => false),
    ]);
    // The turn may also have ended by itself meanwhile; only a turn still hanging costs the process.
    if (!settled && this.current === turn) {
      this.log.warn('interrupt did not settle; ending the agent process');
      this.child.killGroup('SIGKILL');
    }
  }

  private async read(): Promise<void> {
    let error: unknown = null;
    try {
      for await (const message of this.q) this.dispatch(message);
    } catch (err) {
      error = err;
    }
    this.dead = true;
    this.child.killGroup('SIGKILL'); // reap MCP children a clean exit may leave behind
    const turn = this.current;
    if (turn) {
      const tail = this.stderr.join('').trim().split('\n').slice(-3).join(' | ');
      const reason = error instanceof Error ? error.message.split('\n')[0] : 'the process exited';
      if (!this.closing || !turn.failure) this.log.error({ err: error, stderr: tail }, 'agent process died during a turn');
      const neverStarted = this.sandboxed && !this.started && !this.closing;
      this.end(turn, turn.mapper.partial(turn.failure ?? (neverStarted ? {
        code: 'sandbox_unavailable',
        message: `The agent's sandbox failed to start${tail ? `: ${tail}` : ''}. The session is intact; retry, or ask the operator to check the sandbox (see /health).`,
      } : {
        code: 'agent_crashed',
        message: `The agent process died during the turn (${reason})${tail ? `: ${tail}` : ''}.`,
      })));
    }
  }

  private dispatch(message: SDKMessage): void {
    if (message.type === 'system' && message.subtype === 'mirror_error') {
      this.log.error({ error: message.error }, 'transcript mirror to the store failed');
    }
    const turn = this.current;
    if (!turn) return; // informational frames after a result belong to no turn
    if (message.type === 'system' && message.subtype === 'init') {
      this.started = true;
      turn.markInitialised();
    }
    const result = turn.mapper.handle(message);
    if (!result) return;
    const answered = (message as { user_message_uuid?: string }).user_message_uuid;
    if (answered !== undefined && answered !== turn.uuid) return;
    this.end(turn, result);
  }

  private end(turn: ActiveTurn, result: TurnResult): void {
    clearTimeout(turn.timer);
    if (result.cumulativeCostUsd !== null && result.cumulativeCostUsd > this.cumulativeCostUsd) {
      this.cumulativeCostUsd = result.cumulativeCostUsd;
    }
    this.current = null;
    this.lastUsedAt = Date.now();
    let end: TurnEnd = result;
    if (turn.failure) end = { ...result, status: 'failed', error: turn.failure };
    // An interrupt that lost the race to a normal finish leaves the turn succeeded: that is what happened.
    else if (turn.interrupted && result.status === 'failed') end = { ...result, status: 'interrupted', error: null };
    turn.resolve(end);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
