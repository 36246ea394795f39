import { useEffect, useRef, useState } from 'react';
import type { Api } from '../api/client';
import { useSessionList } from '../state/sessions';
import { useDebounced, useNow } from '../state/timing';
import { SessionItem } from './SessionItem';

interface Props {
  api: Api;
  activeId: string | null;
  version: number;
  /** Phone width only: the sidebar slides over the conversation. */
  open: boolean;
  onClose: () => void;
  onOpen: (id: string) => void;
  onNew: () => void;
  onSignOut: (() => void) | null;
  report: (err: unknown) => void;
}

export function Sidebar({ api, activeId, version, open, onClose, onOpen, onNew, onSignOut, report }: Props) {
  const [search, setSearch] = useState('');
  const [archived, setArchived] = useState(false);
  const q = useDebounced(search.trim(), 300);
  const { sessions, hasMore, loading, loadMore } = useSessionList(api, q, archived, version, report);
  const now = useNow(30_000);

  const first = useRef<HTMLButtonElement>(null);

  // On a phone the sidebar slides over: focus moves into it, and Escape closes it.
  useEffect(() => {
    if (!open) return;
    first.current?.focus();
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open, onClose]);

  return (
    <>
      <nav id="sidebar" className="sidebar" data-testid="sidebar" aria-label="Sessions">
        <div className="sidebar-top">
          <button ref={first} type="button" className="primary new-session" data-testid="new-session" onClick={onNew}>
            + New chat
          </button>
          <input
            type="search"
            className="search"
            data-testid="session-search"
            placeholder="Search titles"
            aria-label="Search sessions by title"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
          <label className="check">
            <input
              type="checkbox"
              data-testid="show-archived"
              checked={archived}
              onChange={(e) => setArchived(e.target.checked)}
            />
            Show archived
          </label>
        </div>
        <ul className="session-list" aria-busy={loading}>
          {sessions.map((s) => (
            <li key={s.id}>
              <SessionItem session={s} active={s.id === activeId} now={now} onOpen={onOpen} />
            </li>
          ))}
          {!loading && sessions.length === 0 && (
            <li className="muted list-empty">{q ? 'No session matches.' : archived ? 'No archived sessions.' : 'No sessions yet.'}</li>
          )}
        </ul>
        <div className="sidebar-bottom">
          {hasMore && (
            <button type="button" data-testid="load-more" onClick={loadMore} disabled={loading}>
              {loading ? 'Loading…' : 'Load more'}
            </button>
          )}
          {onSignOut && (
            <button type="button" className="quiet" data-testid="signout" onClick={onSignOut}>
              Sign out
            </button>
          )}
        </div>
      </nav>
      {open && <div className="scrim" onClick={onClose} aria-hidden="true" />}
    </>
  );
}
