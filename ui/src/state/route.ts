import { useCallback, useEffect, useState } from 'react';

/** `/` = no session open, `/s/{id}` = that session. history.pushState, so reload and back/forward work. */

export function sessionFromPath(path: string): string | null {
  const m = /^\/s\/([^/]+)\/?$/.exec(path);
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}

export const sessionPath = (id: string | null) => (id ? `/s/${encodeURIComponent(id)}` : '/');

export function useRoute() {
  const [path, setPath] = useState(() => window.location.pathname);
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((to: string, opts: { replace?: boolean } = {}) => {
    if (to !== window.location.pathname) {
      if (opts.replace) window.history.replaceState(null, '', to);
      else window.history.pushState(null, '', to);
    }
    setPath(to);
  }, []);
  return { sessionId: sessionFromPath(path), navigate };
}
