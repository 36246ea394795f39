import { useMemo } from 'react';
import type { Api } from '../api/client';
import type { Session } from '../api/types';
import type { ConversationStore } from './conversations';
import { sessionPath } from './route';

interface Deps {
  api: Api;
  store: ConversationStore;
  session: Session | null;
  setSession: (s: Session) => void;
  /** The sidebar list changed. */
  changed: () => void;
  navigate: (to: string) => void;
  report: (err: unknown) => void;
}

/** What the session header can do; each failure goes to the error banner. */
export function useSessionActions({ api, store, session, setSession, changed, navigate, report }: Deps) {
  return useMemo(() => {
    const id = session?.id;
    const saved = (s: Session) => {
      setSession(s);
      changed();
    };
    return {
      rename: (title: string) => {
        if (id) api.updateSession(id, { title: title.trim() || null }).then(saved, report);
      },
      setTags: (tags: string[]) => {
        if (id) api.updateSession(id, { tags }).then(saved, report);
      },
      toggleArchived: () => {
        if (id && session) api.setArchived(id, session.status !== 'archived').then(saved, report);
      },
      fork: () => {
        if (!id) return;
        api.forkSession(id).then((fork) => {
          changed();
          navigate(sessionPath(fork.id));
        }, report);
      },
      remove: async (): Promise<boolean> => {
        if (!id) return false;
        try {
          await api.deleteSession(id);
        } catch (err) {
          report(err);
          return false;
        }
        store.forget(id);
        changed();
        navigate('/');
        return true;
      },
    };
  }, [api, store, session, setSession, changed, navigate, report]);
}

export type SessionActions = ReturnType<typeof useSessionActions>;
