import type { Session } from '../api/types';
import { formatCost, formatTokens } from '../format';

/** Turns, tokens and cost of the whole session. */
export function SessionTotals({ session: s }: { session: Session }) {
  const turns = `${s.turn_count} ${s.turn_count === 1 ? 'turn' : 'turns'}`;
  return (
    <p className="session-totals" data-testid="session-totals">
      {turns} · {formatTokens(s.usage.input_tokens)} in / {formatTokens(s.usage.output_tokens)} out tokens ·{' '}
      {formatCost(s.cost_usd)}
    </p>
  );
}
