/**
 * A failed call: the server's `{"error":{"code","message","details"}}` with the HTTP status, or
 * `network_error` (status 0) when the server could not be reached or the connection broke.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiError';
  }

  /** From a parsed error body (whatever it looks like) and the response's status. */
  static fromBody(status: number, body: unknown, statusText = ''): ApiError {
    const error = (body as { error?: unknown } | null)?.error as { code?: unknown; message?: unknown; details?: unknown } | undefined;
    if (error && typeof error.code === 'string') {
      const details = error.details && typeof error.details === 'object' ? (error.details as Record<string, unknown>) : undefined;
      return new ApiError(status, error.code, typeof error.message === 'string' ? error.message : '', details);
    }
    // Not ours (a proxy's error page, say): a generic error with the status.
    return new ApiError(status, `http_${status}`, statusText || `HTTP ${status}`);
  }

  /** Reads a non-2xx response's body into an ApiError. */
  static async fromResponse(res: Response): Promise<ApiError> {
    let body: unknown = null;
    try {
      body = await res.json();
    } catch {
      // not JSON
    }
    return ApiError.fromBody(res.status, body, res.statusText);
  }

  static network(cause: unknown, message = 'The server could not be reached.'): ApiError {
    return new ApiError(0, 'network_error', message, undefined, { cause });
  }
}

/** An AbortSignal fired (the caller gave up): never turned into an ApiError or retried. */
export const isAbortError = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && ((err as { name?: unknown }).name === 'AbortError' || (err as { name?: unknown }).name === 'TimeoutError');
