import { describeTurnError } from '../api/messages';
import type { TurnError } from '../api/types';

/** Why an answer failed or stopped, in plain words; the server's own text is one click away. */
export function TurnErrorText({ status, error }: { status: 'failed' | 'interrupted'; error: TurnError | null }) {
  const code = error?.code ?? (status === 'interrupted' ? 'interrupted' : undefined);
  const sentence = describeTurnError(code, error?.message);
  const detail = error?.message && error.message !== sentence ? error.message : null;
  return (
    <div className={`turn-error ${status}`}>
      <p data-testid="turn-error" role={status === 'failed' ? 'note' : undefined}>
        {sentence}
      </p>
      {detail && (
        <details className="small muted">
          <summary>Details</summary>
          <p className="plain">{detail}</p>
        </details>
      )}
    </div>
  );
}
