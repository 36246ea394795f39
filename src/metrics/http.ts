import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';

export interface HttpTimer {
  observeHttp(method: string, route: string, status: number, seconds: number): void;
}

/** Label of a request that matched no route (keeps the label set bounded: never the raw path). */
export const UNMATCHED = 'unmatched';

/**
 * Counts and times every request by method, route template and status. Register it first, so
 * requests refused by later middleware (401, 415, …) are counted too. A streamed (SSE) response is
 * timed until its headers go out, not until the stream ends (caa_stream_clients counts those).
 */
export function httpMetrics(timer: HttpTimer): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      timer.observeHttp(c.req.method, routeOf(c), c.res.status, (performance.now() - started) / 1000);
    }
  };
}

/**
 * The template of the route that answered (`/v1/sessions/:id/messages`), or that would have, had a
 * middleware (auth, body checks) not answered first; `unmatched` when no route matched. Middleware
 * (`app.use`, method ALL) names a request only when it served it (static assets).
 */
export function routeOf(c: Context): string {
  const routes = matchedRoutes(c);
  const answered = routes[c.req.routeIndex];
  if (answered && answered.method !== 'ALL') return answered.path;
  const route = routes.find((r) => r.method !== 'ALL');
  if (route) return route.path;
  if (answered && answered.path !== '*' && c.res.status < 400) return answered.path;
  return UNMATCHED;
}
