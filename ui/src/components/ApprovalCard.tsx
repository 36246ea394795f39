import { useId, useState } from 'react';
import { prettyJson } from '../format';
import type { ApprovalView } from '../state/entries';

interface Props {
  approval: ApprovalView;
  onDecide: (requestId: string, decision: 'allow' | 'deny', note: string) => void | Promise<void>;
}

/** A tool call waiting for a person: Allow or Deny, with an optional note for the model. */
export function ApprovalCard({ approval: p, onDecide }: Props) {
  const [note, setNote] = useState('');
  const [sending, setSending] = useState(false);
  const noteId = useId();
  const expires = new Date(p.expiresAt);

  const decide = async (decision: 'allow' | 'deny') => {
    setSending(true);
    try {
      await onDecide(p.requestId, decision, note);
    } finally {
      setSending(false);
    }
  };

  return (
    <section className="approval" data-testid="approval" data-tool={p.tool} aria-label={`Approval needed for ${p.tool}`}>
      <p className="approval-title">
        <strong>Approval needed:</strong> the agent wants to run <code>{p.tool}</code>
      </p>
      <pre className="approval-input">{prettyJson(p.input)}</pre>
      <label htmlFor={noteId} className="small">
        Note for the model (optional)
      </label>
      <input
        id={noteId}
        data-testid="approval-note"
        value={note}
        onChange={(e) => setNote(e.target.value)}
        placeholder="e.g. use metric units"
        maxLength={2000}
      />
      <div className="approval-actions">
        <button type="button" className="primary" data-testid="approval-allow" disabled={sending} onClick={() => void decide('allow')}>
          Allow
        </button>
        <button type="button" data-testid="approval-deny" disabled={sending} onClick={() => void decide('deny')}>
          Deny
        </button>
        {!Number.isNaN(expires.getTime()) && (
          <span className="muted small">Denied automatically at {expires.toLocaleTimeString()}</span>
        )}
      </div>
    </section>
  );
}
