import { ApiError, createClient, isAbortError, type AgentApiClient } from '../../../src/client/index';
import type { History, Health, Session, SessionPage } from './types';

/**
 * The web chat's API calls: the shipped typed client (`claude-agent-api/client`), whose paths and
 * bodies are checked against the server's OpenAPI document, with the app's sign-in rules on top.
 * A failed request is an ApiError: the server's `{error:{code,message,details}}`, or
 * `network_error` (status 0).
 */
export { ApiError };

export const isAbort = isAbortError;

/** Turns a non-2xx response into an ApiError, whatever its body looks like. */
export const errorFrom = (res: Response): Promise<ApiError> => ApiError.fromResponse(res);

export interface ListQuery {
  limit?: number;
  cursor?: string | null;
  q?: string;
  archived?: boolean;
}

/**
 * Every /v1 call carries the API key when there is one; a 401 is reported to `onUnauthorized`
 * (the app goes back to sign-in) as well as thrown.
 */
export class Api {
  private readonly client: AgentApiClient;

  constructor(
    private readonly getKey: () => string | null,
    private readonly onUnauthorized: (err: ApiError) => void,
  ) {
    this.client = createClient({ baseUrl: '', apiKey: () => this.getKey() });
  }

  /** fetch with auth, for the event streams (see stream.ts); throws ApiError on network failure, never on HTTP status. */
  async raw(path: string, init: RequestInit = {}, key = this.getKey()): Promise<Response> {
    const headers = new Headers(init.headers);
    if (key) headers.set('Authorization', `Bearer ${key}`);
    if (init.body !== undefined) headers.set('Content-Type', 'application/json');
    try {
      return await fetch(path, { ...init, headers });
    } catch (err) {
      if (isAbort(err)) throw err;
      throw ApiError.network(err);
    }
  }

  /** Reads the error of a failed response, telling the app when the key stopped working. */
  async fail(res: Response): Promise<ApiError> {
    const err = await errorFrom(res);
    if (res.status === 401) this.onUnauthorized(err);
    return err;
  }

  /** A call through the typed client, telling the app when the key stopped working. */
  private async call<T>(run: (c: AgentApiClient) => Promise<T>): Promise<T> {
    try {
      return await run(this.client);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) this.onUnauthorized(err);
      throw err;
    }
  }

  health = (): Promise<Health> => this.call((c) => c.health());
  listSessions = (q: ListQuery): Promise<SessionPage> =>
    this.call((c) =>
      c.sessions.list({
        limit: q.limit ?? 30,
        archived: q.archived ?? false,
        ...(q.cursor ? { cursor: q.cursor } : {}),
        ...(q.q ? { q: q.q } : {}),
      }),
    );
  getSession = (id: string): Promise<Session> => this.call((c) => c.sessions.get(id));
  createSession = (): Promise<Session> => this.call((c) => c.sessions.create({}));
  updateSession = (id: string, patch: { title?: string | null; tags?: string[] }): Promise<Session> =>
    this.call((c) => c.sessions.update(id, patch));
  deleteSession = (id: string): Promise<void> => this.call((c) => c.sessions.delete(id));
  setArchived = (id: string, archived: boolean): Promise<Session> =>
    this.call((c) => (archived ? c.sessions.archive(id) : c.sessions.unarchive(id)));
  forkSession = (id: string): Promise<Session> => this.call((c) => c.sessions.fork(id, {}));
  history = (id: string, signal?: AbortSignal): Promise<History> => this.call((c) => c.sessions.history(id, signal ? { signal } : {}));
  interrupt = (id: string) => this.call((c) => c.interrupt(id));
  decide = (id: string, requestId: string, decision: 'allow' | 'deny', message?: string) =>
    this.call((c) => c.approvals.decide(id, requestId, { decision, ...(message ? { message } : {}) }));
  account = () => this.call((c) => c.account());
}

/** Checks a key (or keyless mode when null) against GET /v1/account, without side effects. */
export async function checkKey(key: string | null): Promise<'ok' | ApiError> {
  const api = new Api(() => key, () => {});
  try {
    await api.account();
    return 'ok';
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
}
