import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A plain TCP proxy on 127.0.0.1 in front of a test server, so a test can cut the browser's
 * connections mid-stream (`cutAll`) while the proxy keeps listening: the page reconnects through
 * the same URL, as it would after a network blip.
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

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
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
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      cutAll();
      await closed;
    },
  };
}
