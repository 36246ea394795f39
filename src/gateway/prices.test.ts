import { describe, expect, it } from 'vitest';
import { costOf, priceOf } from './prices.js';

describe('price table', () => {
  it('prices a dated model id by its family, with cache writes at 1.25× and reads at 0.1× input', () => {
    expect(priceOf('claude-sonnet-4-5-20250929')).toEqual({ input: 3, output: 15 });
    const cost = costOf('claude-sonnet-4-5-20250929', { inputTokens: 1_000_000, outputTokens: 1_000_000, cacheReadTokens: 1_000_000, cacheWriteTokens: 1_000_000 });
    expect(cost).toBeCloseTo(3 + 15 + 0.3 + 3.75, 9);
  });

  it('an unknown model has no price (null), never zero', () => {
    expect(priceOf('gpt-4o')).toBeNull();
    expect(costOf('gpt-4o', { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 })).toBeNull();
  });
});
