/**
 * bench/store — the SQLite and PostgreSQL store backends side by side, in one run:
 *   1. transcript append latency, `transcripts.append` with batches of 1 and of 20 entries
 *   2. `transcripts.load` of a 1,000-entry transcript
 *   3. `catalog.listSessions` with --sessions sessions in one account: the first page of 50, a
 *      page 90% of the way down, reached through the cursor, and a title search that matches one
 *   4. what every authenticated request adds: `accounts.findKey`
 *   5. `retention.stats` of that account (the storage-stats endpoint)
 * Every round samples each backend once, the order swapped each round, so machine noise (PostgreSQL
 * shares the machine) hits both alike. Then the target: first list page ≤ 20 ms p99 on both.
 *
 *   npm run bench:store -- [--appends 500] [--loads 50] [--lists 100] [--sessions 100000]
 *   PostgreSQL: $TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { SessionKey } from '@anthropic-ai/claude-agent-sdk';
import { openPostgresBackend, openSqliteBackend, transcriptEntry, type BenchBackend } from './lib/store-backends.js';
import { median, pct, table, timed } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    appends: { type: 'string', default: '500' },
    loads: { type: 'string', default: '50' },
    lists: { type: 'string', default: '100' },
    sessions: { type: 'string', default: '100000' },
  },
});
const appends = Number(values.appends);
const loads = Number(values.loads);
const lists = Number(values.lists);
const sessions = Number(values.sessions);
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ACCOUNT = 'bench-account';
const OTHER_SESSIONS = 300;
const TRANSCRIPT_ENTRIES = 1000;
const PAGE = 50;
const TARGET_MS = 20;
const STATS_SAMPLES = 20;
/** Untimed rounds first: connection set-up, prepared statements and JIT settle before sampling. */
const WARMUP = 5;
const progress = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

interface Figure {
  label: string;
  /** ms samples, indexed like `backends`. */
  samples: number[][];
}

const backends: BenchBackend[] = [];
const figures: Figure[] = [];

/**
 * Samples `n` rounds on every backend. `prepare` runs untimed (building entries, say) and returns
 * the call that is timed; `check` sees its result once per backend, so a wrong answer fails loudly.
 */
async function measure<T>(
  label: string,
  n: number,
  prepare: (b: BenchBackend) => () => Promise<T>,
  check?: (value: T) => void,
): Promise<void> {
  progress(`${label}: ${n} samples per backend`);
  const samples = backends.map(() => [] as number[]);
  for (let i = -WARMUP; i < n; i++) {
    for (let k = 0; k < backends.length; k++) {
      const j = (Math.abs(i) + k) % backends.length;
      const { ms, value } = await timed(prepare(backends[j]!));
      if (i === 0) check?.(value);
      if (i >= 0) samples[j]!.push(ms);
    }
  }
  figures.push({ label, samples });
}

const newKey = (): SessionKey => ({ projectKey: 'bench', sessionId: randomUUID() });
const batch = (size: number) => Array.from({ length: size }, (_, i) => transcriptEntry(i));

try {
  backends.push(await openSqliteBackend());
  backends.push(await openPostgresBackend(PG_URL));

  // ---- 1. appends: each series grows one session's transcript, as the SDK's mirror does ---------
  for (const size of [1, 20]) {
    const keys = new Map(backends.map((b) => [b, newKey()]));
    await measure(`transcripts.append, batch of ${size}`, appends, (b) => {
      const entries = batch(size);
      return () => b.store.transcripts.append(keys.get(b)!, entries);
    });
  }

  // ---- 2. load: one 1,000-entry transcript per backend, written in SDK-sized batches (untimed) ---
  const loadKeys = new Map(backends.map((b) => [b, newKey()]));
  for (const b of backends) {
    for (let n = 0; n < TRANSCRIPT_ENTRIES; n += 20) await b.store.transcripts.append(loadKeys.get(b)!, batch(20));
  }
  await measure(
    `transcripts.load, ${TRANSCRIPT_ENTRIES} entries`,
    loads,
    (b) => () => b.store.transcripts.load(loadKeys.get(b)!),
    (entries) => {
      if (entries?.length !== TRANSCRIPT_ENTRIES) throw new Error(`load returned ${entries?.length ?? 'null'} entries`);
    },
  );

  // ---- 3. session list ---------------------------------------------------------------------------
  const deepCursor = new Map<BenchBackend, string>();
  for (const b of backends) {
    progress(`${b.label}: seeding ${sessions} sessions (+${OTHER_SESSIONS} in other accounts)`);
    const seed = await timed(() => b.seedSessions(ACCOUNT, sessions, OTHER_SESSIONS));
    progress(`${b.label}: seeded in ${(seed.ms / 1000).toFixed(1)} s; walking the list for a deep cursor`);
    // Walking the whole list through the cursor also proves the account filter and the pagination:
    // every one of the account's sessions exactly once, no other account's.
    let seen = 0;
    let cursor: string | undefined;
    const ids = new Set<string>();
    do {
      const page = await b.store.catalog.listSessions({ accountId: ACCOUNT, limit: 1000, cursor });
      for (const s of page.sessions) {
        if (s.accountId !== ACCOUNT) throw new Error(`${b.label}: listed a session of ${s.accountId}`);
        ids.add(s.id);
      }
      seen += page.sessions.length;
      cursor = page.nextCursor ?? undefined;
      // The deepest cursor at or above 90% of the list: a page there must cost what the first does.
      if (cursor !== undefined && seen <= 0.9 * sessions) deepCursor.set(b, cursor);
    } while (cursor !== undefined);
    if (seen !== sessions || ids.size !== sessions) throw new Error(`${b.label}: walked ${seen} (${ids.size} distinct) of ${sessions}`);
  }
  const fullPage = (p: { sessions: unknown[] }) => {
    if (p.sessions.length !== Math.min(PAGE, sessions)) throw new Error(`page of ${p.sessions.length}`);
  };
  await measure(
    `catalog.listSessions, first page of ${PAGE}`,
    lists,
    (b) => () => b.store.catalog.listSessions({ accountId: ACCOUNT, limit: PAGE }),
    fullPage,
  );
  if (backends.every((b) => deepCursor.has(b))) {
    await measure(
      `catalog.listSessions, page of ${PAGE} at ~90% via cursor`,
      lists,
      (b) => () => b.store.catalog.listSessions({ accountId: ACCOUNT, limit: PAGE, cursor: deepCursor.get(b)! }),
      fullPage,
    );
  }

  await measure(
    `catalog.listSessions, title search matching 1 of ${sessions}`,
    lists,
    (b) => () => b.store.catalog.listSessions({ accountId: ACCOUNT, limit: PAGE, search: `bench session ${sessions}` }),
    (p) => {
      if (p.sessions.length !== 1) throw new Error(`search found ${p.sessions.length}`);
    },
  );

  // ---- 4. authentication: one key lookup per request ----------------------------------------------
  const hashes = new Map<BenchBackend, string>();
  for (const b of backends) {
    const account = await b.store.accounts.create({ id: randomUUID(), name: 'bench', limits: {} }, Date.now());
    const hash = randomUUID().replaceAll('-', '').repeat(2);
    await b.store.accounts.createKey({ id: randomUUID(), accountId: account.id, name: null, prefix: 'caa_bench', hash }, Date.now());
    hashes.set(b, hash);
  }
  await measure('accounts.findKey (each authenticated request)', appends, (b) => () => b.store.accounts.findKey(hashes.get(b)!), (found) => {
    if (!found) throw new Error('key not found');
  });

  // ---- 5. storage statistics of the 100k-session account -----------------------------------------
  const cutoffs = { defaultCutoff: 0, perAccount: {}, projectKey: () => 'bench' };
  await measure(`retention.stats of the ${sessions}-session account`, STATS_SAMPLES, (b) => () => b.store.retention.stats(ACCOUNT, cutoffs), (st) => {
    if (st.sessions !== sessions) throw new Error(`stats counted ${st.sessions} sessions`);
  });

  report();
} finally {
  for (const b of [...backends].reverse()) await b.close().catch((err) => progress(`${b.label} clean-up failed: ${err}`));
}

function report(): void {
  const print = (s: string) => console.log(s);
  const f2 = (ms: number) => ms.toFixed(2);
  const ratio = (pgMs: number, sqliteMs: number) => `${(pgMs / sqliteMs).toFixed(1)}×`;
  const [sqlite, postgres] = [0, 1];
  print(
    `\nstore latency, SQLite vs PostgreSQL (pool 10, same host); ${appends} appends, ${loads} loads, ` +
      `${lists} list calls per backend; ${sessions} sessions + ${OTHER_SESSIONS} in other accounts (ms)\n`,
  );
  print(
    table(
      [
        ['figure', 'SQLite med', 'SQLite p99', 'PG med', 'PG p99', 'PG/SQLite med', 'PG/SQLite p99'],
        ...figures.map((f) => {
          const s = f.samples[sqlite]!;
          const p = f.samples[postgres]!;
          return [
            f.label,
            f2(median(s)),
            f2(pct(s, 99)),
            f2(median(p)),
            f2(pct(p, 99)),
            ratio(median(p), median(s)),
            ratio(pct(p, 99), pct(s, 99)),
          ];
        }),
      ],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  print('p99 is nearest-rank: with fewer than 100 samples it is the maximum.');

  // The target speaks of 100k sessions; at another size the verdict is only indicative.
  const first = figures.find((f) => f.label.startsWith('catalog.listSessions, first page'))!;
  const scale = sessions === 100_000 ? '' : ` (run at ${sessions} sessions, target is stated for 100000)`;
  print(`\ntarget: first session-list page ≤ ${TARGET_MS} ms p99 at 100k sessions${scale}`);
  for (const [j, b] of backends.entries()) {
    const p99 = pct(first.samples[j]!, 99);
    print(`  ${b.label.padEnd(10)} p99 ${f2(p99)} ms  ${p99 <= TARGET_MS ? 'MET' : 'MISSED'}`);
  }
  print(`\n${os.cpus().length} CPUs, Node ${process.version}\n`);
}
