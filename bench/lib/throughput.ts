/** Warm-turn throughput: N sessions, each driven by its own client loop of sequential turns. */
import type { ApiClient } from './api.js';

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
