import type { AccountLimits } from '../store/types.js';

/** An account's limits with the server's defaults filled in; 0 means unlimited. */
export type Limits = { [K in keyof AccountLimits]-?: number };

/** The account's own limits where set, else the server's. A retention may only be shorter. */
export function resolveLimits(own: AccountLimits | undefined, defaults: Limits): Limits {
  const out = { ...defaults };
  for (const key of Object.keys(defaults) as Array<keyof Limits>) {
    const v = own?.[key];
    if (v !== undefined && v !== null) out[key] = v;
  }
  if (defaults.retentionDays > 0 && (out.retentionDays === 0 || out.retentionDays > defaults.retentionDays)) {
    out.retentionDays = defaults.retentionDays;
  }
  return out;
}

const DAY_MS = 86_400_000;

/** The UTC day of an instant, as the usage ledger keys it. */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The first UTC day of the month of an instant. */
export const monthStartOf = (ms: number): string => `${dayOf(ms).slice(0, 7)}-01`;

/** When the daily and monthly budget windows that contain `ms` end (UTC midnight). */
export function windowEnds(ms: number): { day: number; month: number } {
  const d = new Date(ms);
  return {
    day: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) + DAY_MS,
    month: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
  };
}
