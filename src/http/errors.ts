import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import { DomainError } from '../errors.js';
import { isOpenAiPath, toOpenAiError } from '../openai/errors.js';
import { InvalidCursorError, StoreNotFoundError, UnstorableTextError } from '../store/errors.js';
import { StoreConflictError } from '../store/types.js';

/**
 * The one place where error codes become HTTP status codes, with what each means. The OpenAPI
 * document's error table is generated from this (see `errorCodeTable`).
 */
export const ERROR_CODES = {
  validation_error: { status: 400, meaning: 'The request body, query or a parameter is invalid; `details.issues` says where.' },
  invalid_json: { status: 400, meaning: 'The request body is not valid JSON.' },
  invalid_session_id: { status: 400, meaning: 'A path id is not a UUID.' },
  invalid_cursor: { status: 400, meaning: 'The pagination cursor is not one this API returned.' },
  invalid_event_id: { status: 400, meaning: 'The `Last-Event-ID` header or `last_event_id` is not an event id of this stream (a decimal number, at most the last one sent).' },
  unauthorized: { status: 401, meaning: 'No API key was sent (`Authorization: Bearer <key>`).' },
  invalid_api_key: { status: 401, meaning: 'The API key is malformed or unknown.' },
  api_key_revoked: { status: 401, meaning: 'The API key was revoked.' },
  forbidden: { status: 403, meaning: 'The key may not do this: an admin route with an account key, or a session route with the admin key.' },
  not_found: { status: 404, meaning: 'No such route, or the resource vanished meanwhile.' },
  account_not_found: { status: 404, meaning: 'No account with this id.' },
  api_key_not_found: { status: 404, meaning: 'No API key with this id in the account.' },
  session_not_found: { status: 404, meaning: 'No session with this id (for this account).' },
  turn_not_found: { status: 404, meaning: 'No turn with this id in the session.' },
  permission_not_found: { status: 404, meaning: 'No pending permission request with this id.' },
  events_expired: { status: 410, meaning: 'The turn’s events are past their retention; read the turn instead.' },
  session_busy: { status: 409, meaning: 'The session is running a turn (`if_busy: reject`).' },
  session_archived: { status: 409, meaning: 'The session is archived and read-only; unarchive it first.' },
  conflict: { status: 409, meaning: 'A unique value (e.g. an account name) is already taken.' },
  message_too_large: { status: 413, meaning: 'The message or request body exceeds the size limit.' },
  too_many_auth_failures: { status: 429, meaning: 'Too many failed authentication attempts from this address; see Retry-After.' },
  queue_full: { status: 429, meaning: 'Too many turns already wait on the session; see Retry-After.' },
  too_many_turns: { status: 429, meaning: 'The account runs its maximum of concurrent turns; see Retry-After.' },
  too_many_sessions: { status: 429, meaning: 'The account stores its maximum of sessions.' },
  budget_exceeded: { status: 429, meaning: 'A daily or monthly budget is spent; `details.resets_at` says when it resets.' },
  unsupported_media_type: { status: 415, meaning: 'A request body was sent without `Content-Type: application/json`.' },
  unknown_parameter: { status: 400, meaning: 'OpenAI-compatible routes: a field this API does not know; `param` names it.' },
  invalid_value: { status: 400, meaning: 'OpenAI-compatible routes: a field has a wrong type or value; `param` names it.' },
  missing_required_parameter: { status: 400, meaning: 'OpenAI-compatible routes: a required field is missing; `param` names it.' },
  unsupported_parameter: { status: 400, meaning: 'OpenAI-compatible routes: a known OpenAI feature this service does not offer (e.g. `n` > 1, `logprobs`, `tools`).' },
  unsupported_value: { status: 400, meaning: 'OpenAI-compatible routes: a value this service does not offer (e.g. a `tool` role message).' },
  unsupported_attachment: { status: 400, meaning: 'OpenAI-compatible routes: image, audio and file content parts are not supported yet.' },
  model_not_found: { status: 404, meaning: 'OpenAI-compatible routes: the model is not one this server offers (see GET /v1/models).' },
  response_not_found: { status: 404, meaning: 'No response with this id for this account (responses made with `store: false` are not kept).' },
  invalid_path: { status: 400, meaning: 'A file path is empty, absolute, has `.`/`..`/empty segments, NUL or control characters or backslashes, is too long or deep, or goes through a symlink.' },
  file_not_found: { status: 404, meaning: 'No such file in the session’s workspace.' },
  file_too_large: { status: 413, meaning: 'An uploaded file exceeds MAX_FILE_BYTES.' },
  storage_quota_exceeded: { status: 413, meaning: 'An upload would pass the account’s `max_storage_bytes` or the files a session may hold; `details.quota` says which.' },
  range_not_satisfiable: { status: 416, meaning: 'The `Range` of a file download lies outside the file.' },
  internal_error: { status: 500, meaning: 'An unexpected error; the server logged it.' },
  not_ready: { status: 503, meaning: 'The instance is not ready (database unreachable or schema not migrated); from `/ready`.' },
  shutting_down: { status: 503, meaning: 'The instance is draining and takes no new turns; retry on another.' },
  instance_unreachable: { status: 503, meaning: 'The instance running the turn did not answer; try again shortly.' },
} as const satisfies Record<string, { status: ContentfulStatusCode; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const STATUS_BY_CODE: Record<string, ContentfulStatusCode> = Object.fromEntries(
  Object.entries(ERROR_CODES).map(([code, { status }]) => [code, status]),
);

/** A Markdown table of every error code, its HTTP status and meaning, sorted by status. */
export function errorCodeTable(): string {
  const rows = (Object.entries(ERROR_CODES) as Array<[string, { status: number; meaning: string }]>)
    .sort(([a, x], [b, y]) => x.status - y.status || a.localeCompare(b))
    .map(([code, { status, meaning }]) => `| \`${code}\` | ${status} | ${meaning} |`);
  return ['| Code | HTTP status | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export function errorJson(c: Context, code: string, message: string, details?: Record<string, unknown>) {
  const status = STATUS_BY_CODE[code] ?? 500;
  // A retry hint becomes the standard header too, so generic HTTP clients back off correctly.
  if (typeof details?.retry_after_s === 'number') c.header('Retry-After', String(details.retry_after_s));
  if (status === 401) c.header('WWW-Authenticate', 'Bearer realm="claude-agent-api"');
  if (isOpenAiPath(c.req.path)) {
    // OpenAI's clients retry 409/429 by default; a spent budget or a busy session will not clear in seconds.
    if (code === 'budget_exceeded' || code === 'session_busy' || code === 'too_many_sessions') c.header('x-should-retry', 'false');
    return c.json(toOpenAiError(code, message, status, details), status);
  }
  const body: ErrorBody = { error: { code, message, ...(details ? { details } : {}) } };
  return c.json(body, status);
}

/** Translates any thrown error into our JSON error shape; unexpected ones are logged, not leaked. */
export function toErrorResponse(err: unknown, c: Context, log: Logger) {
  if (err instanceof DomainError) return errorJson(c, err.code, err.message, err.details);
  if (err instanceof InvalidCursorError) return errorJson(c, 'invalid_cursor', err.message);
  if (err instanceof UnstorableTextError) return errorJson(c, 'validation_error', 'Text values may not contain NUL characters (U+0000).');
  if (err instanceof StoreConflictError) return errorJson(c, 'conflict', err.message);
  // A row vanished between our check and the write (e.g. deleted mid-turn).
  if (err instanceof StoreNotFoundError) return errorJson(c, 'not_found', err.message);
  if (err instanceof HTTPException) {
    if (err.status === 400) return errorJson(c, 'invalid_json', 'The request body is not valid JSON.');
    if (err.status === 413) return errorJson(c, 'message_too_large', err.message || 'The request body is too large.');
    return c.json({ error: { code: `http_${err.status}`, message: err.message } }, err.status);
  }
  log.error({ err, request_id: c.get('requestId'), path: c.req.path }, 'unhandled error');
  return errorJson(c, 'internal_error', 'An internal error occurred.');
}
