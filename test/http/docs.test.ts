import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TURN_ERROR_CODES } from '../../src/errors.js';
import { STATUS_BY_CODE } from '../../src/http/errors.js';
import { launchBrowser, newPage, screenshot } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

/**
 * The API reference: the OpenAPI document is complete (summaries, a description on every field,
 * every error code), and /docs renders it in a real browser from local assets only.
 */

type Json = Record<string, any>;

/**
 * Every property (of objects nested anywhere: items, additionalProperties, oneOf/anyOf/allOf)
 * that has no description of its own, as `where.path`. A `$ref` to a component is walked where
 * the component is; the property pointing at it still needs its own description.
 */
function undescribed(node: unknown, where: string, out: string[] = []): string[] {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return out;
  const n = node as Json;
  for (const [name, prop] of Object.entries((n.properties ?? {}) as Json)) {
    const own = typeof prop?.description === 'string' && prop.description.trim() !== '';
    // `allOf: [{$ref}, {description}]` is how a generator may attach one to a reference.
    const viaAllOf = Array.isArray(prop?.allOf) && prop.allOf.some((p: Json) => typeof p?.description === 'string' && p.description.trim());
    if (!own && !viaAllOf) out.push(`${where}.${name}`);
    undescribed(prop, `${where}.${name}`, out);
  }
  if (n.items) undescribed(n.items, `${where}[]`, out);
  if (n.additionalProperties && typeof n.additionalProperties === 'object') undescribed(n.additionalProperties, `${where}{}`, out);
  for (const key of ['oneOf', 'anyOf', 'allOf', 'prefixItems']) {
    (n[key] ?? []).forEach((sub: unknown, i: number) => undescribed(sub, `${where}.${key}[${i}]`, out));
  }
  return out;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function operations(doc: Json): Array<{ id: string; op: Json }> {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ id: `${method.toUpperCase()} ${path}`, op: op as Json })),
  );
}

describe('API reference', () => {
  let t: TestServer;
  let doc: Json;
  let browser: Browser | undefined;
  beforeAll(async () => {
    // With an admin key every API route needs a key: the reference must not.
    t = await startTestServer({ ADMIN_API_KEY: 'k'.repeat(40) });
    expect((await t.request('GET', '/v1/sessions')).status).toBe(401);
    const res = await t.request('GET', '/openapi.json');
    expect(res.status).toBe(200);
    doc = (await res.json()) as Json;
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('every operation has a summary', () => {
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(20);
    const missing = ops.filter(({ op }) => typeof op.summary !== 'string' || op.summary.trim() === '').map((o) => o.id);
    expect(missing).toEqual([]);
  });

  it('every field of every schema, parameter, request and response has a description', () => {
    const missing: string[] = [];
    for (const [name, schema] of Object.entries(doc.components.schemas as Json)) undescribed(schema, name, missing);
    for (const { id, op } of operations(doc)) {
      for (const p of (op.parameters ?? []) as Json[]) {
        if (!(p.description ?? p.schema?.description)) missing.push(`${id} parameter ${p.name}`);
      }
      for (const [type, media] of Object.entries((op.requestBody?.content ?? {}) as Json)) undescribed(media.schema, `${id} body ${type}`, missing);
      for (const [status, response] of Object.entries((op.responses ?? {}) as Json)) {
        for (const [type, media] of Object.entries((response.content ?? {}) as Json)) undescribed(media.schema, `${id} ${status} ${type}`, missing);
      }
    }
    expect(missing).toEqual([]);
  });

  it('lists every error code with its HTTP status, and every turn error code, in info.description', () => {
    const text: string = doc.info.description;
    const codes = Object.entries(STATUS_BY_CODE);
    expect(codes.length).toBeGreaterThan(20);
    for (const [code, status] of codes) expect(text, code).toMatch(new RegExp(`\\| \`${code}\` \\| ${status} \\| \\S`));
    for (const code of Object.keys(TURN_ERROR_CODES)) expect(text, code).toContain(`\`${code}\``);
  });

  it('/docs and its assets need no key, are local and under a strict CSP', async () => {
    const res = await t.request('GET', '/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    const html = await res.text();
    // No inline script, nothing from another host.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const assets = [...html.matchAll(/(?:src|href)="(\/docs\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const a of assets) {
      const r = await t.request('GET', a);
      expect(r.status, a).toBe(200);
      expect(r.headers.get('cache-control'), a).toContain('immutable');
      await r.arrayBuffer();
    }
    // Only the files the page needs: not the package's demo page or its petstore initializer.
    expect((await t.request('GET', '/docs/assets/index.html')).status).toBe(404);
    expect((await t.request('GET', '/docs/assets/swagger-initializer.js')).status).toBe(404);
  });

  it('/docs renders the operations in Chromium without a request leaving localhost', async () => {
    browser = await launchBrowser();
    const tp = await newPage(browser);
    const consoleErrors: string[] = [];
    tp.page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    try {
      tp.page.setDefaultTimeout(20_000);
      await tp.page.goto(`${t.url}/docs`);
      await tp.page.getByText('Send a message: wait for the answer', { exact: false }).first().waitFor();
      await tp.page.getByText('Create a session', { exact: true }).first().waitFor();
      // The error table from info.description is rendered too.
      await tp.page.getByText('session_busy').first().waitFor();
      await screenshot(tp.page, 'docs');
      // Expanding an operation shows its schema (no fetch of any external $ref or validator).
      await tp.page.locator('.opblock-summary', { hasText: 'Send a message: wait for the answer' }).first().click();
      await tp.page.getByText('if_busy').first().waitFor();
      expect(tp.foreignRequests, 'requests to other hosts').toEqual([]);
      expect(tp.pageErrors, 'uncaught errors in the page').toEqual([]);
      expect(consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e)), 'CSP violations').toEqual([]);
    } finally {
      await tp.close();
    }
  });
});
