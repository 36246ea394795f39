/** Small numeric and table helpers for the benchmarks. */

/** Nearest-rank percentile (p in 0..100) of a non-empty sample. */
export function pct(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const median = (xs: number[]) => pct(xs, 50);

/** Wall-clock ms with sub-ms precision (same epoch as Date.now(), so stamps from one process compare). */
export const nowMs = () => performance.timeOrigin + performance.now();

export const mb = (bytes: number) => bytes / (1024 * 1024);

/** Wall time of `fn` in ms, with its value. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

export type Align = 'l' | 'r';

/** Renders rows as a fixed-width table; the first row is the header, underlined. */
export function table(rows: string[][], align: Align[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (align[c] === 'l' ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  const out = [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows.slice(1)) out.push(line(r));
  return out.join('\n');
}
