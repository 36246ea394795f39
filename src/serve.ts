import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { createLogger } from './log.js';
import { createServer, StartupError } from './server.js';
import { VERSION } from './version.js';

/** Parses config once, builds the server, listens, and stops cleanly on a signal. */
export async function serveForever(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger(config.log);
  const server = await createServer({ config, log }).catch((err: unknown) => {
    if (!(err instanceof StartupError)) throw err;
    process.stderr.write(`claude-agent-api: ${err.message}\n`);
    process.exit(2);
  });
  const http = serve({ fetch: server.app.fetch, port: config.port, hostname: config.host }, (info) => {
    log.info({ host: config.host, port: info.port, data_dir: config.dataDir }, 'claude-agent-api listening');
    // For the person who just ran `npm start`: where to go, in plain words, besides the JSON log.
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const mode = server.demoModel ? 'demo mode: offline demo model, not Claude (set ANTHROPIC_API_KEY for Claude)' : 'live: Claude';
    process.stderr.write(`\nclaude-agent-api ${VERSION} is up (${mode}).\n  Web chat: http://${host.includes(':') ? `[${host}]` : host}:${info.port}/\n  API docs: http://${host.includes(':') ? `[${host}]` : host}:${info.port}/docs\n\n`);
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

/** The configuration from the environment; on a bad value, says which and exits 2. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
