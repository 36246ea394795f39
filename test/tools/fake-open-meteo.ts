/**
 * A local stand-in for Open-Meteo (geocoding + forecast on one port), so weather tests run
 * real HTTP on 127.0.0.1 without network access. Behaviour is switchable per test.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeMode = 'ok' | 'geocode-500' | 'forecast-500' | 'bad-json' | 'bad-shape' | 'hang';

export interface FakeOpenMeteo {
  url: string;
  mode: FakeMode;
  /** Every request URL (path + query) received, in order. */
  requests: URL[];
  close(): Promise<void>;
}

const PLACES: Record<string, { name: string; country: string; latitude: number; longitude: number }> = {
  paris: { name: 'Paris', country: 'France', latitude: 48.85341, longitude: 2.3488 },
  'são paulo': { name: 'São Paulo', country: 'Brazil', latitude: -23.5475, longitude: -46.63611 },
};

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(body);
}

/** Starts the fake on an ephemeral port; `mode` can be changed between requests. */
export async function startFakeOpenMeteo(): Promise<FakeOpenMeteo> {
  const fake = { mode: 'ok' as FakeMode, requests: [] as URL[] };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    fake.requests.push(url);
    if (fake.mode === 'hang') return; // never answer; the client's timeout must fire
    if (url.pathname === '/v1/search') {
      if (fake.mode === 'geocode-500') return send(res, 500, '{"error":true}');
      const place = PLACES[(url.searchParams.get('name') ?? '').toLowerCase()];
      // Open-Meteo omits `results` entirely when nothing matches.
      return send(res, 200, JSON.stringify(place ? { results: [{ id: 1, ...place }], generationtime_ms: 0.5 } : { generationtime_ms: 0.5 }));
    }
    if (url.pathname === '/v1/forecast') {
      if (fake.mode === 'forecast-500') return send(res, 500, '{"error":true,"reason":"boom"}');
      if (fake.mode === 'bad-json') return send(res, 200, '{"current": {');
      if (fake.mode === 'bad-shape') return send(res, 200, '{"current":{"temperature_2m":"warm"}}');
      return send(res, 200, JSON.stringify({
        latitude: Number(url.searchParams.get('latitude')),
        longitude: Number(url.searchParams.get('longitude')),
        current_units: { temperature_2m: '°C', relative_humidity_2m: '%', wind_speed_10m: 'km/h', weather_code: 'wmo code' },
        current: { time: '2025-01-01T12:00', temperature_2m: 18.2, relative_humidity_2m: 60, wind_speed_10m: 12.3, weather_code: 2 },
      }));
    }
    send(res, 404, '{"error":true,"reason":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections(); // drop hanging requests so close() can finish
      server.close(() => resolve());
    }),
  });
}

/** A port that was just free and is now closed: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
