import { createParser } from 'eventsource-parser';
import { ApiError, isAbortError } from './errors.js';
import { isTerminal, type StreamEvent } from './types.js';

/**
 * A turn's Server-Sent Events as an async iterator that survives dropped connections: the server
 * keeps every event of a turn in a durable log, so reattaching with `Last-Event-ID` replays
 * exactly what was missed. Events are still de-duplicated by `id`, and the iterator ends after
 * `turn.finished` or `turn.failed`. Uses only fetch and web streams: Node 20 and browsers alike.
 */

export interface StreamOptions {
  /** Stops the stream (the iterator throws the abort reason); the turn itself keeps running. */
  signal?: AbortSignal;
  /** Resume after this event id (for `turns.events`; 0 = from the start). */
  lastEventId?: number;
  /** Reconnect attempts in a row without a new event before giving up (default 10). */
  maxReconnects?: number;
  /** Wait before reconnect attempt n (1, 2, …); default 250 ms doubling, at most 5 s. */
  reconnectDelayMs?: (attempt: number) => number;
  /**
   * This long without a byte (events or keep-alive comments) means the connection is dead
   * (default 45 s; the server sends a keep-alive every SSE_HEARTBEAT, 15 s by default).
   */
  idleTimeoutMs?: number;
  /** Told before each reconnect attempt, with the error that ended the previous connection. */
  onReconnect?: (info: { attempt: number; lastEventId: number; error: unknown }) => void;
}

/** The events of one turn. Iterate it once; `turnId` is known from `turn.started` on. */
export interface TurnStream extends AsyncIterable<StreamEvent> {
  readonly turnId: string | null;
  /** The id of the last event yielded (send it back as Last-Event-ID to resume elsewhere). */
  readonly lastEventId: number;
  /** How many times the stream reconnected. */
  readonly reconnects: number;
}

/** Where a stream's bytes come from. Every function throws ApiError (status 0 = network). */
export interface StreamSource {
  turnId: string | null;
  /** The first connection: the POST that starts the turn. Absent when attaching to a turn. */
  open?: (signal: AbortSignal) => Promise<ReadableStream<Uint8Array>>;
  /** Attach to the turn's events after `lastEventId`. */
  attach: (turnId: string, lastEventId: number, signal: AbortSignal) => Promise<ReadableStream<Uint8Array>>;
  /** The first connection broke before `turn.started`: the turn it started, if the server has it. */
  findTurn?: (signal: AbortSignal) => Promise<string | null>;
}

const DEFAULT_IDLE_MS = 45_000;
const defaultDelay = (attempt: number) => Math.min(5000, 250 * 2 ** (attempt - 1));

export function followTurn(source: StreamSource, opts: StreamOptions = {}): TurnStream {
  return new ReconnectingStream(source, opts);
}

class ReconnectingStream implements TurnStream {
  turnId: string | null;
  lastEventId: number;
  reconnects = 0;
  private iterated = false;

  constructor(
    private readonly source: StreamSource,
    private readonly opts: StreamOptions,
  ) {
    this.turnId = source.turnId;
    this.lastEventId = opts.lastEventId ?? 0;
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    if (this.iterated) throw new Error('A turn stream can be iterated only once.');
    this.iterated = true;
    return this.run();
  }

  private async *run(): AsyncGenerator<StreamEvent, void, undefined> {
    const { signal: outer, maxReconnects = 10, reconnectDelayMs = defaultDelay, idleTimeoutMs = DEFAULT_IDLE_MS } = this.opts;
    // Our own controller also cancels the request in flight when the caller stops iterating.
    const ctrl = new AbortController();
    const onAbort = () => ctrl.abort(outer?.reason);
    if (outer?.aborted) onAbort();
    outer?.addEventListener('abort', onAbort, { once: true });
    const signal = ctrl.signal;
    const stopped = () => signal.reason ?? new DOMException('The stream was aborted.', 'AbortError');

    let open = this.source.open;
    let failures = 0;
    let lookups = 0;
    let lastError: unknown;
    try {
      for (;;) {
        const before = this.lastEventId;
        try {
          let body: ReadableStream<Uint8Array>;
          if (open) {
            const first = open;
            open = undefined;
            try {
              body = await first(signal);
            } catch (err) {
              // Refused (busy, archived, budget…): nothing started. A network error may have
              // reached the server, though; the retry below looks for the turn, never resends.
              if (!(err instanceof ApiError && err.status === 0) || !this.source.findTurn) throw new Final(err);
              throw new Retry(err);
            }
          } else {
            if (this.turnId === null) {
              this.turnId = (await this.source.findTurn?.(signal)) ?? null;
              if (this.turnId === null) {
                // The server may not have recorded it yet; give it a few looks, then say so.
                if (++lookups >= 3) {
                  throw new Final(ApiError.network(lastError, 'The connection broke before the turn started, and the server has no record of it.'));
                }
                throw new Retry(ApiError.network(null, 'The turn has not been found yet.'));
              }
            }
            body = await this.source.attach(this.turnId, this.lastEventId, signal);
          }
          for await (const ev of readEvents(body, idleTimeoutMs)) {
            if (ev.id <= this.lastEventId) continue; // replayed overlap: already yielded
            this.lastEventId = ev.id;
            if (ev.type === 'turn.started') this.turnId = ev.turn_id;
            yield ev;
            if (isTerminal(ev)) return;
          }
          lastError = ApiError.network(null, 'The event stream ended before the turn did.');
        } catch (err) {
          if (signal.aborted) throw stopped();
          if (err instanceof Final) throw err.error;
          if (isAbortError(err)) throw err;
          if (err instanceof ApiError && err.status !== 0 && err.status < 500) throw err; // 401, 404, 410…: final
          // A network error, a 5xx (shutting down, instance unreachable), a broken or idle body.
          lastError = err instanceof Retry ? err.cause : err;
        }
        if (this.lastEventId > before) failures = 0; // it worked for a while: start the backoff over
        if (++failures > maxReconnects) {
          throw ApiError.network(lastError, `The event stream broke and could not be resumed after ${maxReconnects} attempts.`);
        }
        this.opts.onReconnect?.({ attempt: failures, lastEventId: this.lastEventId, error: lastError });
        await sleep(reconnectDelayMs(failures), signal);
        if (signal.aborted) throw stopped();
        this.reconnects++;
      }
    } finally {
      outer?.removeEventListener('abort', onAbort);
      ctrl.abort();
    }
  }
}

/** Go round the loop again with this error as the reason. */
class Retry {
  constructor(readonly cause: unknown) {}
}

/** Give up with this error, whatever it is. */
class Final {
  constructor(readonly error: unknown) {}
}

class IdleTimeout extends Error {
  constructor(ms: number) {
    super(`No data on the event stream for ${ms} ms.`);
    this.name = 'IdleTimeout';
  }
}

/** Parses one connection's events until its body ends. Throws on a broken or idle connection. */
export async function* readEvents(body: ReadableStream<Uint8Array>, idleTimeoutMs = DEFAULT_IDLE_MS): AsyncGenerator<StreamEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const ready: StreamEvent[] = [];
  const parser = createParser({
    onEvent: (m) => {
      if (!m.data) return;
      try {
        const ev = JSON.parse(m.data) as StreamEvent;
        if (typeof ev?.id === 'number' && typeof ev.type === 'string') ready.push(ev);
      } catch {
        // A garbled event: skip it; the ids still tell what was missed.
      }
    },
  });
  let idle = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idle = true;
      reader.cancel().catch(() => {});
    }, idleTimeoutMs);
  };
  try {
    arm();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arm(); // keep-alive comments count as life too
      parser.feed(decoder.decode(value, { stream: true }));
      while (ready.length > 0) yield ready.shift()!;
    }
    if (idle) throw new IdleTimeout(idleTimeoutMs);
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(() => {});
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
