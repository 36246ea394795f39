import type { History, Health, Session, SessionPage } from './types';

/** A failed request: the server's `{error:{code,message,details}}`, or `network_error` (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const isAbort = (err: unknown): boolean => err instanceof DOMException && err.name === 'AbortError';

/** Turns a non-2xx response into an ApiError, whatever its body looks like. */
export async function errorFrom(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; details?: Record<string, unknown> } };
    if (body.error?.code) return new ApiError(res.status, body.error.code, body.error.message ?? '', body.error.details);
  } catch {
    // Not JSON (a proxy's error page, say): fall through to a generic error.
  }
  return new ApiError(res.status, `http_${res.status}`, res.statusText || `HTTP ${res.status}`);
}

export interface ListQuery {
  limit?: number;
  cursor?: string | null;
  q?: string;
  archived?: boolean;
}

/**
 * The typed fetch wrapper. Every /v1 call carries the API key when there is one; a 401 is
 * reported to `onUnauthorized` (the app goes back to sign-in) as well as thrown.
 */
export class Api {
  constructor(
    private readonly getKey: () => string | null,
    private readonly onUnauthorized: (err: ApiError) => void,
  ) {}

  /** fetch with auth; throws ApiError on network failure, never on HTTP status. */
  async raw(path: string, init: RequestInit = {}, key = this.getKey()): Promise<Response> {
    const headers = new Headers(init.headers);
    if (key) headers.set('Authorization', `Bearer ${key}`);
    if (init.body !== undefined) headers.set('Content-Type', 'application/json');
    try {
      return await fetch(path, { ...init, headers });
    } catch (err) {
      if (isAbort(err)) throw err;
      throw new ApiError(0, 'network_error', 'The server could not be reached.');
    }
  }

  /** A JSON call: the parsed body, or an ApiError for any non-2xx status. */
  async call<T>(method: string, path: string, body?: unknown, init: RequestInit = {}): Promise<T> {
    const res = await this.raw(path, { ...init, method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    if (!res.ok) throw await this.fail(res);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  /** Reads the error of a failed response, telling the app when the key stopped working. */
  async fail(res: Response): Promise<ApiError> {
    const err = await errorFrom(res);
    if (res.status === 401) this.onUnauthorized(err);
    return err;
  }

  health = () => this.call<Health>('GET', '/health');
  listSessions(q: ListQuery): Promise<SessionPage> {
    const p = new URLSearchParams({ limit: String(q.limit ?? 30), archived: String(q.archived ?? false) });
    if (q.cursor) p.set('cursor', q.cursor);
    if (q.q) p.set('q', q.q);
    return this.call('GET', `/v1/sessions?${p}`);
  }
  getSession = (id: string) => this.call<Session>('GET', `/v1/sessions/${id}`);
  createSession = () => this.call<Session>('POST', '/v1/sessions', {});
  updateSession = (id: string, patch: { title?: string | null; tags?: string[] }) =>
    this.call<Session>('PATCH', `/v1/sessions/${id}`, patch);
  deleteSession = (id: string) => this.call<void>('DELETE', `/v1/sessions/${id}`);
  setArchived = (id: string, archived: boolean) =>
    this.call<Session>('POST', `/v1/sessions/${id}/${archived ? 'archive' : 'unarchive'}`);
  forkSession = (id: string) => this.call<Session>('POST', `/v1/sessions/${id}/fork`, {});
  history = (id: string, signal?: AbortSignal) =>
    this.call<History>('GET', `/v1/sessions/${id}/messages`, undefined, signal ? { signal } : {});
  interrupt = (id: string) => this.call<{ interrupted: boolean }>('POST', `/v1/sessions/${id}/interrupt`);
  decide = (id: string, requestId: string, decision: 'allow' | 'deny', message?: string) =>
    this.call('POST', `/v1/sessions/${id}/permissions/${requestId}`, { decision, ...(message ? { message } : {}) });
}

/** Checks a key (or keyless mode when null) against GET /v1/account, without side effects. */
export async function checkKey(key: string | null): Promise<'ok' | ApiError> {
  const api = new Api(() => key, () => {});
  try {
    await api.call('GET', '/v1/account');
    return 'ok';
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
}
