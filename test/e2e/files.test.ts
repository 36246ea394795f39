import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { createTenant, type Tenant } from '../helpers/tenants.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** One request with a literal path (fetch would normalise `..` away) and an optional body. */
function raw(t: TestServer, method: string, p: string, headers: Record<string, string>, body?: Buffer | string) {
  const { port } = new URL(t.url);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path: p, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const code = (r: { status: number; body: Buffer }) => {
  try {
    return JSON.parse(r.body.toString()).error.code as string;
  } catch {
    return `${r.status} ${r.body.toString().slice(0, 80)}`;
  }
};

describe('files API', () => {
  let t: TestServer;
  let a: Tenant;
  let b: Tenant;
  let sid: string;
  const files = (id: string) => `/v1/sessions/${id}/files`;
  const put = (id: string, rel: string, body: Buffer | string, who = a) =>
    fetch(`${t.url}${files(id)}/${rel}`, { method: 'PUT', headers: { ...who.headers, 'content-type': 'application/octet-stream' }, body });

  beforeAll(async () => {
    t = await startTestServer({ CLAUDE_BUILTIN_TOOLS: 'Read,Write', MAX_FILE_BYTES: '4096', MAX_FILES_PER_SESSION: '5', ADMIN_API_KEY: 'files-test-admin-key-0123456789abcdef01234' });
    a = await createTenant(t, 'files-a');
    b = await createTenant(t, 'files-b');
    sid = await a.newSession();
  }, 60_000);
  afterAll(() => t.close());

  it('upload → the agent reads it → the agent writes a file → list and download it', async () => {
    const up = await put(sid, 'in/data.txt', 'the answer is 42\n');
    expect(up.status).toBe(201);
    expect(await up.json()).toMatchObject({ path: 'in/data.txt', size: 17, sha256: sha('the answer is 42\n') });

    const ws = path.join(t.config.sessionWorkspacesDir, sid);
    const read = await a.tool(sid, 'Read', { file_path: path.join(ws, 'in/data.txt') });
    expect(read.denied).toBeFalsy();
    expect(read.result).toContain('the answer is 42');

    const wrote = await a.tool(sid, 'Write', { file_path: path.join(ws, 'out/result.md'), content: '# Result\n42\n' });
    expect(wrote.denied).toBeFalsy();
    expect(wrote.is_error).toBeFalsy();

    const list = await t.json('GET', files(sid), undefined, a.headers);
    expect(list.status).toBe(200);
    expect(list.body.files.map((f: { path: string }) => f.path)).toEqual(['in/data.txt', 'out/result.md']);
    const result = list.body.files[1];
    expect(result).toMatchObject({ size: 12, sha256: sha('# Result\n42\n') });
    expect(Date.parse(result.modified_at)).toBeGreaterThan(0);
    const onlyOut = await t.json('GET', `${files(sid)}?prefix=out/`, undefined, a.headers);
    expect(onlyOut.body.files.map((f: { path: string }) => f.path)).toEqual(['out/result.md']);

    const dl = await t.request('GET', `${files(sid)}/out/result.md`, undefined, a.headers);
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(dl.headers.get('content-disposition')).toBe(`attachment; filename="result.md"; filename*=UTF-8''result.md`);
    expect(dl.headers.get('etag')).toBe(`"${sha('# Result\n42\n')}"`);
    expect(await dl.text()).toBe('# Result\n42\n');
  }, 120_000);

  it('answers ranges, If-None-Match and unsatisfiable ranges', async () => {
    await put(sid, 'abc.bin', '0123456789');
    const get = (h: Record<string, string>) => t.request('GET', `${files(sid)}/abc.bin`, undefined, { ...a.headers, ...h });
    const part = await get({ range: 'bytes=2-4' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 2-4/10');
    expect(await part.text()).toBe('234');
    const tail = await get({ range: 'bytes=-3' });
    expect(await tail.text()).toBe('789');
    const from = await get({ range: 'bytes=7-' });
    expect(await from.text()).toBe('789');
    const bad = await get({ range: 'bytes=10-' });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe('bytes */10');
    expect((await bad.json()).error.code).toBe('range_not_satisfiable');
    const same = await get({ 'if-none-match': `"${sha('0123456789')}"` });
    expect(same.status).toBe(304);
    const deleted = await t.request('DELETE', `${files(sid)}/abc.bin`, undefined, a.headers);
    expect(deleted.status).toBe(204);
    expect((await get({})).status).toBe(404);
    expect((await (await get({})).json()).error.code).toBe('file_not_found');
  });

  it('refuses path attacks on every route, with invalid_path', async () => {
    const ws = path.join(t.config.sessionWorkspacesDir, sid);
    await writeFile(path.join(t.dataDir, 'secret.txt'), 'not yours');
    await symlink(t.dataDir, path.join(ws, 'link-dir'));
    await symlink(path.join(t.dataDir, 'secret.txt'), path.join(ws, 'link-file'));
    const attacks = [
      '../../../secret.txt', // literal, sent as is (fetch would normalise it)
      '..%2F..%2F..%2Fsecret.txt',
      '%2e%2e%2fsecret.txt',
      'a/..%2F..%2Fb',
      '%2Fetc%2Fpasswd',
      '%2F%2Fetc/passwd',
      'a%00b',
      'a%5Cb',
      'a//b',
      'a%2F.%2Fb',
      'dir/',
      'link-dir/secret.txt',
      'link-file',
      `${'d/'.repeat(40)}f`,
      'x'.repeat(300),
      '%E0%A4%A',
    ];
    const h = { ...a.headers, 'content-type': 'application/octet-stream' };
    for (const attack of attacks) {
      for (const method of ['PUT', 'GET', 'DELETE']) {
        const r = await raw(t, method, `${files(sid)}/${attack}`, h, method === 'PUT' ? 'pwned' : undefined);
        // `../` segments sent literally are resolved by the URL parser before routing: they reach
        // no files route at all (a PUT with a file's body then fails the JSON content check).
        const expected = attack.startsWith('../') ? ['not_found', 'unsupported_media_type'] : ['invalid_path'];
        expect({ attack, method, code: code(r), ok: expected.includes(code(r)) }).toMatchObject({ attack, method, ok: true });
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
      }
    }
    expect(await readFile(path.join(t.dataDir, 'secret.txt'), 'utf8')).toBe('not yours');
    const prefix = await t.json('GET', `${files(sid)}?prefix=${encodeURIComponent('../')}`, undefined, a.headers);
    expect(prefix.body.error.code).toBe('invalid_path');
    // Listing skips links: nothing outside the workspace shows.
    const list = await t.json('GET', files(sid), undefined, a.headers);
    expect(list.body.files.map((f: { path: string }) => f.path)).not.toContain('link-file');
    expect(JSON.stringify(list.body)).not.toContain('secret');
  });

  it('keeps each account to its own sessions', async () => {
    for (const [method, p] of [['GET', files(sid)], ['GET', `${files(sid)}/in/data.txt`], ['DELETE', `${files(sid)}/in/data.txt`], ['PUT', `${files(sid)}/x.txt`]] as const) {
      const r = await raw(t, method, p, { ...b.headers, 'content-type': 'application/octet-stream' }, method === 'PUT' ? 'x' : undefined);
      expect({ method, p, status: r.status, code: code(r) }).toEqual({ method, p, status: 404, code: 'session_not_found' });
    }
    expect((await t.request('GET', `${files(sid)}/in/data.txt`, undefined, a.headers)).status).toBe(200);
    expect((await t.request('GET', files(sid))).status).toBe(401);
  });

  it('refuses files past MAX_FILE_BYTES, declared or streamed, and leaves nothing', async () => {
    const big = Buffer.alloc(5000, 1);
    const declared = await put(sid, 'big.bin', big);
    expect(declared.status).toBe(413);
    expect((await declared.json()).error.code).toBe('file_too_large');
    // Chunked: no Content-Length, so the limit is found while streaming.
    const streamed = await fetch(`${t.url}${files(sid)}/big.bin`, {
      method: 'PUT',
      headers: { ...a.headers, 'content-type': 'application/octet-stream' },
      body: new ReadableStream({
        start(c) {
          for (let i = 0; i < 5; i++) c.enqueue(new Uint8Array(1000));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await streamed.json()).error.code).toBe('file_too_large');
    expect((await t.request('GET', `${files(sid)}/big.bin`, undefined, a.headers)).status).toBe(404);
    expect(await readdir(t.config.files.tmpDir)).toEqual([]);
  });

  it('an interrupted upload leaves nothing', async () => {
    const { port } = new URL(t.url);
    await new Promise<void>((resolve) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'PUT',
        path: `${files(sid)}/half.txt`,
        headers: { ...a.headers, 'content-type': 'application/octet-stream', 'content-length': '3000' },
      });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(1500, 65), () => setTimeout(() => req.destroy(), 200));
      req.on('close', () => resolve());
    });
    // The server notices the abort; give it a moment (no timing assertion: poll until the temp file goes).
    for (let i = 0; i < 50 && (await readdir(t.config.files.tmpDir)).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await readdir(t.config.files.tmpDir)).toEqual([]);
    expect((await t.request('GET', `${files(sid)}/half.txt`, undefined, a.headers)).status).toBe(404);
  });

  it('refuses a session’s file past MAX_FILES_PER_SESSION, and overwriting stays allowed', async () => {
    const s = await a.newSession();
    for (let i = 0; i < 5; i++) expect((await put(s, `f${i}.txt`, 'x')).status).toBe(201);
    const sixth = await put(s, 'f5.txt', 'x');
    expect(sixth.status).toBe(413);
    expect(await sixth.json()).toMatchObject({ error: { code: 'storage_quota_exceeded', details: { quota: 'session_files', limit: 5 } } });
    expect((await put(s, 'f0.txt', 'replaced')).status).toBe(201);
  });

  it('refuses uploads past the account’s max_storage_bytes', async () => {
    const admin = { authorization: `Bearer ${t.config.auth.adminKey}` };
    const acct = await t.json('POST', '/v1/admin/accounts', { name: 'files-quota', limits: { max_storage_bytes: 5000 } }, admin);
    const key = await t.json('POST', `/v1/admin/accounts/${acct.body.id}/keys`, {}, admin);
    const q = { ...a, headers: { authorization: `Bearer ${key.body.key}` } };
    const s1 = (await t.json('POST', '/v1/sessions', {}, q.headers)).body.id;
    const s2 = (await t.json('POST', '/v1/sessions', {}, q.headers)).body.id;
    expect((await put(s1, 'a.bin', Buffer.alloc(3000), q)).status).toBe(201);
    // The quota counts every session of the account.
    const over = await put(s2, 'b.bin', Buffer.alloc(3000), q);
    expect(over.status).toBe(413);
    expect(await over.json()).toMatchObject({ error: { code: 'storage_quota_exceeded', details: { quota: 'account_bytes', limit: 5000, used: 3000 } } });
    expect((await t.request('GET', `${files(s2)}/b.bin`, undefined, q.headers)).status).toBe(404);
    expect((await put(s2, 'b.bin', Buffer.alloc(2000), q)).status).toBe(201);
  });

  it('refuses changes while a turn runs (session_busy) and on an archived session; reads still work', async () => {
    const s = await a.newSession();
    expect((await put(s, 'keep.txt', 'kept')).status).toBe(201);
    const turn = t.json('POST', `/v1/sessions/${s}/messages`, { message: `MOCK slow 100 ${'w '.repeat(30)}` }, a.headers);
    let busy: Response | null = null;
    for (let i = 0; i < 100; i++) {
      busy = await put(s, 'during.txt', 'x');
      if (busy.status === 409) break;
      await t.request('DELETE', `${files(s)}/during.txt`, undefined, a.headers);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(busy!.status).toBe(409);
    expect((await busy!.json()).error.code).toBe('session_busy');
    const del = await t.request('DELETE', `${files(s)}/keep.txt`, undefined, a.headers);
    expect(del.status).toBe(409);
    expect((await t.request('GET', `${files(s)}/keep.txt`, undefined, a.headers)).status).toBe(200);
    expect((await turn).status).toBe(200);

    expect((await t.json('POST', `/v1/sessions/${s}/archive`, undefined, a.headers)).status).toBe(200);
    const archived = await put(s, 'late.txt', 'x');
    expect(archived.status).toBe(409);
    expect((await archived.json()).error.code).toBe('session_archived');
  }, 120_000);
});
