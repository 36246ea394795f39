/**
 * The demo mode's weather source: an offline stand-in for Open-Meteo's two endpoints, given to
 * the weather tool as its `fetch`. Without an API key the server runs on the built-in demo model
 * and may have no network either; "What is the weather in Paris?" then still gets a
 * real-looking answer instead of "the weather service is unreachable". The figures are fixed
 * sample data (the demo banner says answers are not real), the same for a city every time.
 */

const PLACES: Record<string, { name: string; country: string; latitude: number; longitude: number }> = {
  paris: { name: 'Paris', country: 'France', latitude: 48.85341, longitude: 2.3488 },
  london: { name: 'London', country: 'United Kingdom', latitude: 51.50853, longitude: -0.12574 },
  berlin: { name: 'Berlin', country: 'Germany', latitude: 52.52437, longitude: 13.41053 },
  'new york': { name: 'New York', country: 'United States', latitude: 40.71427, longitude: -74.00597 },
  tokyo: { name: 'Tokyo', country: 'Japan', latitude: 35.6895, longitude: 139.69171 },
  'são paulo': { name: 'São Paulo', country: 'Brazil', latitude: -23.5475, longitude: -46.63611 },
  sydney: { name: 'Sydney', country: 'Australia', latitude: -33.86785, longitude: 151.20732 },
  oslo: { name: 'Oslo', country: 'Norway', latitude: 59.91273, longitude: 10.74609 },
  rome: { name: 'Rome', country: 'Italy', latitude: 41.89193, longitude: 12.51133 },
};

/** Sample conditions by place; Paris matches what the docs and tests show (18.2 °C, partly cloudy). */
const CURRENT: Record<string, { temperature_2m: number; relative_humidity_2m: number; wind_speed_10m: number; weather_code: number }> = {
  Paris: { temperature_2m: 18.2, relative_humidity_2m: 60, wind_speed_10m: 12.3, weather_code: 2 },
  London: { temperature_2m: 14.1, relative_humidity_2m: 78, wind_speed_10m: 18.5, weather_code: 61 },
  Berlin: { temperature_2m: 16.4, relative_humidity_2m: 55, wind_speed_10m: 9.8, weather_code: 1 },
  'New York': { temperature_2m: 21.7, relative_humidity_2m: 48, wind_speed_10m: 14.2, weather_code: 0 },
  Tokyo: { temperature_2m: 24.9, relative_humidity_2m: 70, wind_speed_10m: 7.1, weather_code: 3 },
  'São Paulo': { temperature_2m: 26.3, relative_humidity_2m: 65, wind_speed_10m: 10.4, weather_code: 80 },
  Sydney: { temperature_2m: 19.8, relative_humidity_2m: 58, wind_speed_10m: 22.0, weather_code: 2 },
  Oslo: { temperature_2m: 6.5, relative_humidity_2m: 81, wind_speed_10m: 11.9, weather_code: 71 },
  Rome: { temperature_2m: 23.4, relative_humidity_2m: 52, wind_speed_10m: 6.3, weather_code: 0 },
};

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

export const offlineWeatherFetch: typeof fetch = async (input) => {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  if (url.pathname.endsWith('/v1/search')) {
    const place = PLACES[(url.searchParams.get('name') ?? '').trim().toLowerCase()];
    // Like Open-Meteo: no `results` when nothing matches, which the tool reports as an unknown place.
    return json(place ? { results: [place] } : {});
  }
  if (url.pathname.endsWith('/v1/forecast')) {
    const lat = Number(url.searchParams.get('latitude'));
    const place = Object.values(PLACES).find((p) => p.latitude === lat);
    return json({
      current_units: { temperature_2m: '°C', relative_humidity_2m: '%', wind_speed_10m: 'km/h' },
      current: { time: new Date().toISOString().slice(0, 16), ...(CURRENT[place?.name ?? 'Paris'] ?? CURRENT.Paris!) },
    });
  }
  return new Response('{"error":true,"reason":"not found"}', { status: 404, headers: { 'content-type': 'application/json' } });
};
