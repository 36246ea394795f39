/** Warm-turn throughput: N sessions, each driven by its own client loop of sequential turns. */
import type { Options } from '@anthropic-ai/claude-agent-sdk';
import type { ApiClient } from './api.js';
import { BareLoop } from './bare.js';

export interface ThroughputResult {
  sessions: number;
  turns: number;
  seconds: number;
  turnsPerSecond: number;
  latenciesMs: number[];
}

/**
 * Every session in `sessionIds` runs turns back to back until `durationMs` has passed (a turn
 * under way then finishes and counts). Rate = all turns / time until the last client stopped.
 */
export async function throughput(api: ApiClient, sessionIds: string[], durationMs: number): Promise<ThroughputResult> {
  const latenciesMs: number[] = [];
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(
    sessionIds.map(async (id, k) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const t0 = performance.now();
        await api.send(id, `throughput ${sessionIds.length}/${k}/${i}`);
        latenciesMs.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return {
    sessions: sessionIds.length,
    turns: latenciesMs.length,
    seconds,
    turnsPerSecond: latenciesMs.length / seconds,
    latenciesMs,
  };
}

/** `throughput` for `n` bare SDK streaming-input loops (each warmed untimed first), closed after. */
export async function bareThroughput(options: Options, n: number, durationMs: number): Promise<ThroughputResult> {
  const loops = Array.from({ length: n }, () => new BareLoop(options));
  try {
    await Promise.all(loops.map((l) => l.turn('warm-up')));
    const latenciesMs: number[] = [];
    const start = performance.now();
    const deadline = start + durationMs;
    await Promise.all(
      loops.map(async (loop, k) => {
        for (let i = 0; performance.now() < deadline; i++) {
          const t0 = performance.now();
          await loop.turn(`throughput ${n}/${k}/${i}`);
          latenciesMs.push(performance.now() - t0);
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    return { sessions: n, turns: latenciesMs.length, seconds, turnsPerSecond: latenciesMs.length / seconds, latenciesMs };
  } finally {
    await Promise.all(loops.map((l) => l.close()));
  }
}
