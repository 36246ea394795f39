/** A small reader of the Prometheus text exposition format, for asserting on /metrics. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseProm(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) {
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, ch: string) => (ch === 'n' ? '\n' : ch));
    }
    const v = m[3]!;
    out.push({ name: m[1]!, labels, value: v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v) });
  }
  return out;
}

const sameLabels = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);
const hasLabels = (a: Record<string, string>, b: Record<string, string>) => Object.entries(b).every(([k, v]) => a[k] === v);

/** The value of the series `name` with exactly these labels; undefined when there is none. */
export function promValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = parseProm(text).filter((s) => s.name === name && sameLabels(s.labels, labels));
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} appears ${found.length} times`);
  return found[0]?.value;
}

/** The series of `name` whose labels include `labels`. */
export function promSeries(text: string, name: string, labels: Record<string, string> = {}): Sample[] {
  return parseProm(text).filter((s) => s.name === name && hasLabels(s.labels, labels));
}

/** Sum of the series of `name` whose labels include `labels` (0 when there is none). */
export function promSum(text: string, name: string, labels: Record<string, string> = {}): number {
  return promSeries(text, name, labels).reduce((sum, s) => sum + s.value, 0);
}
