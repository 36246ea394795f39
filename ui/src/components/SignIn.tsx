import { useId, useState, type FormEvent } from 'react';

interface Props {
  /** Why we are here again (a revoked key, say), or null on a first visit. */
  reason: string | null;
  onSubmit: (key: string) => Promise<string | null>;
}

/** Keys are required on this server: paste one; it is kept in this browser's localStorage. */
export function SignIn({ reason, onSubmit }: Props) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(reason);
  const [busy, setBusy] = useState(false);
  const inputId = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!key.trim()) return setError('Paste your API key first.');
    setBusy(true);
    const err = await onSubmit(key).catch(() => 'The server could not be reached. Check your connection and try again.');
    setBusy(false);
    setError(err);
  };

  return (
    <main className="signin">
      <form className="signin-card" data-testid="signin-form" onSubmit={(e) => void submit(e)}>
        <h1>Sign in</h1>
        <p className="muted">This server requires an API key. It stays in this browser until you sign out.</p>
        <label htmlFor={inputId}>API key</label>
        <input
          id={inputId}
          data-testid="signin-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder="caa_…"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          autoFocus
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${inputId}-error` : undefined}
        />
        {error && (
          <p id={`${inputId}-error`} className="signin-error" data-testid="signin-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" data-testid="signin-submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
