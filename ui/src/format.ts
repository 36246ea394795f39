/** Small display helpers shared by the sidebar, the header and the answers. */

export const formatCost = (usd: number) => `$${usd.toFixed(4)}`;

export const formatTokens = (n: number) => n.toLocaleString('en-US');

export const formatDuration = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.35],
  ['month', 12],
  ['year', Infinity],
];

export function relativeTime(iso: string, now = Date.now()): string {
  let value = (Date.parse(iso) - now) / 1000;
  if (Math.abs(value) < 45) return 'just now';
  for (const [unit, size] of STEPS) {
    if (Math.abs(value) < size) return rtf.format(Math.round(value), unit);
    value /= size;
  }
  return new Date(iso).toLocaleDateString();
}

export const prettyJson = (v: unknown) => {
  try {
    return JSON.stringify(v, null, 2) ?? String(v);
  } catch {
    return String(v);
  }
};

export const sessionTitle = (title: string | null) => title?.trim() || 'New session';
