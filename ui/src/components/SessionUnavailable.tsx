import { describeError } from '../api/messages';

/** The URL names a session we cannot show (deleted, another account's, a bad id, or no network). */
export function SessionUnavailable({ error, onRetry, onNew }: { error: unknown; onRetry: () => void; onNew: () => void }) {
  return (
    <div className="empty-chat" role="status">
      <h1>Session unavailable</h1>
      <p className="muted">{describeError(error)}</p>
      <p className="button-row">
        <button type="button" onClick={onRetry}>
          Try again
        </button>
        <button type="button" className="primary" onClick={onNew}>
          New chat
        </button>
      </p>
    </div>
  );
}
