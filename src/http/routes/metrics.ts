import { AccountService } from '../../accounts/service.js';
import type { ApiApp } from '../app.js';

export interface MetricsRouteDeps {
  /** The Prometheus text exposition and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
  /** METRICS_PUBLIC: scrapable without a key. */
  public: boolean;
}

/**
 * `GET /metrics` for Prometheus. Needs the admin key (like /v1/admin) unless METRICS_PUBLIC; in
 * keyless local mode it is open like the admin routes. Not part of the OpenAPI document.
 */
export function registerMetricsRoute(app: ApiApp, accounts: AccountService, deps: MetricsRouteDeps): void {
  app.get('/metrics', async (c) => {
    if (!deps.public) AccountService.requireAdmin(await accounts.authenticate(c.req.header('authorization')));
    const { contentType, body } = await deps.scrape();
    return c.body(body, 200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  });
}
