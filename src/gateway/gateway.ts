import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ModelCallRecord } from '../store/model-calls.js';
import { costOf, PRICE_VERSION } from './prices.js';
import { UsageTap } from './usage-tap.js';

/**
 * The only way an agent process reaches the outside: an HTTP server on a unix socket that each
 * sandbox sees (through a bridge on its own loopback). A request must carry its process's token
 * (as `x-api-key`, where the CLI puts ANTHROPIC_API_KEY); the gateway swaps it for the real model
 * key and forwards to the real upstream. `/mcp/<key>/…` forwards to an operator-configured HTTP MCP
 * server with its real headers. So no secret of ours ever enters a sandbox. Every Messages call is
 * metered on its way back: its usage, read from the upstream's own response, becomes a ledger row.
 */
export interface GatewayOptions {
  socketPath: string;
  model: { baseUrl: string; apiKey: string };
  /** HTTP MCP servers the agent may reach: key → real url and headers. */
  mcp: Record<string, { url: string; headers: Record<string, string> }>;
  log: Logger;
  /** Where each forwarded model call's ledger row goes (the store's model-call ledger). */
  recordCall?: (call: ModelCallRecord) => Promise<void>;
}

export interface ProcessGrant {
  sessionId: string;
  accountId: string;
}

/** Who a metered call is charged to. */
interface Meter {
  grant: ProcessGrant;
  started: number;
}

const TOKEN_HEADER = 'x-api-key';
/** Upstream connections are kept alive: a turn's model calls should not each pay a TCP/TLS handshake. */
const HTTP_AGENT = new http.Agent({ keepAlive: true });
const HTTPS_AGENT = new https.Agent({ keepAlive: true });
export const MCP_TOKEN_HEADER = 'x-caa-token';

export class Gateway {
  private server: http.Server | null = null;
  private readonly grants = new Map<string, ProcessGrant>();
  /** The turn each session's process is running now (a process runs one turn at a time). */
  private readonly turns = new Map<string, string>();
  /** Ledger writes not yet done, by session: a turn ends only once its calls are recorded. */
  private readonly writing = new Map<string, Set<Promise<void>>>();

  constructor(private readonly opts: GatewayOptions) {}

  get socketPath(): string {
    return this.opts.socketPath;
  }

  async start(): Promise<void> {
    await mkdir(path.dirname(this.opts.socketPath), { recursive: true });
    await rm(this.opts.socketPath, { force: true });
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject).listen(this.opts.socketPath, () => resolve());
    });
    // The sandbox runs as an unprivileged user; the token, not the file mode, is the lock.
    await chmod(this.opts.socketPath, 0o666);
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
    await rm(this.opts.socketPath, { force: true });
  }

  /** A new token for one agent process; revoke it when the process ends. */
  grant(g: ProcessGrant): string {
    const token = `caa-proc-${randomBytes(24).toString('base64url')}`;
    this.grants.set(token, g);
    return token;
  }

  revoke(token: string): void {
    this.grants.delete(token);
  }

  /** Resolves once every model call of the session forwarded so far is in the ledger. */
  async recorded(sessionId: string): Promise<void> {
    const pending = this.writing.get(sessionId);
    if (pending) await Promise.all(pending);
  }

  /** The session's model calls from now on belong to `turnId` (null: to no turn). */
  setTurn(sessionId: string, turnId: string | null): void {
    if (turnId === null) this.turns.delete(sessionId);
    else this.turns.set(sessionId, turnId);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const mcp = /^\/mcp\/([A-Za-z0-9_-]+)(\/.*)?$/.exec(url.split('?')[0]!);
    const token = header(req, mcp ? MCP_TOKEN_HEADER : TOKEN_HEADER);
    const grant = token ? this.grants.get(token) : undefined;
    if (!grant) return deny(res, 401, 'authentication_error', 'Unknown or expired agent process token.');
    if (mcp) {
      const target = this.opts.mcp[mcp[1]!];
      if (!target) return deny(res, 404, 'not_found_error', `No MCP server ${mcp[1]}.`);
      const query = url.includes('?') ? url.slice(url.indexOf('?')) : '';
      const upstream = new URL(target.url);
      const rest = mcp[2] && mcp[2] !== '/' ? mcp[2] : '';
      upstream.pathname = upstream.pathname.replace(/\/$/, '') + rest || '/';
      return this.forward(req, res, new URL(upstream.toString().split('?')[0] + (query || upstream.search)), target.headers, [MCP_TOKEN_HEADER]);
    }
    const base = new URL(this.opts.model.baseUrl);
    const target = new URL(base.pathname.replace(/\/$/, '') + url, base);
    // Messages calls are what is billed; count_tokens and the like are not.
    const metered = req.method === 'POST' && /\/v1\/messages$/.test(target.pathname);
    const meter = metered ? { grant, started: performance.now() } : undefined;
    return this.forward(req, res, target, { [TOKEN_HEADER]: this.opts.model.apiKey }, ['authorization'], meter);
  }

  private forward(
    req: IncomingMessage,
    res: ServerResponse,
    target: URL,
    set: Record<string, string>,
    drop: string[],
    meter?: Meter,
  ): void {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || k === 'host' || k === 'connection' || drop.includes(k)) continue;
      headers[k] = v;
    }
    Object.assign(headers, set, { host: target.host });
    const https_ = target.protocol === 'https:';
    const up = (https_ ? https : http).request(target, { method: req.method, headers, agent: https_ ? HTTPS_AGENT : HTTP_AGENT }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      if (meter) {
        const tap = new UsageTap(upRes.headers['content-type']);
        upRes.on('data', (chunk: Buffer) => tap.write(chunk));
        upRes.on('end', () => {
          tap.end();
          this.record(meter, upRes.statusCode ?? 502, tap);
        });
      }
      upRes.pipe(res);
      // An upstream that breaks mid-body must break the agent's response too, not leave it hanging.
      upRes.on('close', () => {
        if (!upRes.complete) res.destroy();
      });
    });
    up.on('error', (err) => {
      this.opts.log.warn({ err: err.message, target: target.origin }, 'gateway upstream failed');
      if (meter && !res.headersSent) this.record(meter, 0, null);
      if (!res.headersSent) deny(res, 502, 'api_error', 'The gateway could not reach the upstream.');
      else res.destroy();
    });
    res.on('close', () => up.destroy());
    req.pipe(up);
  }

  /** Writes the call's ledger row; a failure to write is logged, never breaks the agent's call. */
  private record(meter: Meter, status: number, tap: UsageTap | null): void {
    const record = this.opts.recordCall;
    if (!record) return;
    const usage = tap?.usage ?? { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    const model = tap?.model ?? 'unknown';
    const call: ModelCallRecord = {
      id: `mc_${randomBytes(12).toString('base64url')}`,
      accountId: meter.grant.accountId,
      sessionId: meter.grant.sessionId,
      turnId: this.turns.get(meter.grant.sessionId) ?? null,
      model,
      ...usage,
      costUsd: tap?.seen ? costOf(model, usage) : 0,
      priceVersion: PRICE_VERSION,
      latencyMs: Math.round(performance.now() - meter.started),
      status,
      retries: 0,
      createdAt: Date.now(),
    };
    const pending = this.writing.get(call.sessionId) ?? new Set<Promise<void>>();
    this.writing.set(call.sessionId, pending);
    const write: Promise<void> = record(call)
      .catch((err: unknown) => this.opts.log.error({ err, session_id: call.sessionId }, 'model call ledger write failed'))
      .finally(() => {
        pending.delete(write);
        if (pending.size === 0 && this.writing.get(call.sessionId) === pending) this.writing.delete(call.sessionId);
      });
    pending.add(write);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function deny(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ type: 'error', error: { type, message } }));
}
