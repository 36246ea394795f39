import { describe, expect, it } from 'vitest';
import { turnCostUsd } from './cost.js';

describe('turnCostUsd', () => {
  it('is the whole running total for a session’s first turn', () => {
    expect(turnCostUsd(0.00135, 0)).toBe(0.00135);
  });
  it('subtracts what the session cost before (resumed or warm process alike)', () => {
    expect(turnCostUsd(0.002889, 0.00135)).toBeCloseTo(0.001539, 12);
  });
  it('never reports a negative or unknown cost', () => {
    expect(turnCostUsd(0.001, 0.002)).toBe(0);
    expect(turnCostUsd(null, 0.002)).toBe(0);
    expect(turnCostUsd(0, 0)).toBe(0);
    expect(turnCostUsd(Number.NaN, 0)).toBe(0);
  });
});
