// Turns a Plan into bytes on the wire: Anthropic's error JSON, a Message object, or the SSE event
// sequence the CLI's stream parser accepts. No decisions are made here beyond framing and pacing.
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PlanBlock } from './script.js';

export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: 0;
  cache_read_input_tokens: 0;
}

export interface Message {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ContentBlock[];
  stop_reason: 'end_turn' | 'tool_use';
  stop_sequence: null;
  usage: Usage;
}

export function sendError(res: ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ type: 'error', error: { type, message } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function sendMessage(res: ServerResponse, message: Message, headers: Record<string, string>): void {
  const body = JSON.stringify(message);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Text the model "generated", for the output token count. */
export function generatedText(blocks: PlanBlock[]): string {
  return blocks
    .map((b) => (b.type === 'text' ? b.text : b.type === 'thinking' ? b.thinking : JSON.stringify(b.input)))
    .join('');
}

export interface StreamPacing {
  /** Read before every text delta, so a running stream follows setTokenDelay(). */
  delayMs: () => number;
  splitText: (text: string) => string[];
  onToken?: (text: string, sentAtMs: number) => void;
  /** Aborted when the server closes; the client going away is detected on `res` itself. */
  signal: AbortSignal;
}

const frame = (type: string, data: object): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

function openStream(res: ServerResponse, headers: Record<string, string>): (type: string, data: object) => boolean {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...headers });
  // Headers go out now so a client sees the response start even if the first event is slow.
  res.flushHeaders();
  return (type, data) => {
    if (res.destroyed || res.writableEnded) return false;
    res.write(frame(type, data));
    return true;
  };
}

function startMessage(message: Message): object {
  // message_start carries input usage; the final output count comes with message_delta, as in the real API.
  return { message: { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } } };
}

/** Streams `message`; resolves false if the client or the server went away midway. */
export async function streamMessage(res: ServerResponse, message: Message, headers: Record<string, string>, pacing: StreamPacing): Promise<boolean> {
  const send = openStream(res, headers);
  const gone = (): boolean => res.destroyed || pacing.signal.aborted;
  send('message_start', startMessage(message));

  for (const [index, block] of message.content.entries()) {
    if (block.type === 'text') {
      send('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const piece of pacing.splitText(block.text)) {
        const delay = pacing.delayMs();
        if (delay > 0) await sleep(delay, undefined, { signal: pacing.signal }).catch(() => undefined);
        if (gone()) return false;
        send('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
        pacing.onToken?.(piece, Date.now());
      }
    } else if (block.type === 'thinking') {
      send('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      send('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: block.thinking } });
      send('content_block_delta', { index, delta: { type: 'signature_delta', signature: block.signature } });
    } else {
      send('content_block_start', { index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } });
    }
    if (gone()) return false;
    send('content_block_stop', { index });
  }

  send('message_delta', { delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: message.usage });
  send('message_stop', {});
  res.end();
  return true;
}

/** A stream that starts normally and then loses its connection, like a dropped proxy. */
export async function streamThenBreak(res: ServerResponse, message: Message, headers: Record<string, string>): Promise<void> {
  const send = openStream(res, headers);
  send('message_start', startMessage(message));
  send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Partial ' } });
  send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'reply ' } });
  // Let the bytes reach the client before the socket dies, so it sees a truncated stream, not an empty one.
  await new Promise<void>((resolve) => res.write('', () => resolve()));
  res.socket?.destroy();
}

/** Non-streaming flavour of `break`: headers and half a JSON body, then the connection drops. */
export async function jsonThenBreak(res: ServerResponse, headers: Record<string, string>): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  await new Promise<void>((resolve) => res.write('{"id":"msg_mock_broken","type":"mess', () => resolve()));
  res.socket?.destroy();
}
