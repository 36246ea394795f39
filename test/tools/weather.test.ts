import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWeatherServer, describeWeatherCode, getWeather, type WeatherOptions } from '../../src/tools/weather.js';
import { closedPort, startFakeOpenMeteo, type FakeOpenMeteo } from './fake-open-meteo.js';

let fake: FakeOpenMeteo;
let opts: WeatherOptions;

beforeAll(async () => {
  fake = await startFakeOpenMeteo();
  opts = { fetch, geocodingUrl: fake.url, forecastUrl: fake.url, timeoutMs: 2000 };
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.mode = 'ok';
  fake.requests.length = 0;
});

function text(r: CallToolResult): string {
  const first = r.content[0];
  return first?.type === 'text' ? first.text : '';
}

describe('getWeather', () => {
  it('returns a short description for a known city', async () => {
    const r = await getWeather('  Paris ', opts);
    expect(r.isError).toBeFalsy();
    expect(text(r)).toBe('Paris, France: 18.2°C, partly cloudy, humidity 60%, wind 12 km/h');
    const [geo, forecast] = fake.requests;
    expect(geo?.pathname).toBe('/v1/search');
    expect(Object.fromEntries(geo!.searchParams)).toEqual({ name: 'Paris', count: '1', language: 'en', format: 'json' });
    expect(forecast?.pathname).toBe('/v1/forecast');
    expect(forecast?.searchParams.get('latitude')).toBe('48.85341');
    expect(forecast?.searchParams.get('longitude')).toBe('2.3488');
    expect(forecast?.searchParams.get('current')).toBe('temperature_2m,relative_humidity_2m,wind_speed_10m,weather_code');
  });

  it('tolerates a trailing slash on the base URL and handles non-ASCII names', async () => {
    const r = await getWeather('São Paulo', { ...opts, geocodingUrl: `${fake.url}/` });
    expect(text(r)).toMatch(/^São Paulo, Brazil: /);
  });

  it('reports an unknown city', async () => {
    const r = await getWeather('Atlantis', opts);
    expect(r).toEqual({ isError: true, content: [{ type: 'text', text: 'No place called "Atlantis" was found' }] });
  });

  it('reports HTTP errors from either service', async () => {
    fake.mode = 'geocode-500';
    expect(text(await getWeather('Paris', opts))).toBe('The weather service answered HTTP 500');
    fake.mode = 'forecast-500';
    const r = await getWeather('Paris', opts);
    expect(r.isError).toBe(true);
    expect(text(r)).toBe('The weather service answered HTTP 500');
  });

  it('reports a body that is not JSON, and JSON of the wrong shape', async () => {
    fake.mode = 'bad-json';
    expect(text(await getWeather('Paris', opts))).toBe('The weather service sent a reply that is not valid JSON');
    fake.mode = 'bad-shape';
    const r = await getWeather('Paris', opts);
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/^The weather service sent a reply in an unexpected format \(at current\./);
  });

  it('reports an unreachable service (connection refused)', async () => {
    const port = await closedPort();
    const r = await getWeather('Paris', { ...opts, geocodingUrl: `http://127.0.0.1:${port}` });
    expect(r.isError).toBe(true);
    expect(text(r)).toBe('The weather service is unreachable (connection refused)');
  });

  it('reports DNS failures as unreachable', async () => {
    const dnsFail = (async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' }) });
    }) as typeof fetch;
    const r = await getWeather('Paris', { ...opts, fetch: dnsFail });
    expect(text(r)).toBe('The weather service is unreachable (DNS lookup failed)');
  });

  it('times out when the service never answers', async () => {
    fake.mode = 'hang';
    const started = Date.now();
    const r = await getWeather('Paris', { ...opts, timeoutMs: 150 });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(r.isError).toBe(true);
    expect(text(r)).toBe('The weather service is unreachable (no answer within 150 ms)');
  });

  it('rejects empty, blank and over-long city names without calling the service', async () => {
    for (const bad of ['', '   ', 'x'.repeat(101)]) {
      const r = await getWeather(bad, opts);
      expect(r.isError).toBe(true);
      expect(text(r)).toMatch(/give a city name|too long/);
    }
    expect(fake.requests).toHaveLength(0);
    expect((await getWeather('x'.repeat(100), opts)).content[0]).toMatchObject({ text: 'No place called "' + 'x'.repeat(100) + '" was found' });
  });

  it('maps WMO codes, with a fallback for unknown ones', () => {
    expect(describeWeatherCode(0)).toBe('clear sky');
    expect(describeWeatherCode(95)).toBe('thunderstorm');
    expect(describeWeatherCode(42)).toBe('weather code 42');
  });
});

describe('createWeatherServer', () => {
  it('is an always-loaded sdk server whose get_weather tool works over MCP', async () => {
    const server = createWeatherServer(opts);
    expect(server).toMatchObject({ type: 'sdk', name: 'weather' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.instance.connect(serverSide);
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(clientSide);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['get_weather']);
      expect(tools[0]?._meta?.['anthropic/alwaysLoad']).toBe(true);
      const r = (await client.callTool({ name: 'get_weather', arguments: { city: 'Paris' } })) as CallToolResult;
      expect(text(r)).toBe('Paris, France: 18.2°C, partly cloudy, humidity 60%, wind 12 km/h');
    } finally {
      await client.close();
    }
  });
});
