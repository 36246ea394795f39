import { readFile } from 'node:fs/promises';
import type { OpenAPI3 } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENT_FILE, renderClientTypes, renderDocument, TYPES_FILE } from '../../scripts/gen-client.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const HINT = 'the typed client is out of date with the routes: run `npm run gen:client` and commit the result';

/** The committed client types are exactly what the live server's document generates. */
describe('typed client vs. the server (drift)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t?.close());

  const live = async (): Promise<OpenAPI3> => {
    const res = await fetch(`${t.url}/openapi.json`);
    expect(res.status).toBe(200);
    return (await res.json()) as OpenAPI3;
  };

  /** The first line where two texts differ, to show in the failure. */
  const firstDiff = (want: string, got: string) => {
    const a = want.split('\n');
    const b = got.split('\n');
    const i = a.findIndex((line, n) => line !== b[n]);
    const at = i === -1 ? a.length : i;
    return `line ${at + 1}:\n  generated: ${a[at] ?? '(end of file)'}\n  committed: ${b[at] ?? '(end of file)'}`;
  };

  it('src/client/openapi.ts equals the types generated from GET /openapi.json', async () => {
    const generated = await renderClientTypes(await live());
    const committed = await readFile(TYPES_FILE, 'utf8');
    expect(generated === committed, `${HINT}\n${firstDiff(generated, committed)}`).toBe(true);
  });

  it('src/client/openapi.json is the served document (but for info.version)', async () => {
    const doc = await live();
    const committed = JSON.parse(await readFile(DOCUMENT_FILE, 'utf8'));
    const generated = renderDocument({ ...doc, info: { ...doc.info, version: committed.info?.version } });
    const text = renderDocument(committed);
    expect(generated === text, `${HINT}\n${firstDiff(generated, text)}`).toBe(true);
  });
});
