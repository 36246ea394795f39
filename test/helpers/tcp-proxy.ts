import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A plain TCP proxy on 127.0.0.1 in front of a test server, so a test can cut the browser's
 * connections mid-stream (`cutAll`) while the proxy keeps listening: the page reconnects through
 * the same URL, as it would after a network blip. `pause` takes the target away entirely (no
 * listener, every connection cut: connecting is refused, like a database that went down) until
 * `resume` listens again on the same port.
 */
export interface TcpProxy {
  url: string;
  port: number;
  /** Client connections accepted so far (a reconnect shows up as a new one). */
  readonly connections: number;
  /** Client connections open right now. */
  readonly open: number;
  /** Destroys every open client + upstream socket pair, keeps listening; returns how many pairs it cut. */
  cutAll(): number;
  /** Stops listening and cuts every connection; new connections are refused until `resume`. */
  pause(): Promise<void>;
  /** Listens again, on the same port. */
  resume(): Promise<void>;
  /** True while listening (not paused or closed). */
  readonly listening: boolean;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let connections = 0;

  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect({ port: targetPort, host: targetHost });
    const pair = { client, upstream };
    pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      if (!pairs.delete(pair)) return;
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });

  const listen = (at: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;

  const cutAll = () => {
    const cut = [...pairs];
    pairs.clear();
    for (const { client, upstream } of cut) {
      // An abrupt reset, like a dropped network, not a polite close.
      client.resetAndDestroy();
      upstream.destroy();
    }
    return cut.length;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get connections() {
      return connections;
    },
    get open() {
      return pairs.size;
    },
    cutAll,
    get listening() {
      return server.listening;
    },
    async pause() {
      if (!server.listening) return;
      // close() stops accepting at once but waits for open connections: cut them.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      cutAll();
      await closed;
    },
    async resume() {
      if (!server.listening) await listen(port);
    },
    async close() {
      if (!server.listening) return void cutAll();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      cutAll();
      await closed;
    },
  };
}
