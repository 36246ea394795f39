/**
 * The SDK reports `total_cost_usd` as a running total: cumulative over a `query()` call, and a
 * resumed query starts from the total its transcript saved (measured on SDK 0.3.330: turn costs
 * 0.00135, then 0.002889 and 0.004629 reported by successive resumed queries). A turn's own cost
 * is therefore the reported total minus what the session had cost before, or the whole total
 * when the SDK started a brand-new transcript. Crash results may report 0: the turn then costs 0.
 */
export function turnCostUsd(cumulative: number | null, priorSessionCost: number, resumed: boolean): number {
  if (cumulative === null || !Number.isFinite(cumulative) || cumulative <= 0) return 0;
  if (!resumed) return cumulative;
  return Math.max(0, cumulative - priorSessionCost);
}
