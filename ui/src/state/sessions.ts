import { useCallback, useEffect, useRef, useState } from 'react';
import type { Api } from '../api/client';
import type { Session } from '../api/types';

const PAGE = 30;

/**
 * The sidebar's list: newest first, filtered by title search and archived. `version` bumps when
 * something changed (a turn ended, a rename…): the pages already shown are fetched again.
 */
export function useSessionList(api: Api, q: string, archived: boolean, version: number, onError: (e: unknown) => void) {
  const [sessions, setSessions] = useState<Session[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const shown = useRef(PAGE);
  const query = useRef(0); // answers to an older query are dropped
  const errorRef = useRef(onError);
  errorRef.current = onError;

  const filter = `${q}\u0000${archived}`;
  const lastFilter = useRef(filter);
  useEffect(() => {
    if (lastFilter.current !== filter) shown.current = PAGE; // a new search starts at one page
    lastFilter.current = filter;
    const n = ++query.current;
    setLoading(true);
    api
      .listSessions({ q, archived, limit: Math.min(100, shown.current) })
      .then((page) => {
        if (n !== query.current) return;
        setSessions(page.sessions);
        setCursor(page.next_cursor);
      })
      .catch((err: unknown) => n === query.current && errorRef.current(err))
      .finally(() => n === query.current && setLoading(false));
  }, [api, q, archived, version, filter]);

  const loadMore = useCallback(() => {
    if (!cursor) return;
    const n = query.current;
    setLoading(true);
    api
      .listSessions({ q, archived, cursor, limit: PAGE })
      .then((page) => {
        if (n !== query.current) return;
        setSessions((s) => {
          const seen = new Set(s.map((x) => x.id));
          const next = [...s, ...page.sessions.filter((x) => !seen.has(x.id))];
          shown.current = next.length;
          return next;
        });
        setCursor(page.next_cursor);
      })
      .catch((err: unknown) => errorRef.current(err))
      .finally(() => n === query.current && setLoading(false));
  }, [api, q, archived, cursor]);

  return { sessions, hasMore: cursor !== null, loading, loadMore };
}

/** The open session's record (title, tags, totals), fetched again when `version` bumps. */
export function useSession(api: Api, id: string | null, version: number, onError: (e: unknown) => void) {
  const [session, setSession] = useState<Session | null>(null);
  const errorRef = useRef(onError);
  errorRef.current = onError;
  useEffect(() => {
    if (!id) return setSession(null);
    let live = true;
    api
      .getSession(id)
      .then((s) => live && setSession(s))
      .catch((err: unknown) => live && errorRef.current(err));
    return () => {
      live = false;
    };
  }, [api, id, version]);
  // A record of another session is never shown while the new one loads.
  return [session?.id === id ? session : null, setSession] as const;
}
