/**
 * The built-in `get_weather` tool: an in-process SDK MCP server backed by Open-Meteo (no API key).
 * The handler never throws: every failure becomes an MCP tool error the model can read and relay.
 */
import { createSdkMcpServer, tool, type McpSdkServerConfigWithInstance } from '@anthropic-ai/claude-agent-sdk';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/** Default Open-Meteo geocoding base URL. */
export const DEFAULT_GEOCODING_URL = 'https://geocoding-api.open-meteo.com';
/** Default Open-Meteo forecast base URL. */
export const DEFAULT_FORECAST_URL = 'https://api.open-meteo.com';
/** The `mcpServers` key of the weather server; external MCP configs may not use it. */
export const WEATHER_SERVER_KEY = 'weather';
/** The unprefixed tool name; the model sees `mcp__weather__get_weather`. */
export const WEATHER_TOOL_NAME = 'get_weather';

/** Everything the weather tool needs; injected so tests can point it at a local fake. */
export interface WeatherOptions {
  /** The fetch implementation (usually `globalThis.fetch`). */
  fetch: typeof fetch;
  /** Geocoding base URL, without the `/v1/search` path. */
  geocodingUrl: string;
  /** Forecast base URL, without the `/v1/forecast` path. */
  forecastUrl: string;
  /** Deadline for the whole tool call (both requests and their bodies), in milliseconds. */
  timeoutMs: number;
}

const MAX_CITY_LENGTH = 100;

// WMO weather interpretation codes, as documented by Open-Meteo.
const WMO_CODES: Record<number, string> = {
  0: 'clear sky', 1: 'mainly clear', 2: 'partly cloudy', 3: 'overcast',
  45: 'fog', 48: 'freezing fog',
  51: 'light drizzle', 53: 'drizzle', 55: 'dense drizzle',
  56: 'light freezing drizzle', 57: 'freezing drizzle',
  61: 'light rain', 63: 'rain', 65: 'heavy rain',
  66: 'light freezing rain', 67: 'freezing rain',
  71: 'light snow', 73: 'snow', 75: 'heavy snow', 77: 'snow grains',
  80: 'light rain showers', 81: 'rain showers', 82: 'violent rain showers',
  85: 'light snow showers', 86: 'heavy snow showers',
  95: 'thunderstorm', 96: 'thunderstorm with light hail', 99: 'thunderstorm with heavy hail',
};

/** Words for a WMO weather code, e.g. `2` → `partly cloudy`. */
export function describeWeatherCode(code: number): string {
  return WMO_CODES[code] ?? `weather code ${code}`;
}

// Only the fields we use; extra fields are ignored so API additions don't break us.
const geocodingSchema = z.object({
  results: z.array(z.object({
    name: z.string(),
    latitude: z.number(),
    longitude: z.number(),
    country: z.string().optional(),
  })).optional(),
});

const forecastSchema = z.object({
  current: z.object({
    temperature_2m: z.number(),
    relative_humidity_2m: z.number(),
    wind_speed_10m: z.number(),
    weather_code: z.number().int(),
  }),
  current_units: z.object({
    temperature_2m: z.string().optional(),
    wind_speed_10m: z.string().optional(),
  }).optional(),
});

/** Thrown internally to short-circuit with a tool error; never escapes `getWeather`. */
class ToolFailure extends Error {}

function toolError(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

/**
 * Looks up the current weather for a city. Never throws: bad input, unknown places and
 * service failures come back as `{ isError: true }` results with a readable message.
 */
export async function getWeather(city: string, opts: WeatherOptions): Promise<CallToolResult> {
  const name = typeof city === 'string' ? city.trim() : '';
  if (name.length === 0) return toolError('Please give a city name.');
  if (name.length > MAX_CITY_LENGTH) {
    return toolError(`The city name is too long (at most ${MAX_CITY_LENGTH} characters).`);
  }
  // One deadline for the whole call, so two slow requests can't add up to twice the budget.
  const signal = AbortSignal.timeout(opts.timeoutMs);
  try {
    const geo = await getJson(
      joinUrl(opts.geocodingUrl, '/v1/search', { name, count: '1', language: 'en', format: 'json' }),
      geocodingSchema, opts, signal,
    );
    const place = geo.results?.[0];
    if (!place) return toolError(`No place called "${name}" was found`);

    const forecast = await getJson(
      joinUrl(opts.forecastUrl, '/v1/forecast', {
        latitude: String(place.latitude),
        longitude: String(place.longitude),
        current: 'temperature_2m,relative_humidity_2m,wind_speed_10m,weather_code',
      }),
      forecastSchema, opts, signal,
    );
    const c = forecast.current;
    const tempUnit = forecast.current_units?.temperature_2m ?? '°C';
    const windUnit = forecast.current_units?.wind_speed_10m ?? 'km/h';
    const label = place.country ? `${place.name}, ${place.country}` : place.name;
    const text = `${label}: ${round(c.temperature_2m, 1)}${tempUnit}, ${describeWeatherCode(c.weather_code)}, `
      + `humidity ${Math.round(c.relative_humidity_2m)}%, wind ${Math.round(c.wind_speed_10m)} ${windUnit}`;
    return { content: [{ type: 'text', text }] };
  } catch (err) {
    if (err instanceof ToolFailure) return toolError(err.message);
    return toolError(`The weather service is unreachable (${networkReason(err, opts.timeoutMs)})`);
  }
}

/** Fetches and validates one JSON document; HTTP and body problems become `ToolFailure`s. */
async function getJson<T>(url: string, schema: z.ZodType<T>, opts: WeatherOptions, signal: AbortSignal): Promise<T> {
  // Network errors (and timeouts, also while reading the body) propagate to the caller's catch.
  const res = await opts.fetch(url, { signal, headers: { accept: 'application/json' } });
  if (!res.ok) {
    await res.body?.cancel().catch(() => {}); // free the socket; the body is of no use
    throw new ToolFailure(`The weather service answered HTTP ${res.status}`);
  }
  const body = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new ToolFailure('The weather service sent a reply that is not valid JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') || 'top level';
    throw new ToolFailure(`The weather service sent a reply in an unexpected format (at ${where})`);
  }
  return parsed.data;
}

/** Appends a path and query to a base URL, keeping any path prefix the base has (e.g. a proxy). */
function joinUrl(base: string, path: string, query: Record<string, string>): string {
  return `${base.replace(/\/+$/, '')}${path}?${new URLSearchParams(query).toString()}`;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

// Node's fetch wraps socket/DNS errors as TypeError('fetch failed') with the real error in `cause`.
const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'DNS lookup failed',
  EAI_AGAIN: 'DNS lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};

/** A short, human reason for a fetch failure; never includes a stack. */
export function networkReason(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  if (code) return REASONS[code] ?? code;
  if (typeof cause?.message === 'string' && cause.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Builds the in-process MCP server (`type: 'sdk'`) exposing `get_weather`.
 * Build a fresh one per `query()`: an instance can be connected to only one query at a time.
 */
export function createWeatherServer(opts: WeatherOptions): McpSdkServerConfigWithInstance {
  const getWeatherTool = tool(
    WEATHER_TOOL_NAME,
    'Get the current weather (temperature, conditions, humidity, wind) for a city.',
    { city: z.string().describe('City name, e.g. "Paris" or "São Paulo"') },
    async ({ city }) => getWeather(city, opts),
    { annotations: { title: 'Current weather', readOnlyHint: true, openWorldHint: true } },
  );
  return createSdkMcpServer({
    name: WEATHER_SERVER_KEY,
    version: '1.0.0',
    tools: [getWeatherTool],
    // Without this the tool hides behind ToolSearch (see SDK_NOTES §7).
    alwaysLoad: true,
    // Backstop only: the handler enforces timeoutMs itself. Values below 1000 are ignored by the SDK.
    timeout: Math.max(1000, opts.timeoutMs + 1000),
  });
}
