import { useCallback, useEffect, useMemo, useReducer, useRef, useState, useSyncExternalStore } from 'react';
import { Api, ApiError } from '../api/client';
import { describeError } from '../api/messages';
import { useSessionActions } from '../state/actions';
import { ConversationStore } from '../state/conversations';
import { sessionPath, useRoute } from '../state/route';
import { useSession } from '../state/sessions';
import { Composer } from './Composer';
import { ConnectionStatus } from './ConnectionStatus';
import { EmptyChat } from './EmptyChat';
import { ErrorBanner } from './ErrorBanner';
import { MessageList } from './MessageList';
import { SessionHeader } from './SessionHeader';
import { SessionUnavailable } from './SessionUnavailable';
import { Sidebar } from './Sidebar';

const ignore = () => {};

interface Props {
  apiKey: string | null;
  onAuthLost: (err: ApiError) => void;
  onSignOut: () => void;
}

/** The signed-in app: sidebar + the open conversation, wired to the API. */
export function ChatApp({ apiKey, onAuthLost, onSignOut }: Props) {
  const authLost = useRef(onAuthLost);
  authLost.current = onAuthLost;
  const api = useMemo(() => new Api(() => apiKey, (err) => authLost.current(err)), [apiKey]);

  const [error, setError] = useState<string | null>(null);
  // A 401 already sends us to the sign-in screen with the reason; no banner for it.
  const report = useCallback((err: unknown) => {
    if (!(err instanceof ApiError && err.status === 401)) setError(describeError(err));
  }, []);
  const [version, changed] = useReducer((n: number) => n + 1, 0);
  const store = useMemo(() => new ConversationStore(api, { onError: report, onTurnEnd: changed }), [api, report]);

  const { sessionId, navigate } = useRoute();
  // Its failures are the conversation's too (shown there), so they are not reported twice.
  const [session, setSession] = useSession(api, sessionId, version, ignore);
  const conv = useSyncExternalStore(store.subscribe, () => store.get(sessionId));
  const actions = useSessionActions({ api, store, session, setSession, changed, navigate, report });
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const composer = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (sessionId) store.open(sessionId);
    setError(null);
    setSidebarOpen(false);
  }, [store, sessionId]);

  const send = async (text: string): Promise<boolean> => {
    setError(null);
    let id = sessionId;
    if (!id) {
      // A new chat becomes a session on its first message.
      try {
        id = (await api.createSession()).id;
      } catch (err) {
        report(err);
        return false;
      }
      navigate(sessionPath(id));
    }
    const ok = await store.send(id, text);
    if (ok) changed(); // the sidebar shows it (titled by its first message) at once
    return ok;
  };

  // Stable, so finished answers (memoised) do not re-render on every streamed word.
  const decide = useCallback(
    (requestId: string, decision: 'allow' | 'deny', note: string) =>
      sessionId ? store.decide(sessionId, requestId, decision, note) : undefined,
    [store, sessionId],
  );

  const newChat = () => {
    navigate('/');
    composer.current?.focus();
  };

  return (
    <div className={`layout${sidebarOpen ? ' sidebar-open' : ''}`}>
      <Sidebar
        api={api}
        activeId={sessionId}
        version={version}
        open={sidebarOpen}
        onClose={() => setSidebarOpen(false)}
        onOpen={(id) => navigate(sessionPath(id))}
        onNew={newChat}
        onSignOut={apiKey ? onSignOut : null}
        report={report}
      />
      <main className="main">
        <div className="topbar">
          <button
            type="button"
            className="icon-button"
            data-testid="sidebar-toggle"
            aria-controls="sidebar"
            aria-expanded={sidebarOpen}
            onClick={() => setSidebarOpen((o) => !o)}
          >
            <span aria-hidden="true">☰</span> Sessions
          </button>
        </div>
        {error && <ErrorBanner message={error} onDismiss={() => setError(null)} />}
        {sessionId && !conv.loadError ? <SessionHeader session={session} actions={actions} /> : null}
        <div className="conversation">
          {conv.connection === 'reconnecting' && <ConnectionStatus />}
          {sessionId && conv.loadError ? (
            <SessionUnavailable error={conv.loadError} onRetry={() => store.open(sessionId)} onNew={newChat} />
          ) : sessionId ? (
            <MessageList
              sessionId={sessionId}
              conv={conv}
              onDecide={decide}
            />
          ) : (
            <EmptyChat />
          )}
        </div>
        <Composer
          ref={composer}
          running={conv.running}
          archived={session?.status === 'archived'}
          onSend={send}
          onInterrupt={() => sessionId && store.interrupt(sessionId)}
        />
      </main>
    </div>
  );
}
