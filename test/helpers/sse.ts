/** A small Server-Sent Events reader over fetch, recording when each event arrived. */
export interface SseEvent {
  id: number;
  event: string;
  data: any;
  at: number;
}

export interface SseRead {
  events: SseEvent[];
  comments: string[];
  response: Response;
}

/**
 * Reads an SSE response until it ends, or until `stopAfter` events (then drops the connection,
 * as a client whose network failed would).
 */
export async function readSse(res: Response, opts: { stopAfter?: number; onEvent?: (e: SseEvent) => void } = {}): Promise<SseRead> {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) comments.push(line.slice(1).trim());
        else {
          const i = line.indexOf(':');
          if (i > 0) fields[line.slice(0, i)] = line.slice(i + 1).replace(/^ /, '');
        }
      }
      if (fields.data === undefined) continue;
      const e = { id: Number(fields.id), event: fields.event ?? 'message', data: JSON.parse(fields.data), at: Date.now() };
      events.push(e);
      opts.onEvent?.(e);
      if (opts.stopAfter !== undefined && events.length >= opts.stopAfter) {
        await reader.cancel();
        return { events, comments, response: res };
      }
    }
  }
  return { events, comments, response: res };
}

/** POSTs a message with `stream: true` and reads its events. */
export async function streamMessage(
  base: string,
  sessionId: string,
  body: Record<string, unknown>,
  opts: Parameters<typeof readSse>[1] = {},
): Promise<SseRead> {
  const res = await fetch(`${base}/v1/sessions/${sessionId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stream: true, ...body }),
  });
  if (!res.ok) throw new Error(`stream request failed: ${res.status} ${await res.text()}`);
  return readSse(res, opts);
}
