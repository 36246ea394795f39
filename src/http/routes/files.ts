import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { getMimeType } from 'hono/utils/mime';
import { Readable } from 'node:stream';
import { RangeNotSatisfiableError } from '../../files/errors.js';
import { InvalidPathError } from '../../files/paths.js';
import type { FileEntry, FilesService } from '../../files/service.js';
import type { ApiApp, ApiEnv } from '../app.js';
import { errorJson } from '../errors.js';
import { SessionIdParam } from '../schemas.js';
import { account, errorsFor, json } from './helpers.js';

/** Routes whose body is the raw bytes of a file, not JSON (app.ts skips its JSON checks for them). */
export const RAW_BODY_ROUTE = /^\/v1\/sessions\/[^/]+\/files\/./;

const FileSchema = z
  .object({
    path: z.string().openapi({ description: 'Relative to the workspace, `/`-separated.' }),
    size: z.number().int().openapi({ description: 'Bytes.' }),
    sha256: z.string().openapi({ description: 'Hex SHA-256 of the content (also the download’s ETag).' }),
    modified_at: z.string().openapi({ description: 'ISO 8601.' }),
  })
  .openapi('File');
const FileListSchema = z.object({ files: z.array(FileSchema).openapi({ description: 'Sorted by path.' }) }).openapi('FileList');
const FilePathParam = z.object({
  id: SessionIdParam.shape.id,
  path: z.string().openapi({ param: { name: 'path', in: 'path' }, description: 'File path in the workspace; `/` separates directories.' }),
});
const ListQuery = z.object({ prefix: z.string().max(1024).optional().openapi({ description: 'Only paths starting with this.' }) });


const list = createRoute({
  method: 'get',
  path: '/v1/sessions/{id}/files',
  operationId: 'files.list',
  summary: 'List the files in a session’s workspace',
  request: { params: SessionIdParam, query: ListQuery },
  responses: { 200: json(FileListSchema, 'Regular files (symlinks are not listed), sorted by path'), ...errorsFor('session_not_found', 'invalid_path') },
});

const put = createRoute({
  method: 'put',
  path: '/v1/sessions/{id}/files/{path}',
  operationId: 'files.put',
  summary: 'Upload a file (raw body): written whole or not at all',
  description:
    'The body is streamed to a temporary file and renamed into place, so no reader ever sees part of it; an interrupted ' +
    'upload leaves nothing. Parent directories are created. Refused while a turn runs or waits (409 `session_busy`): ' +
    'the agent owns its workspace during a turn.',
  request: { params: FilePathParam, body: { content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } }, required: true } },
  responses: {
    201: json(FileSchema, 'The stored file'),
    ...errorsFor('session_not_found', 'invalid_path', 'session_busy', 'session_archived', 'file_too_large', 'storage_quota_exceeded'),
  },
});

const download = createRoute({
  method: 'get',
  path: '/v1/sessions/{id}/files/{path}',
  operationId: 'files.get',
  summary: 'Download a file (ETag, If-None-Match, single byte ranges)',
  request: { params: FilePathParam },
  responses: {
    200: { content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } }, description: 'The file' },
    206: { description: 'The requested byte range' },
    304: { description: 'Unchanged (If-None-Match)' },
    ...errorsFor('session_not_found', 'file_not_found', 'invalid_path', 'range_not_satisfiable'),
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/v1/sessions/{id}/files/{path}',
  operationId: 'files.delete',
  summary: 'Delete a file',
  request: { params: FilePathParam },
  responses: { 204: { description: 'Deleted' }, ...errorsFor('session_not_found', 'file_not_found', 'invalid_path', 'session_busy', 'session_archived') },
});

const fileView = (f: FileEntry) => ({ path: f.path, size: f.size, sha256: f.sha256, modified_at: new Date(f.modifiedAt).toISOString() });

/** The session id and decoded file path of a `/v1/sessions/{id}/files/{path}` request. */
function target(c: Context<ApiEnv>): { id: string; rel: string } | Response {
  const m = /^\/v1\/sessions\/([^/]+)\/files\/(.+)$/.exec(new URL(c.req.url).pathname);
  const id = SessionIdParam.safeParse({ id: m?.[1] });
  if (!m || !id.success) return errorJson(c, 'invalid_session_id', 'The session id must be a UUID.');
  try {
    return { id: id.data.id, rel: decodeURIComponent(m[2]!) };
  } catch {
    throw new InvalidPathError('it is not valid percent-encoding');
  }
}

/** `bytes=a-b`, `bytes=a-` or `bytes=-n`; anything else (several ranges too) is ignored: the whole file. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | null {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) throw new RangeNotSatisfiableError(size);
  return { start, end };
}

/** Types hono's table lacks that agents often write; text is UTF-8 unless said otherwise. */
const EXTRA_TYPES: Record<string, string> = {
  md: 'text/markdown; charset=utf-8',
  ts: 'text/plain; charset=utf-8',
  py: 'text/x-python; charset=utf-8',
  log: 'text/plain; charset=utf-8',
  yaml: 'application/yaml',
  yml: 'application/yaml',
};
const contentTypeOf = (rel: string) => EXTRA_TYPES[rel.slice(rel.lastIndexOf('.') + 1).toLowerCase()] ?? getMimeType(rel) ?? 'application/octet-stream';

const contentDisposition = (rel: string) => {
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
};

export function registerFileRoutes(app: ApiApp, files: FilesService): void {
  app.openapi(list, async (c) => {
    const entries = await files.list(account(c).accountId, c.req.valid('param').id, c.req.valid('query').prefix ?? '');
    return c.json({ files: entries.map(fileView) }, 200);
  });

  // A path may hold slashes, which an OpenAPI `{path}` parameter cannot match: the routes are
  // documented from their definitions and served by wildcard handlers.
  for (const r of [put, download, remove]) app.openAPIRegistry.registerPath(r);

  app.put('/v1/sessions/:id/files/*', async (c) => {
    const t = target(c);
    if (t instanceof Response) return t;
    const { accountId, limits } = account(c);
    const length = c.req.header('content-length');
    const raw = c.req.raw.body;
    const body = () => (raw ? Readable.fromWeb(raw as import('node:stream/web').ReadableStream) : Readable.from([]));
    const entry = await files.put(accountId, t.id, t.rel, body, {
      declaredBytes: length !== undefined ? Number(length) : undefined,
      maxStorageBytes: limits.maxStorageBytes,
    });
    return c.json(fileView(entry), 201);
  });

  app.get('/v1/sessions/:id/files/*', async (c) => {
    const t = target(c);
    if (t instanceof Response) return t;
    const { handle, entry } = await files.open(account(c).accountId, t.id, t.rel);
    let handed = false;
    try {
      const etag = `"${entry.sha256}"`;
      c.header('ETag', etag);
      c.header('Accept-Ranges', 'bytes');
      c.header('Last-Modified', new Date(entry.modifiedAt).toUTCString());
      if (c.req.header('if-none-match')?.split(',').some((v) => v.trim() === etag)) return c.body(null, 304);
      // Agent-written HTML served from the web chat's origin must never run there: download it,
      // never sniff it, and sandbox it should a browser render it anyway.
      c.header('Content-Type', contentTypeOf(entry.path));
      c.header('Content-Disposition', contentDisposition(entry.path));
      c.header('X-Content-Type-Options', 'nosniff');
      c.header('Content-Security-Policy', "sandbox; default-src 'none'");
      const ifRange = c.req.header('if-range');
      const range = ifRange && ifRange !== etag ? null : parseRange(c.req.header('range'), entry.size);
      const start = range?.start ?? 0;
      const end = range?.end ?? entry.size - 1;
      c.header('Content-Length', String(Math.max(0, end - start + 1)));
      if (range) c.header('Content-Range', `bytes ${start}-${end}/${entry.size}`);
      if (entry.size === 0) return c.body(null, 200);
      const stream = handle.createReadStream({ start, end, autoClose: true });
      handed = true;
      return c.body(Readable.toWeb(stream) as ReadableStream, range ? 206 : 200);
    } catch (err) {
      if (err instanceof RangeNotSatisfiableError) c.header('Content-Range', `bytes */${entry.size}`);
      throw err;
    } finally {
      if (!handed) await handle.close();
    }
  });

  app.delete('/v1/sessions/:id/files/*', async (c) => {
    const t = target(c);
    if (t instanceof Response) return t;
    await files.delete(account(c).accountId, t.id, t.rel);
    return c.body(null, 204);
  });
}
