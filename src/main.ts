import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { ConfigError, loadConfig } from './config/config.js';
import { createLogger } from './log.js';
import { createServer } from './server.js';

/** Entry point: parse config once, build the server, listen, and stop cleanly on a signal. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.log);
  const server = await createServer({ config, log });
  const http = serve({ fetch: server.app.fetch, port: config.port, hostname: config.host }, (info) => {
    log.info({ host: config.host, port: info.port, data_dir: config.dataDir }, 'claude-agent-api listening');
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // Finish in-flight turns (up to the grace period) before the listener and the store go away.
    await server.close(config.shutdownGraceMs);
    // Let the answers of the turns that just ended reach their clients before exiting.
    await new Promise<void>((resolve) => {
      http.close(() => resolve());
      // Keep-alive connections would hold close() open; drop each as soon as it goes idle.
      setInterval(() => (http as Server).closeIdleConnections(), 50).unref();
      setTimeout(resolve, 5_000).unref();
    });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`claude-agent-api failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
