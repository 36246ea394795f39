import createFetchClient, { type Client } from 'openapi-fetch';
import { ApiError, isAbortError } from './errors.js';
import type { paths } from './openapi.js';
import { followTurn, type StreamOptions, type StreamSource, type TurnStream } from './stream.js';
import type * as T from './types.js';

/**
 * The typed client of claude-agent-api: `import { createClient } from 'claude-agent-api/client'`.
 *
 * A small facade over openapi-fetch, whose types are generated from the server's OpenAPI document
 * (src/client/openapi.ts, `npm run gen:client`). Every call resolves with the response body or
 * throws an {@link ApiError}; `messages.stream` and `turns.events` are async iterators of typed
 * events that reconnect by themselves. Runs in Node 20+ and browsers (fetch and web streams only).
 */

export { ApiError, isAbortError } from './errors.js';
export { followTurn, readEvents, type StreamOptions, type StreamSource, type TurnStream } from './stream.js';
export * from './types.js';

export interface ClientOptions {
  /** The server, e.g. `http://127.0.0.1:8080`; `''` in a browser page served by it. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`; a function is asked on every request (keys that change). */
  apiKey?: string | null | (() => string | null | undefined);
  /** A fetch to use instead of the global one (it gets a Request). */
  fetch?: (input: Request) => Promise<Response>;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
}

/** Per call: cancel it, or add headers. */
export interface CallOptions {
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

export interface ListSessionsQuery {
  limit?: number;
  cursor?: string | null;
  /** Only sessions whose title contains this (any case). */
  q?: string;
  tag?: string;
  /** true: list only the archived sessions (hidden by default). */
  archived?: boolean;
}

export interface UsageQuery {
  /** First UTC day, YYYY-MM-DD (default: the first of this month). */
  from?: string;
  /** Last UTC day (default: today). */
  to?: string;
}

/** A message to send; `stream` and `background` are chosen by the method. */
export type MessageBody = Omit<T.SendMessage, 'stream' | 'background'>;

export type RawClient = Client<paths, 'application/json'>;

export interface AgentApiClient {
  /** The openapi-fetch client underneath, with the same base URL, key and fetch. */
  raw: RawClient;
  health(opts?: CallOptions): Promise<T.Health>;
  sessions: {
    create(body?: T.CreateSession, opts?: CallOptions): Promise<T.Session>;
    list(query?: ListSessionsQuery, opts?: CallOptions): Promise<T.SessionPage>;
    get(id: string, opts?: CallOptions): Promise<T.Session>;
    update(id: string, patch: T.PatchSession, opts?: CallOptions): Promise<T.Session>;
    delete(id: string, opts?: CallOptions): Promise<void>;
    fork(id: string, body?: T.ForkSession, opts?: CallOptions): Promise<T.Session>;
    archive(id: string, opts?: CallOptions): Promise<T.Session>;
    unarchive(id: string, opts?: CallOptions): Promise<T.Session>;
    /** The conversation: user and assistant messages in order. */
    history(id: string, opts?: CallOptions): Promise<T.History>;
    interrupt(id: string, opts?: CallOptions): Promise<T.InterruptResult>;
  };
  messages: {
    /** Sends a message and waits for the finished turn (a model failure is `status: "failed"`). */
    send(sessionId: string, body: MessageBody, opts?: CallOptions): Promise<T.Turn>;
    /** Sends a message and answers at once (202): follow it with `turns.events` or `turns.get`. */
    start(sessionId: string, body: MessageBody, opts?: CallOptions): Promise<T.TurnAccepted>;
    /**
     * Sends a message and streams its turn: typed events up to `turn.finished`/`turn.failed`,
     * reconnecting with Last-Event-ID when the connection drops. A refusal (busy, archived,
     * budget…) throws ApiError from the first `next()`. The message is never sent twice.
     */
    stream(sessionId: string, body: MessageBody, opts?: StreamOptions): TurnStream;
  };
  turns: {
    get(sessionId: string, turnId: string, opts?: CallOptions): Promise<T.Turn>;
    /** (Re)attach to a turn's events after `opts.lastEventId` (default: from the start). */
    events(sessionId: string, turnId: string, opts?: StreamOptions): TurnStream;
  };
  /** Stops the session's running turn; it ends `interrupted`. */
  interrupt(sessionId: string, opts?: CallOptions): Promise<T.InterruptResult>;
  approvals: {
    decide(sessionId: string, requestId: string, decision: T.PermissionDecision, opts?: CallOptions): Promise<Pick<T.PermissionDecision, 'decision'>>;
  };
  /** The calling account and the limits in force for it. */
  account(opts?: CallOptions): Promise<T.CurrentAccount>;
  usage(query?: UsageQuery, opts?: CallOptions): Promise<T.UsageReport>;
  storageStats(opts?: CallOptions): Promise<T.StorageStats>;
  /** Needs the admin key. */
  admin: {
    accounts: {
      create(body: T.CreateAccount, opts?: CallOptions): Promise<T.Account>;
      list(opts?: CallOptions): Promise<{ accounts: T.Account[] }>;
      get(accountId: string, opts?: CallOptions): Promise<T.Account>;
      update(accountId: string, patch: T.PatchAccount, opts?: CallOptions): Promise<T.Account>;
    };
    keys: {
      create(accountId: string, body?: T.CreateApiKey, opts?: CallOptions): Promise<T.CreatedApiKey>;
      list(accountId: string, opts?: CallOptions): Promise<{ keys: T.ApiKey[] }>;
      revoke(accountId: string, keyId: string, opts?: CallOptions): Promise<T.ApiKey>;
    };
    usage(query?: UsageQuery & { account_id?: string }, opts?: CallOptions): Promise<T.UsageReport>;
    purge(body?: T.PurgeRequest, opts?: CallOptions): Promise<T.PurgeReport>;
    storageStats(opts?: CallOptions): Promise<T.StorageStats>;
    runtime(opts?: CallOptions): Promise<T.RuntimeStats>;
  };
}

/** What openapi-fetch resolves with, loosely: the body on success, the error body otherwise. */
interface Outcome<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/** The body of a 2xx answer, or an ApiError (status 0 when the server could not be reached). */
async function unwrap<D>(call: Promise<Outcome<D>>): Promise<D> {
  let outcome: Outcome<D>;
  try {
    outcome = await call;
  } catch (err) {
    throw isAbortError(err) || err instanceof ApiError ? err : ApiError.network(err);
  }
  const { data, error, response } = outcome;
  if (!response.ok) throw ApiError.fromBody(response.status, error, response.statusText);
  return data as D;
}

/** The response body of a streaming call, or an ApiError. */
async function streamBody(call: Promise<Outcome<ReadableStream<Uint8Array> | null>>): Promise<ReadableStream<Uint8Array>> {
  const body = await unwrap(call);
  if (!body) throw ApiError.network(null, 'The event stream had no body.');
  return body;
}

const SSE = { Accept: 'text/event-stream' };

export function createClient(options: ClientOptions): AgentApiClient {
  const { apiKey } = options;
  const raw: RawClient = createFetchClient<paths, 'application/json'>({
    baseUrl: options.baseUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  });
  if (apiKey) {
    raw.use({
      onRequest({ request }) {
        const key = typeof apiKey === 'function' ? apiKey() : apiKey;
        if (key) request.headers.set('Authorization', `Bearer ${key}`);
        return request;
      },
    });
  }

  const init = (opts: CallOptions = {}) => ({
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.headers ? { headers: opts.headers } : {}),
  });
  const sessionPath = (id: string) => ({ params: { path: { id } } });
  const turnPath = (id: string, turn_id: string) => ({ params: { path: { id, turn_id } } });

  /** Attaching to a turn's events after an id: the reconnect path of every stream. */
  const attachTo =
    (sessionId: string): StreamSource['attach'] =>
    (turnId, lastEventId, signal) =>
      streamBody(
        raw.GET('/v1/sessions/{id}/turns/{turn_id}/events', {
          ...turnPath(sessionId, turnId),
          headers: { ...SSE, 'Last-Event-ID': String(lastEventId) },
          parseAs: 'stream',
          signal,
        }),
      );

  const sessions: AgentApiClient['sessions'] = {
    create: (body, opts) => unwrap(raw.POST('/v1/sessions', { ...(body ? { body } : {}), ...init(opts) })),
    list: (q = {}, opts) =>
      unwrap(
        raw.GET('/v1/sessions', {
          params: {
            query: {
              ...(q.limit !== undefined ? { limit: q.limit } : {}),
              ...(q.cursor ? { cursor: q.cursor } : {}),
              ...(q.q ? { q: q.q } : {}),
              ...(q.tag ? { tag: q.tag } : {}),
              ...(q.archived !== undefined ? { archived: q.archived ? 'true' : 'false' } : {}),
            },
          },
          ...init(opts),
        }),
      ),
    get: (id, opts) => unwrap(raw.GET('/v1/sessions/{id}', { ...sessionPath(id), ...init(opts) })),
    update: (id, patch, opts) => unwrap(raw.PATCH('/v1/sessions/{id}', { ...sessionPath(id), body: patch, ...init(opts) })),
    delete: async (id, opts) => {
      await unwrap(raw.DELETE('/v1/sessions/{id}', { ...sessionPath(id), ...init(opts) }));
    },
    fork: (id, body, opts) => unwrap(raw.POST('/v1/sessions/{id}/fork', { ...sessionPath(id), ...(body ? { body } : {}), ...init(opts) })),
    archive: (id, opts) => unwrap(raw.POST('/v1/sessions/{id}/archive', { ...sessionPath(id), ...init(opts) })),
    unarchive: (id, opts) => unwrap(raw.POST('/v1/sessions/{id}/unarchive', { ...sessionPath(id), ...init(opts) })),
    history: (id, opts) => unwrap(raw.GET('/v1/sessions/{id}/messages', { ...sessionPath(id), ...init(opts) })),
    interrupt: (id, opts) => unwrap(raw.POST('/v1/sessions/{id}/interrupt', { ...sessionPath(id), ...init(opts) })),
  };

  const messages: AgentApiClient['messages'] = {
    send: async (sessionId, body, opts) => {
      const turn = await unwrap(
        raw.POST('/v1/sessions/{id}/messages', { ...sessionPath(sessionId), body: { ...body, stream: false, background: false }, ...init(opts) }),
      );
      return turn as T.Turn; // the operation answers Turn (200) or TurnAccepted (202); background: false means 200
    },
    start: async (sessionId, body, opts) => {
      const accepted = await unwrap(
        raw.POST('/v1/sessions/{id}/messages', { ...sessionPath(sessionId), body: { ...body, background: true }, ...init(opts) }),
      );
      return accepted as T.TurnAccepted; // background: true means 202
    },
    stream: (sessionId, body, opts) => {
      const sentAt = Date.now();
      return followTurn(
        {
          turnId: null,
          open: (signal) =>
            streamBody(
              raw.POST('/v1/sessions/{id}/messages', {
                ...sessionPath(sessionId),
                body: { ...body, stream: true },
                headers: SSE,
                parseAs: 'stream',
                signal,
              }),
            ),
          attach: attachTo(sessionId),
          // The connection broke before `turn.started`: if the server took the message, it is the
          // newest one in the history (same text, sent about now).
          findTurn: async (signal) => {
            const { messages: all } = await sessions.history(sessionId, { signal });
            const last = all.filter((m) => m.role === 'user').at(-1);
            const recent = last && Date.parse(last.created_at) >= sentAt - 60_000;
            return last && recent && last.content === body.message ? last.turn_id : null;
          },
        },
        opts,
      );
    },
  };

  const turns: AgentApiClient['turns'] = {
    get: (sessionId, turnId, opts) => unwrap(raw.GET('/v1/sessions/{id}/turns/{turn_id}', { ...turnPath(sessionId, turnId), ...init(opts) })),
    events: (sessionId, turnId, opts) => followTurn({ turnId, attach: attachTo(sessionId) }, opts),
  };

  const usageQuery = (q: UsageQuery & { account_id?: string } = {}) => ({
    params: {
      query: {
        ...(q.from ? { from: q.from } : {}),
        ...(q.to ? { to: q.to } : {}),
        ...(q.account_id ? { account_id: q.account_id } : {}),
      },
    },
  });
  const accountPath = (account_id: string) => ({ params: { path: { account_id } } });

  return {
    raw,
    health: (opts) => unwrap(raw.GET('/health', init(opts))),
    sessions,
    messages,
    turns,
    interrupt: sessions.interrupt,
    approvals: {
      decide: (sessionId, request_id, decision, opts) =>
        unwrap(
          raw.POST('/v1/sessions/{id}/permissions/{request_id}', {
            params: { path: { id: sessionId, request_id } },
            body: decision,
            ...init(opts),
          }),
        ),
    },
    account: (opts) => unwrap(raw.GET('/v1/account', init(opts))),
    usage: (q = {}, opts) => unwrap(raw.GET('/v1/usage', { ...usageQuery({ ...(q.from ? { from: q.from } : {}), ...(q.to ? { to: q.to } : {}) }), ...init(opts) })),
    storageStats: (opts) => unwrap(raw.GET('/v1/storage-stats', init(opts))),
    admin: {
      accounts: {
        create: (body, opts) => unwrap(raw.POST('/v1/admin/accounts', { body, ...init(opts) })),
        list: (opts) => unwrap(raw.GET('/v1/admin/accounts', init(opts))),
        get: (accountId, opts) => unwrap(raw.GET('/v1/admin/accounts/{account_id}', { ...accountPath(accountId), ...init(opts) })),
        update: (accountId, patch, opts) =>
          unwrap(raw.PATCH('/v1/admin/accounts/{account_id}', { ...accountPath(accountId), body: patch, ...init(opts) })),
      },
      keys: {
        create: (accountId, body, opts) =>
          unwrap(raw.POST('/v1/admin/accounts/{account_id}/keys', { ...accountPath(accountId), ...(body ? { body } : {}), ...init(opts) })),
        list: (accountId, opts) => unwrap(raw.GET('/v1/admin/accounts/{account_id}/keys', { ...accountPath(accountId), ...init(opts) })),
        revoke: (accountId, key_id, opts) =>
          unwrap(
            raw.DELETE('/v1/admin/accounts/{account_id}/keys/{key_id}', { params: { path: { account_id: accountId, key_id } }, ...init(opts) }),
          ),
      },
      usage: (q, opts) => unwrap(raw.GET('/v1/admin/usage', { ...usageQuery(q), ...init(opts) })),
      purge: (body, opts) => unwrap(raw.POST('/v1/admin/purge', { ...(body ? { body } : {}), ...init(opts) })),
      storageStats: (opts) => unwrap(raw.GET('/v1/admin/storage-stats', init(opts))),
      runtime: (opts) => unwrap(raw.GET('/v1/runtime', init(opts))),
    },
  };
}
