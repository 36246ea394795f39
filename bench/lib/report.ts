/** Prints the results of bench/turn-latency as readable tables. */
import { mb, median, pct, table } from './stats.js';
import type { ThroughputResult } from './throughput.js';

export type Key = 'a' | 'b' | 'p' | 'c' | 'e' | 'd';

export interface KindResult {
  label: string;
  samples: number[];
  /** Pool spawns per timed turn (API kinds only). */
  spawns: number[] | null;
  /** The turn's `duration_ms` as the API reports it: time inside the runtime (API kinds only). */
  runtimeMs: number[] | null;
}

export interface BenchResults {
  runs: number;
  model: string;
  kinds: Record<Key, KindResult>;
  memory: { warm: number; rssBytes: number[]; turnsServed: number[]; serverRssBytes: number };
  seconds: number;
  throughput: ThroughputResult[];
  pool: { spawns: number; evictions: Record<string, number>; crashes: number };
  cpus: number;
}

const f0 = (n: number) => n.toFixed(0);

export function printReport(r: BenchResults): void {
  const print = (s: string) => console.log(s);
  print(`\nturn latency, ${r.runs} runs each, interleaved; mock model at zero latency; model ${r.model} (ms)\n`);
  print(
    table(
      [
        ['kind', 'median', 'p95', 'min', 'max', 'in runtime*', 'pool spawns/turn'],
        ...Object.values(r.kinds).map((k) => [
          k.label,
          f0(median(k.samples)),
          f0(pct(k.samples, 95)),
          f0(Math.min(...k.samples)),
          f0(Math.max(...k.samples)),
          k.runtimeMs ? f0(median(k.runtimeMs)) : '-',
          k.spawns ? (k.spawns.reduce((s, x) => s + x, 0) / k.spawns.length).toFixed(2) : '-',
        ]),
      ],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  print("* median of the turn's duration_ms: time inside AgentRuntime.runTurn (process start, CLI turn, store mirror);");
  print('  the rest of the median is HTTP, validation and the catalog writes around the turn.');

  const med = (k: Key) => median(r.kinds[k].samples);
  const ratios: [string, number, 'le' | 'ge', number][] = [
    ['(b)/(a) warm API turn vs bare loop', med('b') / med('a'), 'le', 1.15],
    ['(c)/(e) cold resume vs new session', med('c') / med('e'), 'le', 1.3],
    ['(d)/(b) query-per-request vs warm API', med('d') / med('b'), 'ge', 10],
    ['(p)/(b) warm API turn, PostgreSQL vs SQLite', med('p') / med('b'), 'le', 1.1],
  ];
  print('\nratios of medians\n');
  print(
    table(
      [
        ['ratio', 'value', 'target', 'verdict'],
        ...ratios.map(([name, v, op, t]) => [
          name,
          `${v.toFixed(2)}×`,
          `${op === 'le' ? '≤' : '≥'} ${t}`,
          (op === 'le' ? v <= t : v >= t) ? 'met' : 'MISSED',
        ]),
      ],
      ['l', 'r', 'r', 'l'],
    ),
  );

  const m = r.memory;
  print(`\nmemory, with ${m.warm} warm sessions (${Math.min(...m.turnsServed)}–${Math.max(...m.turnsServed)} turns served by each process)\n`);
  print(
    table(
      [
        ['what', 'median MB', 'max MB'],
        [`claude RSS per warm session (n=${m.rssBytes.length}, GET /v1/runtime)`, f0(mb(median(m.rssBytes))), f0(mb(Math.max(...m.rssBytes)))],
        ['server process RSS (also holds the bench and the mock model)', f0(mb(m.serverRssBytes)), ''],
      ],
      ['l', 'r', 'r'],
    ),
  );

  print(`\nthroughput, warm turns via POST /v1/sessions/{id}/messages, one sequential client per fresh session, ${r.seconds} s each\n`);
  print(
    table(
      [
        ['sessions', 'turns', 'turns/s', 'median ms', 'p95 ms'],
        ...r.throughput.map((t) => [
          String(t.sessions),
          String(t.turns),
          t.turnsPerSecond.toFixed(1),
          f0(median(t.latenciesMs)),
          f0(pct(t.latenciesMs, 95)),
        ]),
      ],
      ['r', 'r', 'r', 'r', 'r'],
    ),
  );

  const ev = Object.entries(r.pool.evictions).filter(([, n]) => n > 0);
  const evText = ev.length ? ev.map(([reason, n]) => `${reason} ${n}`).join(', ') : 'none';
  print(`\npool: ${r.pool.spawns} spawns, evictions ${evText} (the bench's own evict() calls count as "deleted"), ${r.pool.crashes} crashes; ${r.cpus} CPUs\n`);
}
