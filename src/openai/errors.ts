import { DomainError } from '../errors.js';

/**
 * OpenAI's error shape for the OpenAI-compatible routes: `{"error":{"message","type","code","param"}}`.
 * The status and `code` are ours (src/http/errors.ts, one table); this adds OpenAI's `type`, which
 * is what its client libraries and chat UIs show, and `param`, the request field at fault.
 */

export interface OpenAiErrorBody {
  error: { message: string; type: string; code: string; param: string | null };
}

/** OpenAI's `type` for an error, from our code where it has its own, else from the status. */
const TYPE_BY_CODE: Record<string, string> = {
  budget_exceeded: 'insufficient_quota',
  too_many_sessions: 'insufficient_quota',
  session_busy: 'invalid_request_error',
  shutting_down: 'server_error',
};

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'invalid_request_error',
  409: 'invalid_request_error',
  410: 'invalid_request_error',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
  429: 'rate_limit_error',
};

export function openAiErrorType(code: string, status: number): string {
  return TYPE_BY_CODE[code] ?? TYPE_BY_STATUS[status] ?? 'server_error';
}

/** Our error (code, message, details) in OpenAI's shape; `details.param` names the field at fault. */
export function toOpenAiError(code: string, message: string, status: number, details?: Record<string, unknown>): OpenAiErrorBody {
  const issues = details?.issues as Array<{ path?: string }> | undefined;
  const param = typeof details?.param === 'string' ? details.param : (issues?.[0]?.path || null);
  return { error: { message, type: openAiErrorType(code, status), code, param } };
}

/**
 * Codes only the OpenAI-compatible routes raise. Statuses are in src/http/errors.ts with the others.
 */
export type OpenAiRequestCode =
  | 'unknown_parameter'
  | 'invalid_value'
  | 'missing_required_parameter'
  | 'unsupported_parameter'
  | 'unsupported_value'
  | 'unsupported_attachment'
  | 'model_not_found';

/** A request the OpenAI routes refuse, naming the field at fault (`param`). */
export class OpenAiRequestError extends DomainError {
  constructor(code: OpenAiRequestCode, param: string | null, message: string) {
    super(code, message, param === null ? undefined : { param });
  }
}

/** A response id that is not the account's (or was created with `store: false`). */
export class ResponseNotFoundError extends DomainError {
  constructor(id: string) {
    super('response_not_found', `No response with id ${JSON.stringify(id.slice(0, 100))}.`);
  }
}

/** Paths answered in OpenAI's error shape. */
export const isOpenAiPath = (path: string): boolean =>
  path === '/v1/chat/completions' || path === '/v1/models' || path.startsWith('/v1/models/') || path === '/v1/responses' || path.startsWith('/v1/responses/');

/** Turns a zod issue list into the OpenAI code and field it is about. */
export function fromZodIssue(issue: { code: string; path: PropertyKey[]; message: string; keys?: string[] }): {
  code: OpenAiRequestCode;
  param: string;
  message: string;
} {
  const at = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys' && issue.keys?.length) {
    const key = at ? `${at}.${issue.keys[0]}` : issue.keys[0]!;
    return { code: 'unknown_parameter', param: key, message: `Unrecognized request argument supplied: ${key}` };
  }
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
    return { code: 'missing_required_parameter', param: at, message: `Missing required parameter: '${at}'.` };
  }
  return { code: 'invalid_value', param: at, message: `Invalid '${at}': ${issue.message}` };
}

/**
 * The HTTP status a failed turn answers with on the OpenAI routes (our own routes answer 200 with
 * `status: "failed"`; OpenAI clients expect an error). Anything not listed is a 500.
 */
const TURN_FAILURE_STATUS: Record<string, number> = {
  rate_limited: 429,
  budget_exceeded: 429,
  model_overloaded: 503,
  server_restarted: 503,
  instance_lost: 503,
  timed_out: 504,
  model_error: 502,
  model_auth_failed: 502,
};

export const turnFailureStatus = (code: string | null): number => TURN_FAILURE_STATUS[code ?? ''] ?? 500;
