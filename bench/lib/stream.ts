/** Helpers for bench/stream-latency: an SSE client that stamps arrivals, and token matching by text. */
import { nowMs } from './stats.js';

/**
 * POSTs `{message, stream: true}` to `/v1/sessions/{id}/messages` and reads the SSE answer to its
 * end. Every event is handed to `onEvent` with the time its bytes were read off the response body
 * (events that came in one chunk share that chunk's stamp). Throws unless the turn finished.
 */
export async function streamTurn(
  base: string,
  sessionId: string,
  message: string,
  onEvent: (type: string, data: Record<string, unknown>, atMs: number) => void,
): Promise<void> {
  const res = await fetch(`${base}/v1/sessions/${sessionId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message, stream: true }),
  });
  if (!res.ok || !res.body) throw new Error(`stream request failed: ${res.status} ${await res.text()}`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  let last = '';
  for (;;) {
    const { done, value } = await reader.read();
    const at = nowMs();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      let event = 'message';
      let data: string | undefined;
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data = (data === undefined ? '' : `${data}\n`) + line.slice(5).replace(/^ /, '');
      }
      if (data === undefined) continue; // a `: keep-alive` comment
      last = event;
      onEvent(event, JSON.parse(data) as Record<string, unknown>, at);
    }
  }
  if (last !== 'turn.finished') throw new Error(`stream ended with ${last || 'nothing'}, not turn.finished`);
}

/**
 * Turns a stream of text deltas back into words, each stamped with the arrival of the delta that
 * completed it. A delta may hold several words; a word split over two deltas counts when its last
 * piece arrives (it is complete once whitespace follows it, once it matches `complete`, or at `end()`).
 */
export class WordClock {
  readonly arrivals = new Map<string, number>();
  private partial = '';
  private partialAt = 0;

  constructor(private readonly complete: RegExp) {}

  feed(text: string, atMs: number): void {
    const pieces = (this.partial + text).split(/\s+/);
    this.partial = pieces.pop() ?? '';
    this.partialAt = atMs;
    if (this.complete.test(this.partial)) this.end();
    for (const w of pieces) this.add(w, atMs);
  }

  /** The text ended (end of a turn): a word still waiting for whitespace is complete. */
  end(): void {
    this.add(this.partial, this.partialAt);
    this.partial = '';
  }

  private add(word: string, atMs: number): void {
    if (word !== '' && !this.arrivals.has(word)) this.arrivals.set(word, atMs);
  }
}
