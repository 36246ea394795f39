import { memo } from 'react';
import type { AssistantEntry } from '../state/entries';
import { ApprovalCard } from './ApprovalCard';
import { Markdown } from './Markdown';
import { Thinking } from './Thinking';
import { ToolCard } from './ToolCard';
import { TurnErrorText } from './TurnErrorText';
import { TurnMeta } from './TurnMeta';

interface Props {
  entry: AssistantEntry;
  onDecide: (requestId: string, decision: 'allow' | 'deny', note: string) => void | Promise<void>;
}

/** One answer: thinking, tool calls (with approvals waiting on them), the text, then its totals. */
export const AssistantMessage = memo(function AssistantMessage({ entry: a, onDecide }: Props) {
  const running = a.status === 'running';
  const idle = running && !a.text && !a.approvals.length && !a.retry;
  return (
    <article
      className={`message assistant status-${a.status}`}
      data-testid="message"
      data-role="assistant"
      data-turn-id={a.turnId ?? undefined}
      data-status={a.status}
      aria-busy={running}
    >
      <div className="bubble">
        {a.thinking && <Thinking text={a.thinking} />}
        {a.tools.map((t) => (
          <ToolCard
            key={t.id}
            tool={t}
            turnRunning={running}
            awaitingApproval={a.approvals.some((p) => p.toolUseId === t.id)}
          />
        ))}
        {a.approvals.map((p) => (
          <ApprovalCard key={p.requestId} approval={p} onDecide={onDecide} />
        ))}
        {a.text && (
          <div className="message-text markdown" data-testid="message-text">
            <Markdown text={a.text} />
          </div>
        )}
        {a.retry && <p className="muted small">{a.retry}</p>}
        {idle && (
          <p className="typing" aria-label="Answering">
            <span />
            <span />
            <span />
          </p>
        )}
        {(a.status === 'failed' || a.status === 'interrupted') && <TurnErrorText status={a.status} error={a.error} />}
        {!running && <TurnMeta entry={a} />}
      </div>
    </article>
  );
});
