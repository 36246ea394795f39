import type { SDKUserMessage } from '@anthropic-ai/claude-agent-sdk';

/**
 * The prompt stream of a `query()` in streaming-input mode: the CLI process lives while this
 * iterable stays open, and each pushed message starts (or queues) a turn. `end()` lets the
 * process exit once its work is done.
 */
export class Inbox implements AsyncIterable<SDKUserMessage> {
  private queue: SDKUserMessage[] = [];
  private wake: (() => void) | null = null;
  private ended = false;

  push(message: SDKUserMessage): void {
    if (this.ended) throw new Error('inbox already ended');
    this.queue.push(message);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SDKUserMessage> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }
}
