import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';

/** The built web chat is served by the service itself, under a CSP that allows only its own code. */
describe('web UI serving', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('serves the page at / and at /s/{id}, with a strict Content-Security-Policy', async () => {
    for (const p of ['/', `/s/${crypto.randomUUID()}`]) {
      const res = await t.request('GET', p);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
      const html = await res.text();
      expect(html).toContain('<div id="root"></div>');
      // Everything it loads is local: no absolute URLs to other hosts.
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    }
  });

  it('serves the hashed assets the page names, cacheable for good', async () => {
    const html = await (await t.request('GET', '/')).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const a of assets) {
      const res = await t.request('GET', a);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toContain('immutable');
    }
    expect((await t.request('GET', '/assets/nope.js')).status).toBe(404);
  });
});
