import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { query, type Options, type Query } from '@anthropic-ai/claude-agent-sdk';
import type { Logger } from 'pino';
import type { TurnErrorCode } from '../errors.js';
import type { TranscriptStore } from '../store/types.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { AgentEvent } from './events.js';
import { Inbox } from './inbox.js';
import { projectKeyFor, workspaceNameFor } from './project-key.js';
import { TurnMapper, type TurnResult } from './turn-mapper.js';

export interface RuntimeOptions {
  claudeConfigDir: string;
  workspacesDir: string;
  model: {
    apiKey: string;
    baseUrl: string | undefined;
    name: string;
    maxTurns: number;
    maxBudgetUsd: number;
    systemPrompt: string | undefined;
    maxRetries: number;
    builtinTools: string[];
  };
  turnTimeoutMs: number;
  /** The only variables of the server's environment the child sees (PATH, HOME). */
  childEnv: Record<string, string>;
  tools: ToolRegistry;
  transcripts: TranscriptStore;
  log: Logger;
}

export interface TurnRequest {
  accountId: string;
  sessionId: string;
  prompt: string;
  /** True when the store already holds this session's transcript. */
  resume: boolean;
  onEvent: (event: AgentEvent) => void;
}

export interface RunTurnResult extends TurnResult {
  /** Wall time the caller waited, process start included. */
  durationMs: number;
}

/** How long a closing CLI may take before we stop waiting (the SDK's own cleanup is ~2 s). */
const EXIT_GRACE_MS = 5_000;

/**
 * Runs agent turns on the real Claude Agent SDK. Each turn is one `query()` in streaming-input mode
 * that resumes the session from our SessionStore; the process exits after the turn's result.
 */
export class AgentRuntime {
  private readonly live = new Set<Query>();
  /** A session's previous process, still exiting; the next turn waits for it (one writer per transcript). */
  private readonly exiting = new Map<string, Promise<void>>();

  constructor(private readonly opts: RuntimeOptions) {}

  /** The SDK project key of an account's transcripts (path-independent, see project-key.ts). */
  projectKey(accountId: string): string {
    return projectKeyFor(accountId);
  }

  async runTurn(req: TurnRequest): Promise<RunTurnResult> {
    const started = performance.now();
    await this.exiting.get(req.sessionId);
    const cwd = path.join(this.opts.workspacesDir, workspaceNameFor(req.accountId));
    await mkdir(cwd, { recursive: true });

    const inbox = new Inbox();
    const stderr: string[] = [];
    const q = query({ prompt: inbox, options: this.options(req, cwd, stderr) });
    this.live.add(q);
    const log = this.opts.log.child({ session_id: req.sessionId });

    const mapper = new TurnMapper(req.onEvent);
    let failure: { code: TurnErrorCode; message: string } | null = null;
    const timer = setTimeout(() => {
      failure = { code: 'timed_out', message: `The turn took longer than ${this.opts.turnTimeoutMs} ms and was stopped.` };
      log.warn({ timeout_ms: this.opts.turnTimeoutMs }, 'turn timed out');
      void stop(q);
    }, this.opts.turnTimeoutMs);

    const uuid = randomUUID();
    inbox.push({
      type: 'user',
      message: { role: 'user', content: req.prompt },
      parent_tool_use_id: null,
      uuid,
    });

    let result: TurnResult | null = null;
    const iterator = q[Symbol.asyncIterator]();
    try {
      while (!result) {
        const next = await iterator.next();
        if (next.done) break;
        if (next.value.type === 'system' && next.value.subtype === 'mirror_error') {
          log.error({ error: next.value.error }, 'transcript mirror to the store failed');
        }
        result = mapper.handle(next.value);
      }
    } catch (err) {
      if (!failure) {
        const tail = stderr.join('').trim().split('\n').slice(-3).join(' | ');
        failure = {
          code: 'agent_crashed',
          message: `The agent process failed: ${(err as Error).message.split('\n')[0]}${tail ? ` (${tail})` : ''}`,
        };
        log.error({ err, stderr: tail }, 'agent process failed');
      }
    } finally {
      clearTimeout(timer);
    }

    // Let this process finish (flush, exit) in the background; the next turn of the session waits.
    inbox.end();
    const exit = drain(iterator, q).finally(() => {
      this.live.delete(q);
      if (this.exiting.get(req.sessionId) === exit) this.exiting.delete(req.sessionId);
    });
    this.exiting.set(req.sessionId, exit);

    const outcome =
      failure ?? (result ? null : { code: 'agent_crashed' as const, message: 'The agent ended without an answer.' });
    const final = outcome ? mapper.partial(outcome) : result!;
    return { ...final, durationMs: Math.round(performance.now() - started) };
  }

  /** Removes the CLI's local copy of a transcript (the store's copy is deleted by the store). */
  async deleteLocalTranscript(accountId: string, sessionId: string): Promise<void> {
    const dir = path.join(this.opts.claudeConfigDir, 'projects', this.projectKey(accountId));
    await rm(path.join(dir, `${sessionId}.jsonl`), { force: true });
    await rm(path.join(dir, sessionId), { recursive: true, force: true });
  }

  /** Stops every live agent process (server shutdown). */
  async close(): Promise<void> {
    for (const q of this.live) q.close();
    await Promise.allSettled([...this.exiting.values()]);
  }

  private options(req: TurnRequest, cwd: string, stderr: string[]): Options {
    const m = this.opts.model;
    const env: Record<string, string> = {
      ...this.opts.childEnv,
      CLAUDE_CONFIG_DIR: this.opts.claudeConfigDir,
      // With CLAUDE_CONFIG_DIR set, this names the transcript's project key outright, so resume works
      // whatever path the data dir is mounted at on this or another instance.
      CLAUDE_CODE_PROJECT_DIR_NAME: this.projectKey(req.accountId),
      ANTHROPIC_API_KEY: m.apiKey,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      // MCP tools go to the model directly instead of behind a ToolSearch indirection.
      ENABLE_TOOL_SEARCH: 'false',
      CLAUDE_CODE_MAX_RETRIES: String(m.maxRetries),
    };
    if (m.baseUrl) env.ANTHROPIC_BASE_URL = m.baseUrl;
    return {
      cwd,
      env,
      ...(req.resume ? { resume: req.sessionId } : { sessionId: req.sessionId }),
      model: m.name,
      ...(m.systemPrompt ? { systemPrompt: m.systemPrompt } : {}),
      maxTurns: m.maxTurns,
      maxBudgetUsd: m.maxBudgetUsd,
      settingSources: [],
      tools: m.builtinTools,
      mcpServers: this.opts.tools.mcpServersForQuery(),
      allowedTools: [...this.opts.tools.allowedTools, ...m.builtinTools],
      // Running as root rules out bypassPermissions; 'dontAsk' denies anything not allow-listed.
      permissionMode: 'dontAsk',
      mcpServersDelivery: 'initialize',
      includePartialMessages: true,
      sessionStore: this.opts.transcripts,
      stderr: (data) => {
        stderr.push(data);
        if (stderr.length > 50) stderr.shift();
      },
    };
  }
}

async function stop(q: Query): Promise<void> {
  const settled = await Promise.race([
    q.interrupt().then(() => true, () => false),
    new Promise<boolean>((r) => setTimeout(() => r(false), 2_000)),
  ]);
  if (!settled) q.close();
}

async function drain(iterator: AsyncIterator<unknown>, q: Query): Promise<void> {
  const done = (async () => {
    try {
      for (;;) if ((await iterator.next()).done) return;
    } catch {
      // The turn's outcome is already recorded; a late exit error changes nothing.
    }
  })();
  const timedOut = await Promise.race([
    done.then(() => false),
    new Promise<boolean>((r) => setTimeout(() => r(true), EXIT_GRACE_MS).unref()),
  ]);
  if (timedOut) q.close();
}
