/**
 * `npm run gen:client`: regenerates the typed client's schema types from the routes.
 *
 * Builds the whole app in-process (createServer on a throw-away SQLite directory, demo mode, no
 * listener), asks it for GET /openapi.json exactly as a client would, then writes
 *   src/client/openapi.json  the OpenAPI 3.1 document, for reference and other generators
 *   src/client/openapi.ts    its TypeScript types (openapi-typescript), which src/client/ imports
 * Both are committed. test/http/client-drift.test.ts renders the types again from a live server's
 * document and fails when they differ from the committed file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';
import pino from 'pino';
import { loadConfig } from '../src/config/config.js';
import { createServer } from '../src/server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TYPES_FILE = path.join(ROOT, 'src/client/openapi.ts');
export const DOCUMENT_FILE = path.join(ROOT, 'src/client/openapi.json');

/** The OpenAPI document the app serves, without listening on a port or talking to a model. */
export async function buildOpenApiDocument(): Promise<OpenAPI3> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'caa-gen-client-'));
  try {
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
    });
    const server = await createServer({ config, log: pino({ level: 'silent' }) });
    try {
      const res = await server.app.request('/openapi.json');
      if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
      return (await res.json()) as OpenAPI3;
    } finally {
      await server.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The document as the committed JSON file holds it (stable key order as served, 2-space indent). */
export const renderDocument = (doc: OpenAPI3): string => `${JSON.stringify(doc, null, 2)}\n`;

/** The TypeScript types of a document, exactly as committed in src/client/openapi.ts. */
export async function renderClientTypes(doc: OpenAPI3): Promise<string> {
  // openapi-typescript may mutate what it is given: hand it a copy. Only request fields have
  // defaults (if_busy, on_disconnect, limit…), and a field with a default may be left out.
  const ast = await openapiTS(structuredClone(doc), { silent: true, defaultNonNullable: false });
  return `${COMMENT_HEADER}// Generated from GET /openapi.json by scripts/gen-client.ts: run \`npm run gen:client\` after changing the routes or schemas.\n\n${astToString(ast)}`;
}

async function main(): Promise<void> {
  const doc = await buildOpenApiDocument();
  await writeFile(DOCUMENT_FILE, renderDocument(doc));
  await writeFile(TYPES_FILE, await renderClientTypes(doc));
  process.stdout.write(`wrote ${path.relative(ROOT, DOCUMENT_FILE)} and ${path.relative(ROOT, TYPES_FILE)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`gen:client failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
