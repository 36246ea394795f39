import type { MouseEvent } from 'react';
import type { Session } from '../api/types';
import { formatCost, relativeTime, sessionTitle } from '../format';
import { sessionPath } from '../state/route';

interface Props {
  session: Session;
  active: boolean;
  now: number;
  onOpen: (id: string) => void;
}

/** A real link (middle-click opens a tab); a plain click navigates in place. */
export function SessionItem({ session: s, active, now, onOpen }: Props) {
  const click = (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    onOpen(s.id);
  };
  return (
    <a
      href={sessionPath(s.id)}
      className="session-item"
      data-testid="session-item"
      data-session-id={s.id}
      data-active={active ? 'true' : 'false'}
      aria-current={active ? 'page' : undefined}
      onClick={click}
    >
      <span className="session-item-title">{sessionTitle(s.title)}</span>
      <span className="session-item-meta">
        <time dateTime={s.last_active_at}>{relativeTime(s.last_active_at, now)}</time>
        {s.status === 'running' && <span className="dot-running" title="Answering" aria-label="answering" />}
        <span>{formatCost(s.cost_usd)}</span>
      </span>
    </a>
  );
}
