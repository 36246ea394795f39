// Runs the mock model as a foreground process: what `node dist/mock-model/main.js` and
// `claude-agent-api mock-model` both do once their arguments are parsed.
import { startMockModel, type MockModel } from './server.js';

export interface RunOptions {
  /** 0 picks a free port. */
  port: number;
  host: string;
  tokenDelayMs: number;
  /** No request log on stderr. */
  quiet: boolean;
}

/**
 * Starts the mock model, prints its URL alone on stdout (easy to capture; request logs go to
 * stderr) and keeps running until SIGINT or SIGTERM, which close it and exit 0.
 */
export async function runMockModel(opts: RunOptions): Promise<MockModel> {
  // Handlers go in before the server starts, so an early Ctrl-C still exits cleanly.
  let mock: MockModel | undefined;
  const stop = (signal: string): void => {
    process.stderr.write(`[mock-model] ${signal}: shutting down\n`);
    void (mock?.close() ?? Promise.resolve()).then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));

  mock = await startMockModel({
    port: opts.port,
    host: opts.host,
    tokenDelayMs: opts.tokenDelayMs,
    log: opts.quiet ? () => {} : (line) => process.stderr.write(`[mock-model] ${line}\n`),
  });
  process.stdout.write(`${mock.url}\n`);
  return mock;
}
