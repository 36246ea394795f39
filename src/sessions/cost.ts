/**
 * The SDK reports `total_cost_usd` as a running total: cumulative over a `query()` process, and a
 * resumed process starts from the total its transcript saved (measured on SDK 0.3.330: resumed
 * queries reported 0.00135, then 0.002889, then 0.004629). Either way the running total is the
 * session's whole cost so far, so a turn's own cost is that total minus what the session had cost
 * before the turn. A crash result may report 0: the turn then costs 0.
 */
export function turnCostUsd(cumulative: number | null, priorSessionCost: number): number {
  if (cumulative === null || !Number.isFinite(cumulative) || cumulative <= 0) return 0;
  return Math.max(0, cumulative - priorSessionCost);
}
