import { useLayoutEffect, useRef } from 'react';
import type { Conversation } from '../state/conversations';
import { AssistantMessage } from './AssistantMessage';
import { UserMessage } from './UserMessage';

interface Props {
  sessionId: string | null;
  conv: Conversation;
  onDecide: (requestId: string, decision: 'allow' | 'deny', note: string) => void | Promise<void>;
}

/** How close to the end still counts as "at the bottom" (sub-pixel rounding, a last line). */
const SLACK_PX = 48;

/** The conversation. It follows new text only while the reader is already at the bottom. */
export function MessageList({ sessionId, conv, onDecide }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);

  // A different session opens at its end.
  useLayoutEffect(() => {
    atBottom.current = true;
  }, [sessionId]);

  useLayoutEffect(() => {
    const el = box.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [conv.entries, sessionId]);

  const onScroll = () => {
    const el = box.current;
    if (el) atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < SLACK_PX;
  };

  return (
    <div className="messages" ref={box} onScroll={onScroll} aria-busy={conv.loading}>
      <ol className="message-column" aria-label="Conversation">
        {conv.loading && <li className="muted center">Loading conversation…</li>}
        {!conv.loading && !conv.loadError && conv.entries.length === 0 && (
          <li className="muted center">No messages yet. Say hello below.</li>
        )}
        {conv.entries.map((e) => (
          <li key={e.key}>
            {e.kind === 'user' ? <UserMessage entry={e} /> : <AssistantMessage entry={e} onDecide={onDecide} />}
          </li>
        ))}
      </ol>
    </div>
  );
}
