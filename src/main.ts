import { serveForever } from './serve.js';

/** `npm start`: the server, configured from the environment. */
serveForever().catch((err: unknown) => {
  process.stderr.write(`claude-agent-api failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
