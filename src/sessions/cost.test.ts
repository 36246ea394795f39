import { describe, expect, it } from 'vitest';
import { turnCostUsd } from './cost.js';

describe('turnCostUsd', () => {
  it('takes the whole total for a brand-new transcript', () => {
    expect(turnCostUsd(0.00135, 0, false)).toBe(0.00135);
  });
  it('subtracts what the session cost before when the SDK resumed its running total', () => {
    expect(turnCostUsd(0.002889, 0.00135, true)).toBeCloseTo(0.001539, 12);
  });
  it('never reports a negative or unknown cost', () => {
    expect(turnCostUsd(0.001, 0.002, true)).toBe(0);
    expect(turnCostUsd(null, 0.002, true)).toBe(0);
    expect(turnCostUsd(0, 0, false)).toBe(0);
    expect(turnCostUsd(Number.NaN, 0, false)).toBe(0);
  });
});
