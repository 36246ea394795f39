import { useEffect, useState } from 'react';
import { Api } from '../api/client';
import type { Health } from '../api/types';
import { useAuth } from '../state/auth';
import { ChatApp } from './ChatApp';
import { DemoBanner } from './DemoBanner';
import { SignIn } from './SignIn';

/** Decides what the page is: sign-in, the chat, or a "cannot reach the server" notice. */
export function App() {
  const auth = useAuth();
  const health = useHealth();
  const { state } = auth;

  return (
    <div className="app">
      {health?.demo && <DemoBanner warning={health.warning} />}
      {state.phase === 'checking' && <p className="splash">Connecting…</p>}
      {state.phase === 'unreachable' && (
        <div className="splash" role="alert">
          <p>{state.message}</p>
          <button type="button" onClick={() => void auth.retry()}>
            Try again
          </button>
        </div>
      )}
      {state.phase === 'signin' && <SignIn reason={state.reason} onSubmit={auth.signIn} />}
      {state.phase === 'ready' && (
        <ChatApp key={state.key ?? 'keyless'} apiKey={state.key} onAuthLost={auth.lost} onSignOut={auth.signOut} />
      )}
    </div>
  );
}

/** GET /health needs no key: it tells us whether the offline demo model answers. */
function useHealth(): Health | null {
  const [health, setHealth] = useState<Health | null>(null);
  useEffect(() => {
    new Api(() => null, () => {})
      .health()
      .then(setHealth)
      .catch(() => {}); // no banner is better than a wrong one
  }, []);
  return health;
}
