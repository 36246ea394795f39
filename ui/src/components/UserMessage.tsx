import { memo } from 'react';
import type { UserEntry } from '../state/entries';

/** What the person typed, verbatim (plain text, line breaks kept). */
export const UserMessage = memo(function UserMessage({ entry }: { entry: UserEntry }) {
  return (
    <article className="message user" data-testid="message" data-role="user" data-turn-id={entry.turnId ?? undefined}>
      <div className="bubble">
        <p className="message-text plain" data-testid="message-text">
          {entry.text}
        </p>
      </div>
    </article>
  );
});
