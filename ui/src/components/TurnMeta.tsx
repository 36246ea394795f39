import { formatCost, formatDuration, formatTokens } from '../format';
import type { AssistantEntry } from '../state/entries';

/** Cost, duration and tokens of one finished answer. */
export function TurnMeta({ entry: a }: { entry: AssistantEntry }) {
  return (
    <p className="turn-meta" data-testid="turn-meta">
      <span title="Estimated cost">{formatCost(a.costUsd)}</span>
      <span aria-hidden="true"> · </span>
      <span title="Duration">{formatDuration(a.durationMs)}</span>
      <span aria-hidden="true"> · </span>
      <span title="Tokens in / out">
        {formatTokens(a.usage?.input_tokens ?? 0)} in / {formatTokens(a.usage?.output_tokens ?? 0)} out tokens
      </span>
    </p>
  );
}
