import { ERROR_CODES, type ErrorCode } from './errors.js';

/**
 * Completes the generated OpenAPI document with what every route shares, from the same table
 * that maps error codes to statuses (errors.ts): the statuses authentication, body handling and
 * parameter validation can answer with (each route itself declares only what is its own), a tag
 * per resource (Swagger UI at /docs groups by them), `servers` and the license.
 */

/** The resources, in the order /docs shows them; an operation's tag is its operationId's prefix. */
export const TAGS = [
  { name: 'sessions', description: 'Create, list, read, rename, archive, fork and delete sessions.' },
  { name: 'messages', description: 'Send a message (blocking, streamed or in the background) and read a session’s history.' },
  { name: 'turns', description: 'A turn’s result and its replayable event stream.' },
  { name: 'permissions', description: 'Approve or deny a tool call waiting for approval.' },
  { name: 'account', description: 'The calling account: limits, usage, storage.' },
  { name: 'admin', description: 'Accounts, keys, usage of all accounts, retention (the admin key).' },
  { name: 'runtime', description: 'The agent processes of this instance (the admin key).' },
  { name: 'system', description: 'Liveness, readiness: public.' },
  { name: 'seed', description: 'The original `POST /chat` and `GET /sessions/{id}`, with their field names.' },
  { name: 'openai', description: 'OpenAI-compatible chat completions, responses and models, with OpenAI-shaped errors.' },
] as const;

const TAG_OF_PREFIX: Record<string, (typeof TAGS)[number]['name']> = {
  sessions: 'sessions',
  messages: 'messages',
  turns: 'turns',
  permissions: 'permissions',
  account: 'account',
  admin: 'admin',
  runtime: 'runtime',
  system: 'system',
  seed: 'seed',
  openai: 'openai',
};

/** Codes every authenticated operation may answer (before it looks at the request at all). */
const AUTH_CODES: ErrorCode[] = ['unauthorized', 'invalid_api_key', 'api_key_revoked', 'too_many_auth_failures', 'forbidden'];
/** Codes of any request that carries a body (every method but GET and HEAD), checked before the route runs. */
const BODY_CODES: ErrorCode[] = ['invalid_json', 'message_too_large', 'unsupported_media_type'];

interface Operation {
  operationId?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: unknown;
  responses: Record<string, { description: string; content?: Record<string, unknown> }>;
}

type Doc = {
  paths: Record<string, Record<string, Operation>>;
  tags?: unknown;
  servers?: unknown;
  info: Record<string, unknown>;
};

/** What the framework itself answers for an operation, before or around its handler. */
function sharedCodes(method: string, op: Operation): ErrorCode[] {
  const codes: ErrorCode[] = [];
  if (!Array.isArray(op.security) || op.security.length > 0) codes.push(...AUTH_CODES);
  // A raw (non-JSON) body, as a file upload's, skips the JSON checks; its route sets its own codes.
  const content = (op.requestBody as { content?: Record<string, unknown> } | undefined)?.content;
  const raw = content !== undefined && !('application/json' in content);
  if (method !== 'get' && method !== 'head' && !raw) codes.push(...BODY_CODES);
  if (op.requestBody && !raw) codes.push('validation_error');
  for (const p of op.parameters ?? []) {
    if (p.in === 'path') codes.push(p.name === 'id' || p.name === 'session_id' ? 'invalid_session_id' : 'validation_error');
    if (p.in === 'query') codes.push(p.name === 'cursor' ? 'invalid_cursor' : 'validation_error');
  }
  return [...new Set(codes)];
}

const describe = (code: ErrorCode) => `\`${code}\`: ${ERROR_CODES[code].meaning}`;

export function completeDocument<D extends object>(input: D, opts: { serverUrl: string; description: string }): D {
  const doc = input as unknown as Doc;
  for (const ops of Object.values(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      // The error shape of the operation's own errors (OpenAI-compatible routes have their own), else ours.
      const own = Object.entries(op.responses).find(([status, r]) => Number(status) >= 400 && r.content?.['application/json']);
      const errorRef = (own?.[1].content?.['application/json'] as { schema?: unknown } | undefined)?.schema ?? { $ref: '#/components/schemas/Error' };
      const prefix = op.operationId?.split('.')[0] ?? '';
      op.tags = [TAG_OF_PREFIX[prefix] ?? 'system'];
      for (const code of sharedCodes(method, op)) {
        const status = String(ERROR_CODES[code].status);
        const existing = op.responses[status];
        if (!existing) {
          op.responses[status] = { description: describe(code), content: { 'application/json': { schema: errorRef } } };
        } else if (!existing.description.includes(`\`${code}\``)) {
          existing.description += `; ${describe(code)}`;
        }
      }
      // Statuses in numeric order, as a reader scans them.
      op.responses = Object.fromEntries(Object.entries(op.responses).sort(([a], [b]) => a.localeCompare(b)));
    }
  }
  doc.tags = TAGS.map((t) => ({ ...t }));
  doc.servers = [{ url: opts.serverUrl, description: opts.description }];
  doc.info.license = { name: 'MIT', identifier: 'MIT' };
  return input;
}
