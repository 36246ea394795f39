import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { compress } from 'hono/compress';
import type { ApiApp } from '../app.js';
import { CSP } from './ui.js';

/**
 * The API reference at `/docs`: Swagger UI (the `swagger-ui-dist` package, served from
 * node_modules, never a CDN) rendering `/openapi.json`. Like the web chat, the page runs only
 * scripts from this origin (no inline script: the initializer is `/docs/assets/docs.js`) and may
 * connect only to this origin, so "Try it out" calls this server and nothing else. Public, like
 * the document itself.
 */

const require = createRequire(import.meta.url);
const DIST = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const VERSION = (JSON.parse(readFileSync(path.join(DIST, 'package.json'), 'utf8')) as { version: string }).version;

/** The only files of the package served; the rest (its demo page, petstore initializer, ES builds) is not. */
const ASSETS = ['swagger-ui-bundle.js', 'swagger-ui.css', 'favicon-32x32.png', 'favicon-16x16.png', 'swagger-ui-bundle.js.map', 'swagger-ui.css.map'];

/**
 * Swagger UI's settings. `validatorUrl: null`: by default it sends the document to
 * validator.swagger.io for a badge; nothing may leave this origin. No standalone preset: its top
 * bar only offers loading another document by URL.
 */
const INITIALIZER = `'use strict';
window.ui = SwaggerUIBundle({
  url: new URL('/openapi.json', window.location.href).href,
  dom_id: '#swagger-ui',
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
  validatorUrl: null,
  deepLinking: true,
  docExpansion: 'list',
  defaultModelsExpandDepth: 0,
  displayOperationId: true,
  displayRequestDuration: true,
  filter: true,
  tryItOutEnabled: false,
  persistAuthorization: false,
});
`;

const INITIALIZER_HASH = createHash('sha256').update(INITIALIZER).digest('hex').slice(0, 12);
/** Versioned URLs, so assets can be cached for good: the package's version, or the initializer's hash. */
const asset = (name: string) => `/docs/assets/${name}?v=${name === 'docs.js' ? INITIALIZER_HASH : VERSION}`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>claude-agent-api · API reference</title>
  <link rel="stylesheet" href="${asset('swagger-ui.css')}">
  <link rel="icon" type="image/png" href="${asset('favicon-32x32.png')}" sizes="32x32">
  <link rel="icon" type="image/png" href="${asset('favicon-16x16.png')}" sizes="16x16">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${asset('swagger-ui-bundle.js')}"></script>
  <script src="${asset('docs.js')}"></script>
</body>
</html>
`;

export function registerDocsRoutes(app: ApiApp): void {
  const headers = (c: { header(name: string, value: string): void }) => {
    c.header('X-Content-Type-Options', 'nosniff');
    // Asset URLs carry a version (see `asset`): new content is a new URL.
    c.header('Cache-Control', 'public, max-age=31536000, immutable');
  };
  // The bundle is 1.7 MB; compressed it is a fifth of that.
  app.use('/docs/assets/*', compress());
  for (const name of ASSETS) {
    app.get(`/docs/assets/${name}`, serveStatic({ path: path.join(DIST, name), onFound: (_p, c) => headers(c) }));
  }
  app.get('/docs/assets/docs.js', (c) => {
    headers(c);
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    return c.body(INITIALIZER);
  });
  app.get('/docs', (c) => {
    c.header('Content-Security-Policy', CSP);
    c.header('Cache-Control', 'no-cache');
    c.header('X-Content-Type-Options', 'nosniff');
    return c.html(PAGE);
  });
  app.get('/docs/', (c) => c.redirect('/docs', 301));
}
