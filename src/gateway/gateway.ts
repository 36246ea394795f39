import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { Logger } from 'pino';

/**
 * The only way an agent process reaches the outside: an HTTP server on a unix socket that each
 * sandbox sees (through a bridge on its own loopback). A request must carry its process's token
 * (as `x-api-key`, where the CLI puts ANTHROPIC_API_KEY); the gateway swaps it for the real model
 * key and forwards to the real upstream. `/mcp/<key>/…` forwards to an operator-configured HTTP MCP
 * server with its real headers. So no secret of ours ever enters a sandbox. Budgets and tracing
 * (issue 19) hang on `forward`.
 */
export interface GatewayOptions {
  socketPath: string;
  model: { baseUrl: string; apiKey: string };
  /** HTTP MCP servers the agent may reach: key → real url and headers. */
  mcp: Record<string, { url: string; headers: Record<string, string> }>;
  log: Logger;
}

export interface ProcessGrant {
  sessionId: string;
  accountId: string;
}

const TOKEN_HEADER = 'x-api-key';
/** Upstream connections are kept alive: a turn's model calls should not each pay a TCP/TLS handshake. */
const HTTP_AGENT = new http.Agent({ keepAlive: true });
const HTTPS_AGENT = new https.Agent({ keepAlive: true });
export const MCP_TOKEN_HEADER = 'x-caa-token';

export class Gateway {
  private server: http.Server | null = null;
  private readonly grants = new Map<string, ProcessGrant>();

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
    return this.forward(req, res, target, { [TOKEN_HEADER]: this.opts.model.apiKey }, ['authorization']);
  }

  private forward(req: IncomingMessage, res: ServerResponse, target: URL, set: Record<string, string>, drop: string[]): void {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || k === 'host' || k === 'connection' || drop.includes(k)) continue;
      headers[k] = v;
    }
    Object.assign(headers, set, { host: target.host });
    const https_ = target.protocol === 'https:';
    const up = (https_ ? https : http).request(target, { method: req.method, headers, agent: https_ ? HTTPS_AGENT : HTTP_AGENT }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
      // An upstream that breaks mid-body must break the agent's response too, not leave it hanging.
      upRes.on('close', () => {
        if (!upRes.complete) res.destroy();
      });
    });
    up.on('error', (err) => {
      this.opts.log.warn({ err: err.message, target: target.origin }, 'gateway upstream failed');
      if (!res.headersSent) deny(res, 502, 'api_error', 'The gateway could not reach the upstream.');
      else res.destroy();
    });
    res.on('close', () => up.destroy());
    req.pipe(up);
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
