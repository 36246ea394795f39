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
  bareThroughput: ThroughputResult[];
  /** Per (b)/(p) sample: SQL statements and write transactions the server's store ran. */
  sqlPerTurn: Record<'b' | 'p', { statements: number[]; writeTransactions: number[] }>;
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
  // Per round: the kinds of one round ran back to back, so their ratio is the least noisy one.
  const perRound = (x: Key, y: Key) => r.kinds[x].samples.map((v, i) => v / r.kinds[y].samples[i]!);
  const ratios: [string, Key, Key, 'le' | 'ge', number][] = [
    ['(b)/(a) warm API turn vs bare loop', 'b', 'a', 'le', 1.15],
    ['(c)/(e) cold resume vs new session', 'c', 'e', 'le', 1.3],
    ['(d)/(b) query-per-request vs warm API', 'd', 'b', 'ge', 10],
    ['(p)/(b) warm API turn, PostgreSQL vs SQLite', 'p', 'b', 'le', 1.1],
  ];
  const x2 = (v: number) => `${v.toFixed(2)}×`;
  print('\nratios: of the medians, and per round (p50, p5–p95, min–max)\n');
  print(
    table(
      [
        ['ratio', 'of medians', 'round p50', 'round p5–p95', 'round min–max', 'target', 'verdict'],
        ...ratios.map(([name, x, y, op, t]) => {
          const v = med(x) / med(y);
          const rs = perRound(x, y);
          return [
            name,
            x2(v),
            x2(median(rs)),
            `${x2(pct(rs, 5))}–${x2(pct(rs, 95))}`,
            `${x2(Math.min(...rs))}–${x2(Math.max(...rs))}`,
            `${op === 'le' ? '≤' : '≥'} ${t}`,
            (op === 'le' ? v <= t : v >= t) ? 'met' : 'MISSED',
          ];
        }),
      ],
      ['l', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
  );

  print('\nSQL per warm turn (from the server’s /metrics around each sample)\n');
  const sqlRow = (name: string, xs: number[], target: number) => [
    name,
    f0(median(xs)),
    f0(Math.min(...xs)),
    f0(Math.max(...xs)),
    `≤ ${target}`,
    median(xs) <= target ? 'met' : 'MISSED',
  ];
  print(
    table(
      [
        ['what', 'median', 'min', 'max', 'target', 'verdict'],
        sqlRow('(b) SQLite: statements', r.sqlPerTurn.b.statements, 10),
        sqlRow('(b) SQLite: write transactions', r.sqlPerTurn.b.writeTransactions, 3),
        sqlRow('(p) PostgreSQL: statements', r.sqlPerTurn.p.statements, 10),
        sqlRow('(p) PostgreSQL: write transactions', r.sqlPerTurn.p.writeTransactions, 3),
      ],
      ['l', 'r', 'r', 'r', 'r', 'l'],
    ),
  );

  const m = r.memory;
  print(`\nmemory, with ${m.warm} warm sessions (${Math.min(...m.turnsServed)}–${Math.max(...m.turnsServed)} turns served by each process)\n`);
  print(
    table(
      [
        ['what', 'median MB', 'max MB'],
        [`claude RSS per warm session (n=${m.rssBytes.length}, GET /v1/runtime)`, f0(mb(median(m.rssBytes))), f0(mb(Math.max(...m.rssBytes)))],
        ['server process RSS (its own process)', f0(mb(m.serverRssBytes)), ''],
      ],
      ['l', 'r', 'r'],
    ),
  );

  print(`\nthroughput, warm turns, one sequential client per fresh session, ${r.seconds} s each: API (POST /v1/sessions/{id}/messages) vs bare SDK loops\n`);
  print(
    table(
      [
        ['sessions', 'API turns/s', 'bare turns/s', 'API/bare', 'API median ms', 'API p95 ms', 'bare median ms', 'bare p95 ms'],
        ...r.throughput.map((t, i) => {
          const b = r.bareThroughput[i]!;
          return [
            String(t.sessions),
            t.turnsPerSecond.toFixed(1),
            b.turnsPerSecond.toFixed(1),
            `${((100 * t.turnsPerSecond) / b.turnsPerSecond).toFixed(0)}%`,
            f0(median(t.latenciesMs)),
            f0(pct(t.latenciesMs, 95)),
            f0(median(b.latenciesMs)),
            f0(pct(b.latenciesMs, 95)),
          ];
        }),
      ],
      ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );

  const ev = Object.entries(r.pool.evictions).filter(([, n]) => n > 0);
  const evText = ev.length ? ev.map(([reason, n]) => `${reason} ${n}`).join(', ') : 'none';
  print(`\npool: ${r.pool.spawns} spawns, evictions ${evText} (the bench's own evict() calls count as "deleted"), ${r.pool.crashes} crashes; ${r.cpus} CPUs\n`);
}
