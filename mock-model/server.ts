// The HTTP side of the mock: routing, request recording, ids, per-prompt fault counters and
// shutdown. Replies are decided by script.ts and framed by respond.ts.
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { inputTokens, outputTokens, readConversation } from './request.js';
import { generatedText, jsonThenBreak, sendError, sendMessage, streamMessage, streamThenBreak, type ContentBlock, type Message } from './respond.js';
import { planFor, splitWords, type Fault, type Plan } from './script.js';

export interface RecordedRequest {
  method: string;
  /** Pathname only; the CLI appends `?beta=true`, which is kept in `url`. */
  path: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or the raw text when it did not parse. */
  body: unknown;
  at: number;
}

export interface MockModelOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Sleep before every streamed text delta; 0 = as fast as possible. */
  tokenDelayMs?: number;
  onToken?: (text: string, sentAtMs: number) => void;
  log?: (line: string) => void;
}

export interface MockModel {
  url: string;
  port: number;
  /** The last 200 requests, oldest first. */
  requests: RecordedRequest[];
  setTokenDelay(ms: number): void;
  close(): Promise<void>;
}

const MAX_RECORDED = 200;
// Long CLI sessions send whole transcripts; this is far above any real one but stops a runaway client.
const MAX_BODY_BYTES = 64 * 1024 * 1024;

const FAULT_STATUS = {
  '500': { status: 500, type: 'api_error', message: 'Mock: injected internal server error' },
  '529': { status: 529, type: 'overloaded_error', message: 'Mock: injected overload' },
  '429': { status: 429, type: 'rate_limit_error', message: 'Mock: injected rate limit' },
  '401': { status: 401, type: 'authentication_error', message: 'Mock: injected invalid x-api-key' },
} as const;

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) resolve(undefined);
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startMockModel(opts: MockModelOptions = {}): Promise<MockModel> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => {});
  let tokenDelayMs = opts.tokenDelayMs ?? 0;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const faultAttempts = new Map<string, number>();
  const closing = new AbortController();
  let seq = 0;

  /** Counts this attempt and says whether it should still fail. */
  const faultApplies = (f: Fault): boolean => {
    const n = (faultAttempts.get(f.key) ?? 0) + 1;
    faultAttempts.set(f.key, n);
    return f.times === undefined || n <= f.times;
  };

  function toMessage(plan: Plan, model: string, body: unknown, n: number): Message {
    let tool = 0;
    const content: ContentBlock[] = plan.blocks.map((b) => (b.type === 'tool_use' ? { ...b, id: `toolu_mock_${n}_${++tool}` } : b));
    return {
      id: `msg_mock_${n}`,
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: plan.stopReason,
      stop_sequence: null,
      usage: {
        input_tokens: inputTokens(body),
        output_tokens: outputTokens(generatedText(plan.blocks)),
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    };
  }

  async function messages(res: ServerResponse, body: unknown): Promise<void> {
    const n = ++seq;
    const headers = { 'request-id': `req_mock_${n}` };
    const c = readConversation(body);
    const plan = planFor(c);
    const fault = plan.fault && faultApplies(plan.fault) ? plan.fault.kind : undefined;
    log(`#${n} ${c.stream ? 'stream' : 'json'} step=${c.step} history=${c.history} -> ${plan.note}${plan.fault && !fault ? ' (fault used up: echo)' : ''}`);

    if (fault === '500' || fault === '529' || fault === '429' || fault === '401') {
      const f = FAULT_STATUS[fault];
      sendError(res, f.status, f.type, f.message, fault === '429' ? { ...headers, 'retry-after': '1' } : headers);
      return;
    }
    if (fault === 'hang') return; // Never answered; the socket is destroyed by the client or by close().

    const message = toMessage(plan, c.model, body, n);
    if (fault === 'break') {
      await (c.stream ? streamThenBreak(res, message, headers) : jsonThenBreak(res, headers));
      return;
    }
    if (!c.stream) {
      sendMessage(res, message, headers);
      return;
    }
    await streamMessage(res, message, headers, {
      delayMs: () => plan.tokenDelayMs ?? tokenDelayMs,
      splitText: splitWords,
      ...(opts.onToken ? { onToken: opts.onToken } : {}),
      signal: closing.signal,
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://mock');
    const raw = await readBody(req);
    if (raw === undefined) return sendError(res, 413, 'request_too_large', 'Mock: request body too large');

    let body: unknown = raw;
    let parsed = false;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
      parsed = raw !== '';
    } catch {
      /* recorded as raw text */
    }
    requests.push({ method: req.method ?? '', path: url.pathname, url: req.url ?? '', headers: req.headers, body, at: Date.now() });
    if (requests.length > MAX_RECORDED) requests.splice(0, requests.length - MAX_RECORDED);

    const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
    if (route !== 'POST /v1/messages' && route !== 'POST /v1/messages/count_tokens') {
      log(`404 ${req.method} ${req.url}`);
      return sendError(res, 404, 'not_found_error', `Mock: no route for ${req.method} ${url.pathname}`);
    }
    if (!parsed || typeof body !== 'object' || body === null || Array.isArray(body)) {
      log(`400 ${req.method} ${req.url}: body is not a JSON object`);
      return sendError(res, 400, 'invalid_request_error', 'Mock: request body must be a JSON object');
    }
    if (route.endsWith('/count_tokens')) {
      const json = JSON.stringify({ input_tokens: inputTokens(body) });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
      res.end(json);
      return;
    }
    await messages(res, body);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`handler error: ${(err as Error).stack ?? String(err)}`);
      if (!res.headersSent) sendError(res, 500, 'api_error', `Mock: ${(err as Error).message}`);
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // Client-side resets (e.g. a test aborting mid-stream) must not become unhandled errors.
  server.on('clientError', (_err, s) => s.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log(`listening on ${url}`);

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    requests,
    setTokenDelay(ms: number) {
      tokenDelayMs = Math.max(0, ms);
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        // server.close() alone waits for keep-alive, streaming and `hang` connections.
        for (const s of sockets) s.destroy();
      });
      return closed;
    },
  };
}
