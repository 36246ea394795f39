/**
 * The price table a model call's cost is computed from (USD per million tokens). Versioned: each
 * ledger row names the version it was priced with, so a price change never rewrites history.
 * Models match by prefix (dated ids such as `claude-sonnet-4-5-20250929` share their family's
 * price). Cache writes cost 1.25× input and cache reads 0.1× input, as the API bills them.
 */
export const PRICE_VERSION = '2026-01';

interface Price {
  input: number;
  output: number;
}

const PRICES: ReadonlyArray<readonly [prefix: string, price: Price]> = [
  ['claude-opus-4-5', { input: 5, output: 25 }],
  ['claude-opus-4', { input: 15, output: 75 }],
  ['claude-sonnet-4', { input: 3, output: 15 }],
  ['claude-3-7-sonnet', { input: 3, output: 15 }],
  ['claude-haiku-4-5', { input: 1, output: 5 }],
  ['claude-3-5-haiku', { input: 0.8, output: 4 }],
];

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export function priceOf(model: string): Price | null {
  return PRICES.find(([prefix]) => model.startsWith(prefix))?.[1] ?? null;
}

/** The call's cost in USD, or null when the table has no price for the model. */
export function costOf(model: string, u: TokenUsage): number | null {
  const p = priceOf(model);
  if (!p) return null;
  const perToken = (usdPerMillion: number) => usdPerMillion / 1_000_000;
  return (
    u.inputTokens * perToken(p.input) +
    u.cacheWriteTokens * perToken(p.input * 1.25) +
    u.cacheReadTokens * perToken(p.input * 0.1) +
    u.outputTokens * perToken(p.output)
  );
}
