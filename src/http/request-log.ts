import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Logger } from 'pino';
import type { ApiEnv } from './app.js';

/** An id a client (or proxy) sent that we are willing to echo and log. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Route templates whose `:id` is a session id (the API's, and the web chat's `/s/:id`). */
const SESSION_ROUTE = /^\/(v1\/sessions|s)\/:id(\/|$)/;

/**
 * One log line per request, when its response is ready: request id, method, route template,
 * path (never the query string, never headers), status, duration, and the account, session and
 * turn it concerned when known. Registered first, so it also times and tags requests that auth
 * or validation refuse. The request id (the client's `X-Request-Id` when well-formed, else a new
 * UUID) is echoed as `X-Request-Id` and available to handlers as `c.get('requestId')`.
 *
 * A streamed response (SSE) is logged when its headers are ready, with status 200 and
 * `streaming: true`: the duration is the time to first byte, not the stream's lifetime.
 */
export function requestLog(log: Logger): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header('x-request-id');
    const requestId = incoming !== undefined && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    c.header('X-Request-Id', requestId);
    try {
      await next();
    } catch (err) {
      // Only a non-Error throw gets here (Hono hands Errors to app.onError); it becomes a 500.
      log.error(line(c, requestId, started, 500), 'request');
      throw err;
    }
    // Set again on the final response: an error response built by app.onError replaces the original.
    c.header('X-Request-Id', requestId);
    const status = c.res.status;
    const fields = line(c, requestId, started, status);
    if (status >= 500) log.error(fields, 'request');
    else if (status >= 400) log.warn(fields, 'request');
    else log.info(fields, 'request');
  };
}

function line(c: Context<ApiEnv>, requestId: string, started: number, status: number): Record<string, unknown> {
  const { route, params } = matched(c);
  const principal = c.get('principal');
  const accountId = principal && principal.kind !== 'admin' ? principal.accountId : undefined;
  const sessionId = c.get('sessionId') ?? params.session_id ?? (SESSION_ROUTE.test(route ?? '') ? params.id : undefined);
  const turnId = c.get('turnId') ?? params.turn_id;
  const streaming = (c.res.headers.get('content-type') ?? '').startsWith('text/event-stream');
  return {
    request_id: requestId,
    method: c.req.method,
    route,
    path: c.req.path,
    status,
    duration_ms: Math.round((performance.now() - started) * 10) / 10,
    ...(principal ? { principal: principal.kind } : {}),
    ...(accountId ? { account_id: accountId } : {}),
    ...(sessionId ? { session_id: sessionId } : {}),
    ...(turnId ? { turn_id: turnId } : {}),
    ...(streaming ? { streaming: true } : {}),
  };
}

/**
 * The template and params of the route that answers the request: the last route matched for its
 * method (the handler), even when a middleware before it refused the request (401, 415, …). With
 * no such route (static assets, 404s), the last middleware that ran, unless that was a catch-all.
 */
function matched(c: Context<ApiEnv>): { route: string | null; params: Record<string, string | undefined> } {
  const routes = matchedRoutes(c);
  let index = routes.findLastIndex((r) => r.method !== 'ALL');
  if (index < 0) index = c.req.routeIndex;
  const route = routes[index]?.path;
  // `app.use('*', …)` is stored as '/*': a catch-all middleware is no route.
  if (route === undefined || route === '*' || route === '/*') return { route: null, params: {} };
  // c.req.param() reads the params of the route at routeIndex: point it at the chosen one.
  const saved = c.req.routeIndex;
  c.req.routeIndex = index;
  try {
    return { route, params: c.req.param() as Record<string, string | undefined> };
  } finally {
    c.req.routeIndex = saved;
  }
}
