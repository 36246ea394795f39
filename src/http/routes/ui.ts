import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Context } from 'hono';
import type { ApiApp, ApiEnv } from '../app.js';

/**
 * The web chat (`ui/`, built into UI_DIR): its page at `/` and at `/s/{session}` (the URL names the
 * open session, so reload and back/forward work), its hashed assets under `/assets`. The page may
 * run only its own scripts and talk only to this origin, so model output can never load anything.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function registerUiRoutes(app: ApiApp, uiDir: string): void {
  const indexFile = path.join(uiDir, 'index.html');
  app.use(
    '/assets/*',
    serveStatic({
      root: uiDir,
      // Names carry a content hash: a new build never reuses one.
      onFound: (_path, c) => c.header('Cache-Control', 'public, max-age=31536000, immutable'),
    }),
  );
  const page = async (c: Context<ApiEnv>) => {
    if (!existsSync(indexFile)) return c.text('The web UI is not built: run `npm run build`.', 503);
    c.header('Content-Security-Policy', CSP);
    c.header('Cache-Control', 'no-cache');
    c.header('X-Content-Type-Options', 'nosniff');
    return c.html(await readFile(indexFile, 'utf8'));
  };
  app.get('/', page);
  app.get('/s/:id', page);
}
