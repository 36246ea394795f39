/**
 * Typed domain errors. Each carries a stable `code` that clients can switch on; the HTTP layer maps
 * codes to status codes in exactly one place (src/http/errors.ts). Nothing here knows about HTTP.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('validation_error', message, details);
  }
}

export class NotFoundError extends DomainError {
  constructor(what: 'session' | 'turn' | 'permission' | 'account' | 'api_key', id: string) {
    super(`${what}_not_found`, `No ${what} with id ${JSON.stringify(id.slice(0, 100))}.`);
  }
}

export class SessionBusyError extends DomainError {
  constructor(sessionId: string) {
    super('session_busy', `Session ${sessionId} is already running a turn; wait for it to finish.`);
  }
}

export class EventsExpiredError extends DomainError {
  constructor(turnId: string) {
    super('events_expired', `The events of turn ${turnId} are past their retention; read the turn itself instead.`);
  }
}

export class QueueFullError extends DomainError {
  constructor(sessionId: string, limit: number) {
    super('queue_full', `Session ${sessionId} already has ${limit} turns waiting; try again when one has run.`, {
      limit,
      retry_after_s: 5,
    });
  }
}

export class TooManyTurnsError extends DomainError {
  constructor(limit: number) {
    super('too_many_turns', `This account already runs ${limit} turns at once; try again shortly.`, {
      limit,
      retry_after_s: 5,
    });
  }
}

/** No usable credentials: `unauthorized` (none), `invalid_api_key` (malformed or unknown), `api_key_revoked`. */
export class UnauthorizedError extends DomainError {
  constructor(code: 'unauthorized' | 'invalid_api_key' | 'api_key_revoked', message: string) {
    super(code, message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super('forbidden', message);
  }
}

export class SessionArchivedError extends DomainError {
  constructor(sessionId: string) {
    super('session_archived', `Session ${sessionId} is archived and read-only; unarchive it first.`);
  }
}

export class TooManySessionsError extends DomainError {
  constructor(limit: number) {
    super('too_many_sessions', `This account already stores ${limit} sessions, its limit; delete some first.`, { limit });
  }
}

/** A daily or monthly budget (USD or tokens) is spent; it resets at `resetsAt` (UTC midnight). */
export class BudgetExceededError extends DomainError {
  constructor(window: 'daily' | 'monthly', unit: 'usd' | 'tokens', limit: number, spent: number, resetsAt: number, now: number) {
    const what = unit === 'usd' ? `$${limit} ${window} budget` : `${limit}-token ${window} budget`;
    super('budget_exceeded', `This account has used its ${what}; it resets at ${new Date(resetsAt).toISOString()}.`, {
      window,
      unit,
      limit,
      spent,
      resets_at: new Date(resetsAt).toISOString(),
      retry_after_s: Math.max(1, Math.ceil((resetsAt - now) / 1000)),
    });
  }
}

export class ShuttingDownError extends DomainError {
  constructor() {
    super('shutting_down', 'The server is shutting down and takes no new turns; retry on another instance.', {
      retry_after_s: 5,
    });
  }
}

export class MessageTooLargeError extends DomainError {
  constructor(bytes: number, limit: number) {
    super('message_too_large', `The message is ${bytes} bytes; the limit is ${limit} bytes.`, { bytes, limit });
  }
}

/**
 * Why a turn failed, as recorded on the turn (`error.code`) and sent in `turn.failed`, with what
 * each means; the OpenAPI document lists them from here.
 */
export const TURN_ERROR_CODES = {
  model_error: 'The model API answered with an error (other than the ones below).',
  model_overloaded: 'The model API is overloaded (HTTP 529), after retries.',
  rate_limited: 'The model API rate-limited the request (HTTP 429), after retries.',
  model_auth_failed: 'The model API refused the server’s credentials (HTTP 401/403).',
  invalid_request: 'The model API rejected the request as invalid (HTTP 400).',
  timed_out: 'The turn ran longer than the server’s turn timeout and was stopped.',
  max_turns: 'The agent stopped after `max_turns` steps without finishing.',
  budget_exceeded: 'The agent stopped: the turn reached its cost budget (`max_budget_usd`).',
  agent_error: 'The agent failed during execution.',
  agent_crashed: 'The agent process died or was stopped during the turn; the next message recovers the session.',
  sandbox_unavailable: 'The agent’s sandbox could not be started (see /health); the session is intact and the next message retries.',
  server_restarted: 'The server shut down before or while the turn ran.',
  instance_lost: 'The instance running the turn stopped answering (cluster).',
} as const satisfies Record<string, string>;

export type TurnErrorCode = keyof typeof TURN_ERROR_CODES;
