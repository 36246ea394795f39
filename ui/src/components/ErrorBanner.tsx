/** A request failed: said in words, until dismissed or the next action. */
export function ErrorBanner({ message, onDismiss }: { message: string; onDismiss: () => void }) {
  return (
    <div className="error-banner" data-testid="error-banner" role="alert">
      <span>{message}</span>
      <button type="button" className="quiet" onClick={onDismiss} aria-label="Dismiss error">
        ✕
      </button>
    </div>
  );
}
