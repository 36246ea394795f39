import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import type { AuthFailureLimiter } from '../accounts/auth-limiter.js';
import { AccountService, type Principal } from '../accounts/service.js';
import { UnauthorizedError } from '../errors.js';
import type { RetentionService } from '../retention/service.js';
import type { SessionService } from '../sessions/service.js';
import type { TurnService } from '../sessions/turns.js';
import { errorJson, toErrorResponse } from './errors.js';
import { drainRefusedBodies } from './drain.js';
import { requestLog } from './request-log.js';
import { registerAccountRoutes } from './routes/account.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerMessageRoutes, type StreamDeps } from './routes/messages.js';
import { registerOpenAiChatRoutes } from './routes/openai-chat.js';
import { registerOpenAiResponseRoutes } from './routes/openai-responses.js';
import type { OpenAiService } from '../openai/service.js';
import { registerMetricsRoute, type MetricsRouteDeps } from './routes/metrics.js';
import { httpMetrics, type HttpTimer } from '../metrics/http.js';
import { registerSeedRoutes } from './routes/seed.js';
import { registerSessionRoutes } from './routes/sessions.js';
import { RAW_BODY_ROUTE, registerFileRoutes } from './routes/files.js';
import type { FilesService } from '../files/service.js';
import { registerDocsRoutes } from './routes/docs.js';
import { registerUiRoutes } from './routes/ui.js';
import { registerSystemRoutes, type SystemInfo } from './routes/system.js';

export type ApiEnv = {
  Variables: {
    principal: Principal;
    /** This request's id (echoed as `X-Request-Id`; see request-log.ts). */
    requestId: string;
    /** Set by handlers that learn them only while answering (a new session, a new turn), for the request log. */
    sessionId: string | undefined;
    turnId: string | undefined;
  };
};
export type ApiApp = OpenAPIHono<ApiEnv>;

export interface AppDeps {
  accounts: AccountService;
  authFailures: AuthFailureLimiter;
  retention: RetentionService;
  sessions: SessionService;
  files: FilesService;
  turns: TurnService;
  openai: OpenAiService;
  /** Models the OpenAI-compatible routes offer, the default first. */
  models: readonly string[];
  stream: Omit<StreamDeps, 'log'>;
  system: SystemInfo;
  log: Logger;
  maxMessageBytes: number;
  /** The built web chat. */
  uiDir: string;
  /** Request counts and times, and GET /metrics. */
  metrics: HttpTimer & MetricsRouteDeps;
}

const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** Builds the HTTP app around already-built services; `main.ts` only adds a listener. */
export function createHttpApp(deps: AppDeps): ApiApp {
  const app: ApiApp = new OpenAPIHono<ApiEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      if (result.target === 'param' && result.error.issues.some((i) => i.path[0] === 'id' || i.path[0] === 'session_id')) {
        return errorJson(c, 'invalid_session_id', 'The session id must be a UUID.', { issues });
      }
      const first = issues[0];
      const message = first ? `${first.path ? `${first.path}: ` : ''}${first.message}` : 'Invalid request.';
      return errorJson(c, 'validation_error', message, { issues });
    },
  });

  app.onError((err, c) => toErrorResponse(err, c, deps.log));
  // First of all, so every request is timed, tagged with its id and logged, refused ones too.
  app.use('*', requestLog(deps.log));
  // Before the answer to a refused request leaves, its unread body is drained (see drain.ts).
  app.use('*', drainRefusedBodies());
  app.notFound((c) => errorJson(c, 'not_found', `No route for ${c.req.method} ${c.req.path}.`));
  // First, so requests refused by any later middleware are counted too.
  app.use('*', httpMetrics(deps.metrics));

  // Who is calling, before anything else looks at the request: no key, no parsing, no 404 hints.
  // Failed attempts are counted per client address; past the limit, the address waits (429).
  const authenticate: MiddlewareHandler<ApiEnv> = async (c, next) => {
    const address = clientAddress(c);
    deps.authFailures.check(address);
    try {
      c.set('principal', await deps.accounts.authenticate(c.req.header('authorization')));
    } catch (err) {
      if (err instanceof UnauthorizedError) deps.authFailures.fail(address);
      throw err;
    }
    await next();
  };
  for (const p of ['/v1/*', '/chat', '/sessions/*']) app.use(p, authenticate);
  const adminOnly: MiddlewareHandler<ApiEnv> = async (c, next) => {
    AccountService.requireAdmin(c.get('principal'));
    await next();
  };
  for (const p of ['/v1/admin/*', '/v1/runtime']) app.use(p, adminOnly);

  // A JSON body is required to be labelled JSON; an absent body (e.g. POST /v1/sessions) is fine.
  // File uploads are raw bytes, streamed by their route under its own limit (MAX_FILE_BYTES).
  app.use('*', async (c, next) => {
    if (isRawBody(c.req.method, c.req.path)) return next();
    if (hasBody(c.req.raw) && !JSON_TYPE.test((c.req.header('content-type') ?? '').split(';')[0]!.trim())) {
      return errorJson(c, 'unsupported_media_type', 'Send the request body as application/json.');
    }
    await next();
  });

  // Bound what we read before parsing; the message's own size is checked exactly by the service.
  // Only where a body may come: bodyLimit reads `Request.body`, which makes @hono/node-server
  // build a full WHATWG Request (headers, AbortSignal) that a GET never needs.
  const limitBody = bodyLimit({
    maxSize: deps.maxMessageBytes * 2 + 64 * 1024,
    onError: (c) => errorJson(c, 'message_too_large', `The request body exceeds the size limit.`),
  });
  app.use('*', (c, next) =>
    c.req.method === 'GET' || c.req.method === 'HEAD' || isRawBody(c.req.method, c.req.path) ? next() : limitBody(c, next),
  );

  // Parse JSON once up front so malformed JSON gets its own code rather than a validation error.
  app.use('*', async (c, next) => {
    if (hasBody(c.req.raw) && !isRawBody(c.req.method, c.req.path)) {
      try {
        await c.req.json();
      } catch {
        return errorJson(c, 'invalid_json', 'The request body is not valid JSON.');
      }
    }
    await next();
  });

  registerSystemRoutes(app, deps.system);
  registerMetricsRoute(app, deps.accounts, deps.metrics);
  registerSessionRoutes(app, deps.sessions);
  registerFileRoutes(app, deps.files);
  registerAccountRoutes(app, deps.accounts, deps.retention);
  registerAdminRoutes(app, deps.accounts, deps.retention);
  registerMessageRoutes(app, deps.sessions, deps.turns, { ...deps.stream, log: deps.log });
  registerSeedRoutes(app, deps.sessions, deps.turns);
  const openAiDeps = { openai: deps.openai, stream: { ...deps.stream, log: deps.log }, models: deps.models, startedAt: deps.system.startedAt };
  registerOpenAiChatRoutes(app, openAiDeps);
  registerOpenAiResponseRoutes(app, openAiDeps);
  registerUiRoutes(app, deps.uiDir);
  registerDocsRoutes(app);
  return app;
}

const isRawBody = (method: string, path: string) => method === 'PUT' && RAW_BODY_ROUTE.test(path);

function hasBody(req: Request): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return false;
  const length = req.headers.get('content-length');
  return length !== null ? Number(length) > 0 : req.headers.has('transfer-encoding');
}

/** The peer's address (the socket's: forwarded-for headers are the client's to forge). */
function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // not served by the Node adapter (app.request in scripts)
  }
}
