import { useCallback, useEffect, useState } from 'react';
import { ApiError, checkKey } from '../api/client';
import { describeError } from '../api/messages';

const STORAGE_KEY = 'claude-agent-api.key';

export type AuthState =
  | { phase: 'checking' }
  | { phase: 'signin'; reason: string | null }
  | { phase: 'ready'; key: string | null }
  | { phase: 'unreachable'; message: string };

const storedKey = () => {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: behave as if no key was kept
  }
};
const storeKey = (key: string | null) => {
  try {
    if (key) localStorage.setItem(STORAGE_KEY, key);
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing to do: the key then lasts for this page only
  }
};

/**
 * Which mode the server is in: GET /v1/account without a key answering 200 means keyless local
 * mode; 401 means keys are required. A stored key that stops working sends us back to sign-in.
 */
export function useAuth() {
  const [state, setState] = useState<AuthState>({ phase: 'checking' });

  const detect = useCallback(async () => {
    setState({ phase: 'checking' });
    const key = storedKey();
    const r = await checkKey(key);
    if (r === 'ok') return setState({ phase: 'ready', key });
    if (r.status === 401) {
      storeKey(null);
      // A kept key that stopped working: keyless mode may still let us in (a local server).
      if (key && (await checkKey(null)) === 'ok') return setState({ phase: 'ready', key: null });
      return setState({ phase: 'signin', reason: key ? describeError(r) : null });
    }
    setState({ phase: 'unreachable', message: describeError(r) });
  }, []);

  useEffect(() => void detect(), [detect]);

  /** Resolves with an error message for the form, or null once signed in. */
  const signIn = useCallback(async (key: string): Promise<string | null> => {
    const r = await checkKey(key.trim());
    if (r !== 'ok') return describeError(r);
    storeKey(key.trim());
    setState({ phase: 'ready', key: key.trim() });
    return null;
  }, []);

  const signOut = useCallback(() => {
    storeKey(null);
    void detect();
  }, [detect]);

  /** A call was answered 401: the key was revoked or is no longer valid. */
  const lost = useCallback((err: ApiError) => {
    storeKey(null);
    setState({ phase: 'signin', reason: describeError(err) });
  }, []);

  return { state, signIn, signOut, lost, retry: detect };
}
