import type { TokenUsage } from './prices.js';

/**
 * Reads a model call's usage out of the upstream's response as it streams past, without holding
 * it up: a streaming response carries input (and cache) usage in `message_start` and the final
 * output count in `message_delta` (whose figures, when present, are cumulative and win); a JSON
 * response carries `usage` at the top. Only the figures are kept, never the content.
 */
export class UsageTap {
  private buffer = '';
  private readonly sse: boolean;
  /** A JSON body is small; a larger one is not a Messages response and is not parsed. */
  private static readonly MAX_JSON = 4 * 1024 * 1024;
  model: string | null = null;
  stopReason: string | null = null;
  readonly usage: TokenUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  seen = false;

  constructor(contentType: string | undefined) {
    this.sse = (contentType ?? '').includes('text/event-stream');
  }

  write(chunk: Buffer): void {
    if (!this.sse) {
      if (this.buffer.length < UsageTap.MAX_JSON) this.buffer += chunk.toString('utf8');
      return;
    }
    this.buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      if (line.startsWith('data:')) this.event(line.slice(5).trim());
    }
  }

  end(): void {
    if (this.sse || this.buffer.length === 0) return;
    try {
      const body = JSON.parse(this.buffer) as { model?: string; stop_reason?: string; usage?: RawUsage };
      if (body.usage) this.apply(body.usage);
      this.model = body.model ?? this.model;
      this.stopReason = body.stop_reason ?? null;
    } catch {
      // Not JSON (an error page): no usage to record.
    }
    this.buffer = '';
  }

  private event(data: string): void {
    let e: { type?: string; message?: { model?: string; usage?: RawUsage }; delta?: { stop_reason?: string }; usage?: RawUsage };
    try {
      e = JSON.parse(data);
    } catch {
      return;
    }
    if (e.type === 'message_start' && e.message) {
      this.model = e.message.model ?? this.model;
      if (e.message.usage) this.apply(e.message.usage);
    } else if (e.type === 'message_delta') {
      if (e.usage) this.apply(e.usage);
      this.stopReason = e.delta?.stop_reason ?? this.stopReason;
    }
  }

  private apply(u: RawUsage): void {
    this.seen = true;
    if (typeof u.input_tokens === 'number') this.usage.inputTokens = u.input_tokens;
    if (typeof u.output_tokens === 'number') this.usage.outputTokens = u.output_tokens;
    if (typeof u.cache_read_input_tokens === 'number') this.usage.cacheReadTokens = u.cache_read_input_tokens;
    if (typeof u.cache_creation_input_tokens === 'number') this.usage.cacheWriteTokens = u.cache_creation_input_tokens;
  }
}

interface RawUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}
