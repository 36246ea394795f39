import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { TurnEnd, TurnObserver } from '../sessions/turn-observer.js';
import { BUCKETS } from './buckets.js';

/** What the runtime reports at scrape time (the pool's numbers and this instance's queued turns). */
export interface RuntimeSnapshot {
  warm: number;
  busy: number;
  queued: number;
  rssBytes: number;
  spawns: number;
  evictions: Record<string, number>;
  crashes: number;
}

export interface MetricsOptions {
  /** Adds `account` to caa_turns_total and caa_cost_usd_total (one series per account: mind the count). */
  accountLabels: boolean;
}

const TOKEN_TYPES = [
  ['input', 'input_tokens'],
  ['output', 'output_tokens'],
  ['cache_read', 'cache_read_input_tokens'],
  ['cache_write', 'cache_creation_input_tokens'],
] as const;

/**
 * The service's Prometheus metrics, in a registry of its own (never prom-client's global one:
 * several servers may live in one process). Labels are bounded: route templates, statuses, models,
 * error codes, store operations — never a session or turn id; an account id only when enabled.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly accountLabels: boolean;

  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly turns: Counter<'status' | 'model' | 'account'>;
  private readonly turnDuration: Histogram<'status' | 'model'>;
  private readonly firstToken: Histogram<'model'>;
  private readonly tokens: Counter<'model' | 'type'>;
  private readonly cost: Counter<'model' | 'account'>;
  private readonly turnErrors: Counter<'code'>;
  private readonly storeDuration: Histogram<'operation' | 'backend'>;
  private readonly modelCallDuration: Histogram<'model' | 'status'>;
  private readonly streamClientsGauge: Gauge;

  private runtimeSource: (() => Promise<RuntimeSnapshot>) | null = null;
  /** One runtime read per scrape, shared by every collect() of that scrape. */
  private scrapeSnapshot: Promise<RuntimeSnapshot> | null = null;

  /** For the TurnService: counts every ended turn. */
  readonly turnObserver: TurnObserver = { onTurnEnd: (end) => this.turnEnded(end) };
  /** For the SSE routes: one `opened` and one `closed` per event-stream connection. */
  readonly streamClients = {
    opened: () => this.streamClientsGauge.inc(),
    closed: () => this.streamClientsGauge.dec(),
  };

  constructor(opts: MetricsOptions) {
    this.accountLabels = opts.accountLabels;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    this.httpRequests = new Counter({
      name: 'caa_http_requests_total',
      help: 'HTTP requests answered, by method, route template (`unmatched` when no route) and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'caa_http_request_duration_seconds',
      help: 'Time to answer an HTTP request; for streamed (SSE) responses, until the headers went out.',
      labelNames: ['method', 'route', 'status'],
      buckets: BUCKETS.http,
      registers,
    });
    this.turns = new Counter({
      name: 'caa_turns_total',
      help: 'Turns ended, by final status (succeeded, failed, interrupted) and model.',
      labelNames: this.accountLabels ? ['status', 'model', 'account'] : ['status', 'model'],
      registers,
    });
    this.turnDuration = new Histogram({
      name: 'caa_turn_duration_seconds',
      help: 'Run time of turns that reached the agent (their duration_ms), by final status and model.',
      labelNames: ['status', 'model'],
      buckets: BUCKETS.turn,
      registers,
    });
    this.firstToken = new Histogram({
      name: 'caa_turn_time_to_first_token_seconds',
      help: 'From a turn starting to run to its first text delta, by model.',
      labelNames: ['model'],
      buckets: BUCKETS.firstToken,
      registers,
    });
    this.tokens = new Counter({
      name: 'caa_tokens_total',
      help: 'Tokens used by turns, by model and type (input, output, cache_read, cache_write).',
      labelNames: ['model', 'type'],
      registers,
    });
    this.cost = new Counter({
      name: 'caa_cost_usd_total',
      help: 'Estimated cost of turns in USD (the SDK’s estimate), by model.',
      labelNames: this.accountLabels ? ['model', 'account'] : ['model'],
      registers,
    });
    this.turnErrors = new Counter({
      name: 'caa_turn_errors_total',
      help: 'Failed turns, by error code.',
      labelNames: ['code'],
      registers,
    });
    this.storeDuration = new Histogram({
      name: 'caa_store_operation_duration_seconds',
      help: 'Time of store calls, by operation (component.method) and backend.',
      labelNames: ['operation', 'backend'],
      buckets: BUCKETS.store,
      registers,
    });
    this.modelCallDuration = new Histogram({
      name: 'caa_model_call_duration_seconds',
      help: 'Model calls forwarded by the gateway, from request to the end of the response, by model and upstream status (0: unreachable).',
      labelNames: ['model', 'status'],
      buckets: BUCKETS.modelCall,
      registers,
    });
    this.streamClientsGauge = new Gauge({
      name: 'caa_stream_clients',
      help: 'Server-Sent Events connections open now.',
      registers,
    });

    // Read from the runtime at scrape time.
    const snapshot = () => this.snapshot();
    new Gauge({
      name: 'caa_warm_sessions',
      help: 'Warm agent processes (sessions with a live `claude` process).',
      registers,
      async collect() {
        const s = await snapshot();
        if (s) this.set(s.warm);
      },
    });
    new Gauge({
      name: 'caa_busy_sessions',
      help: 'Warm agent processes running a turn now.',
      registers,
      async collect() {
        const s = await snapshot();
        if (s) this.set(s.busy);
      },
    });
    new Gauge({
      name: 'caa_queued_turns',
      help: 'Turns admitted by this instance that wait behind another turn of their session.',
      registers,
      async collect() {
        const s = await snapshot();
        if (s) this.set(s.queued);
      },
    });
    new Gauge({
      name: 'caa_pool_rss_bytes',
      help: 'Summed resident memory of the warm agent processes.',
      registers,
      async collect() {
        const s = await snapshot();
        if (s) this.set(s.rssBytes);
      },
    });
    // The pool keeps these counts itself; each scrape copies them (reset + inc keeps them counters).
    new Counter({
      name: 'caa_process_spawns_total',
      help: 'Agent processes started.',
      registers,
      async collect() {
        const s = await snapshot();
        if (!s) return;
        this.reset();
        this.inc(s.spawns);
      },
    });
    new Counter({
      name: 'caa_process_evictions_total',
      help: 'Warm agent processes closed by the pool, by reason.',
      labelNames: ['reason'],
      registers,
      async collect() {
        const s = await snapshot();
        if (!s) return;
        this.reset();
        for (const [reason, n] of Object.entries(s.evictions)) this.inc({ reason }, n);
      },
    });
    new Counter({
      name: 'caa_process_crashes_total',
      help: 'Agent processes that exited unexpectedly.',
      registers,
      async collect() {
        const s = await snapshot();
        if (!s) return;
        this.reset();
        this.inc(s.crashes);
      },
    });
  }

  /** The store's SQL counts (StoreStats), copied into two counters at each scrape. */
  readStoreStatsFrom(stats: { readonly statements: number; readonly writeTransactions: number }): void {
    const registers = [this.registry];
    new Counter({
      name: 'caa_store_statements_total',
      help: 'SQL statements the store sent to the database (BEGIN/COMMIT not counted).',
      registers,
      collect() {
        this.reset();
        this.inc(stats.statements);
      },
    });
    new Counter({
      name: 'caa_store_write_transactions_total',
      help: 'Write transactions the store committed or attempted (explicit ones, and writing statements outside one).',
      registers,
      collect() {
        this.reset();
        this.inc(stats.writeTransactions);
      },
    });
  }

  /** Where the scrape-time gauges come from (set once the runtime exists). */
  readRuntimeFrom(source: () => Promise<RuntimeSnapshot>): void {
    this.runtimeSource = source;
  }

  /** The Prometheus text exposition, and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    this.scrapeSnapshot = this.runtimeSource ? this.runtimeSource() : null;
    // A failed read leaves those gauges at their last values; the rest of the scrape still answers.
    this.scrapeSnapshot?.catch(() => {});
    try {
      return { contentType: this.registry.contentType, body: await this.registry.metrics() };
    } finally {
      this.scrapeSnapshot = null;
    }
  }

  observeHttp(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  observeStore(operation: string, backend: string, seconds: number): void {
    this.storeDuration.observe({ operation, backend }, seconds);
  }

  /** One model call the gateway forwarded (its ledger row). */
  modelCall(call: { model: string; status: number; latencyMs: number }): void {
    this.modelCallDuration.observe({ model: call.model, status: String(call.status) }, call.latencyMs / 1000);
  }

  turnEnded(end: TurnEnd): void {
    const model = end.model ?? 'unknown';
    const account = this.accountLabels ? { account: end.accountId } : {};
    this.turns.inc({ status: end.status, model, ...account });
    if (end.durationMs !== null) this.turnDuration.observe({ status: end.status, model }, end.durationMs / 1000);
    if (end.firstTokenMs !== null) this.firstToken.observe({ model }, end.firstTokenMs / 1000);
    for (const [type, field] of TOKEN_TYPES) this.tokens.inc({ model, type }, amount(end.usage[field]));
    this.cost.inc({ model, ...account }, amount(end.costUsd));
    if (end.status === 'failed') this.turnErrors.inc({ code: end.errorCode ?? 'unknown' });
  }

  /** The runtime's numbers for this scrape (read once per scrape), or null when there is no source. */
  private async snapshot(): Promise<RuntimeSnapshot | null> {
    const pending = this.scrapeSnapshot ?? this.runtimeSource?.();
    if (!pending) return null;
    try {
      return await pending;
    } catch {
      return null;
    }
  }
}

/** A counter increment: never negative, never NaN (which would poison the series for good). */
const amount = (n: number) => (Number.isFinite(n) && n > 0 ? n : 0);
