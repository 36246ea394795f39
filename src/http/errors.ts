import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import { DomainError } from '../errors.js';
import { InvalidCursorError, StoreNotFoundError } from '../store/errors.js';
import { StoreConflictError } from '../store/types.js';

/** The one place where error codes become HTTP status codes. */
const STATUS_BY_CODE: Record<string, ContentfulStatusCode> = {
  validation_error: 400,
  invalid_json: 400,
  invalid_session_id: 400,
  invalid_cursor: 400,
  unauthorized: 401,
  invalid_api_key: 401,
  api_key_revoked: 401,
  forbidden: 403,
  not_found: 404,
  account_not_found: 404,
  api_key_not_found: 404,
  session_not_found: 404,
  turn_not_found: 404,
  permission_not_found: 404,
  events_expired: 410,
  session_busy: 409,
  session_archived: 409,
  conflict: 409,
  message_too_large: 413,
  queue_full: 429,
  too_many_turns: 429,
  too_many_sessions: 429,
  budget_exceeded: 429,
  unsupported_media_type: 415,
  internal_error: 500,
  shutting_down: 503,
  instance_unreachable: 503,
};

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export function errorJson(c: Context, code: string, message: string, details?: Record<string, unknown>) {
  const body: ErrorBody = { error: { code, message, ...(details ? { details } : {}) } };
  // A retry hint becomes the standard header too, so generic HTTP clients back off correctly.
  if (typeof details?.retry_after_s === 'number') c.header('Retry-After', String(details.retry_after_s));
  if (STATUS_BY_CODE[code] === 401) c.header('WWW-Authenticate', 'Bearer realm="claude-agent-api"');
  return c.json(body, STATUS_BY_CODE[code] ?? 500);
}

/** Translates any thrown error into our JSON error shape; unexpected ones are logged, not leaked. */
export function toErrorResponse(err: unknown, c: Context, log: Logger) {
  if (err instanceof DomainError) return errorJson(c, err.code, err.message, err.details);
  if (err instanceof InvalidCursorError) return errorJson(c, 'invalid_cursor', err.message);
  if (err instanceof StoreConflictError) return errorJson(c, 'conflict', err.message);
  // A row vanished between our check and the write (e.g. deleted mid-turn).
  if (err instanceof StoreNotFoundError) return errorJson(c, 'not_found', err.message);
  if (err instanceof HTTPException) {
    if (err.status === 400) return errorJson(c, 'invalid_json', 'The request body is not valid JSON.');
    if (err.status === 413) return errorJson(c, 'message_too_large', err.message || 'The request body is too large.');
    return c.json({ error: { code: `http_${err.status}`, message: err.message } }, err.status);
  }
  log.error({ err, path: c.req.path }, 'unhandled error');
  return errorJson(c, 'internal_error', 'An internal error occurred.');
}
