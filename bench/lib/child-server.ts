/**
 * The service in a process of its own, for the benchmarks: configured from the environment the
 * parent passes (src/config/config.ts, LOG_LEVEL left at its default), logging through the real
 * logger to its stdout. The parent talks to it over HTTP like any client; only the bench-only
 * controls (evict a session's process, read the pool's spawn count) go over the IPC channel, so
 * nothing of the benchmark runs in the server's event loop.
 */
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/log.js';
import { createServer } from '../../src/server.js';

export type ChildRequest = { id: number; op: 'evict'; sessionId: string } | { id: number; op: 'spawns' } | { id: number; op: 'close' };
export type ChildReply = { id: number; value?: unknown; error?: string };

const config = loadConfig();
const server = await createServer({ config, log: createLogger(config.log) });
const http = serve({ fetch: server.app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise((r) => http.once('listening', r));
process.send!({ ready: `http://127.0.0.1:${(http.address() as AddressInfo).port}` });

process.on('message', (req: ChildRequest) => {
  const reply = (r: Omit<ChildReply, 'id'>) => process.send!({ id: req.id, ...r });
  const work = async (): Promise<unknown> => {
    if (req.op === 'evict') return server.runtime.evict(req.sessionId);
    if (req.op === 'spawns') return (await server.runtime.stats()).spawns;
    await new Promise((r) => http.close(r));
    await server.close();
    return null;
  };
  work().then(
    (value) => {
      reply({ value });
      if (req.op === 'close') process.disconnect();
    },
    (err: unknown) => reply({ error: String(err) }),
  );
});
