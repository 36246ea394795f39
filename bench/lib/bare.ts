/**
 * The bare Claude Agent SDK, without our service around it: the same CLI options our runtime
 * passes (see src/runtime/runtime.ts), minus our SessionStore, MCP servers and spawn hook.
 */
import { randomUUID } from 'node:crypto';
import { query, type Options, type Query, type SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import { Inbox } from '../../src/runtime/inbox.js';
import { nowMs } from './stats.js';

export interface BareSetup {
  /** Working directory, HOME and CLAUDE_CONFIG_DIR of the bare processes (a temp dir). */
  dir: string;
  baseUrl: string;
  model: string;
  maxTurns: number;
  maxRetries: number;
}

export function bareOptions(s: BareSetup): Options {
  return {
    cwd: s.dir,
    env: {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: s.dir,
      CLAUDE_CONFIG_DIR: s.dir,
      ANTHROPIC_BASE_URL: s.baseUrl,
      ANTHROPIC_API_KEY: 'bench',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      ENABLE_TOOL_SEARCH: 'false',
      CLAUDE_CODE_MAX_RETRIES: String(s.maxRetries),
    },
    model: s.model,
    maxTurns: s.maxTurns,
    settingSources: [],
    tools: [],
    permissionMode: 'dontAsk',
    includePartialMessages: true,
  };
}

type Result = Extract<SDKMessage, { type: 'result' }>;

function check(m: Result): Result {
  if (m.is_error) throw new Error(`bare turn failed: ${JSON.stringify(m)}`);
  return m;
}

/**
 * The floor: one `query()` in streaming-input mode whose `Inbox` prompt stays open, so one warm
 * `claude` process serves every turn. `turn()` pushes one message and resolves at the `result`
 * that echoes its uuid.
 */
export class BareLoop {
  private readonly inbox = new Inbox();
  private readonly q: Query;
  private readonly pending = new Map<string, { resolve: (m: Result) => void; reject: (e: unknown) => void }>();
  private readonly reader: Promise<void>;

  /** `onMessage` sees every SDK message as it arrives, stamped with `nowMs()` (e.g. stream_events). */
  constructor(
    options: Options,
    private readonly onMessage?: (m: SDKMessage, atMs: number) => void,
  ) {
    this.q = query({ prompt: this.inbox, options });
    this.reader = this.read();
  }

  /** One turn; resolves with the result's text once the `result` for this message arrives. */
  turn(text: string): Promise<string> {
    const uuid = randomUUID();
    const done = new Promise<Result>((resolve, reject) => this.pending.set(uuid, { resolve, reject }));
    this.inbox.push({ type: 'user', message: { role: 'user', content: text }, parent_tool_use_id: null, uuid });
    return done.then((m) => (m.subtype === 'success' ? m.result : ''));
  }

  async close(): Promise<void> {
    this.inbox.end();
    this.q.close();
    await this.reader;
  }

  private async read(): Promise<void> {
    let error: unknown = new Error('the bare loop ended');
    try {
      for await (const m of this.q) {
        this.onMessage?.(m, nowMs());
        if (m.type !== 'result') continue;
        const uuid = (m as { user_message_uuid?: string }).user_message_uuid;
        const waiter = uuid === undefined ? undefined : this.pending.get(uuid);
        if (!waiter) continue;
        this.pending.delete(uuid!);
        try {
          waiter.resolve(check(m));
        } catch (err) {
          waiter.reject(err);
        }
      }
    } catch (err) {
      error = err;
    }
    for (const w of this.pending.values()) w.reject(error);
    this.pending.clear();
  }
}

/**
 * The seed's approach: one `query()` with a string prompt per turn, resuming the session (one
 * process per turn). Returns the time to the turn's `result` — what a client waits for — and
 * then lets the process exit untimed before returning.
 */
export async function queryPerRequest(
  options: Options,
  prompt: string,
  resume?: string,
): Promise<{ ms: number; sessionId: string; text: string }> {
  const t0 = performance.now();
  let ms = 0;
  let result: Result | null = null;
  for await (const m of query({ prompt, options: { ...options, ...(resume ? { resume } : {}) } })) {
    if (m.type === 'result' && !result) {
      ms = performance.now() - t0;
      result = check(m);
    }
  }
  if (!result) throw new Error('bare query ended without a result');
  return { ms, sessionId: result.session_id, text: result.subtype === 'success' ? result.result : '' };
}
