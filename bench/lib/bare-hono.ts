/**
 * The floor for bench/requests: a bare Hono app on @hono/node-server in a process of its own,
 * answering what our /health and /v1/sessions answer in shape (small JSON), with no middleware.
 * Prints its URL on stdout.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';

const app = new Hono();
app.get('/health', (c) => c.json({ status: 'healthy' }));
app.get('/v1/sessions', (c) => c.json({ sessions: [], next_cursor: null }));
const http = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise((r) => http.once('listening', r));
process.stdout.write(`http://127.0.0.1:${(http.address() as AddressInfo).port}\n`);
process.on('SIGTERM', () => http.close(() => process.exit(0)));
