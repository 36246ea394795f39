import { createParser } from 'eventsource-parser';
import { ApiError, isAbort, type Api } from './client';
import { isTerminal, type StreamEvent } from './types';

/**
 * Reads a turn's Server-Sent Events with fetch (EventSource cannot send the Authorization header)
 * and keeps reading across drops: the server keeps every event in a per-turn log, so reconnecting
 * with Last-Event-ID replays exactly what was missed. Events are still de-duplicated by id.
 */

export type ConnectionState = 'live' | 'reconnecting';
/** finished: terminal event seen; lost: the turn cannot be found (404); expired: 410, reload history. */
export type FollowEnd = 'finished' | 'lost' | 'expired' | 'aborted';

export interface FollowOptions {
  api: Api;
  sessionId: string;
  /** The POST that starts the turn; when absent we attach to `turnId` instead. */
  start?: () => Promise<Response>;
  turnId?: string | null;
  /** Used when the stream dropped before `turn.started` told us the turn's id. */
  findTurn: () => Promise<string | null>;
  onEvent: (ev: StreamEvent) => void;
  onConnection: (state: ConnectionState) => void;
  signal: AbortSignal;
}

/** The server sends `: keep-alive` every 15 s; this much silence means the connection is dead. */
const IDLE_MS = 45_000;
const backoff = (failures: number) => Math.min(5000, 500 * 2 ** failures);

export async function followTurn(o: FollowOptions): Promise<FollowEnd> {
  let turnId = o.turnId ?? null;
  let lastId = 0;
  let start = o.start;
  let failures = 0;
  const handle = (ev: StreamEvent): boolean => {
    if (ev.id <= lastId) return false; // already seen (replay overlap)
    lastId = ev.id;
    if (ev.type === 'turn.started') turnId = ev.turn_id;
    o.onEvent(ev);
    return isTerminal(ev);
  };

  for (;;) {
    let res: Response | null = null;
    try {
      if (start) {
        const first = start;
        start = undefined;
        res = await first();
        // An error before the stream started (busy, archived, budget…) is the caller's to show.
        if (!res.ok) throw await o.api.fail(res);
      } else {
        turnId ??= await o.findTurn();
        if (!turnId) return 'lost';
        const path = `/v1/sessions/${o.sessionId}/turns/${turnId}/events`;
        res = await o.api.raw(path, { headers: { 'Last-Event-ID': String(lastId) }, signal: o.signal });
        if (res.status === 404) return 'lost';
        if (res.status === 410) return 'expired';
        if (!res.ok) {
          const err = await o.api.fail(res);
          if (res.status < 500) throw err; // 401 and the like will not heal by retrying
          res = null;
        }
      }
      if (res) {
        o.onConnection('live');
        const before = lastId;
        if (await readEvents(res, handle)) return 'finished';
        if (lastId > before) failures = 0; // it worked for a while: start the backoff over
      }
    } catch (err) {
      if (o.signal.aborted || isAbort(err)) return 'aborted';
      // Network trouble (status 0) or a broken body: reconnect. Anything else is a real answer.
      if (err instanceof ApiError && err.status !== 0) throw err;
    }
    if (o.signal.aborted) return 'aborted';
    o.onConnection('reconnecting');
    await sleep(backoff(failures++), o.signal);
  }
}

/** Feeds a response body to the parser until a terminal event (true) or the end (false). */
async function readEvents(res: Response, handle: (ev: StreamEvent) => boolean): Promise<boolean> {
  if (!res.body) return false;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let finished = false;
  const parser = createParser({
    onEvent: (m) => {
      if (finished || !m.data) return;
      try {
        finished = handle(JSON.parse(m.data) as StreamEvent);
      } catch (err) {
        if (err instanceof SyntaxError) return; // a garbled event: skip it, the next id still counts
        throw err;
      }
    },
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watchdog = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void reader.cancel().catch(() => {}), IDLE_MS);
  };
  try {
    watchdog();
    while (!finished) {
      const { done, value } = await reader.read();
      if (done) break;
      watchdog(); // heartbeats count as life too
      parser.feed(value);
    }
  } finally {
    clearTimeout(timer);
    if (finished) void reader.cancel().catch(() => {});
  }
  return finished;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
