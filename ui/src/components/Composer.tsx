import { useState, type KeyboardEvent, type Ref } from 'react';

interface Props {
  ref?: Ref<HTMLTextAreaElement>;
  /** A turn is being sent or answered: no second send (the server would say session_busy). */
  running: boolean;
  archived: boolean;
  /** Resolves false when the message was refused: it goes back into the box. */
  onSend: (text: string) => Promise<boolean>;
  onInterrupt: () => void;
}

/** The message box. Enter sends, Shift+Enter is a new line. */
export function Composer({ ref, running, archived, onSend, onInterrupt }: Props) {
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const busy = running || sending;

  const send = async () => {
    if (busy || !text.trim()) return;
    const sent = text;
    setText('');
    setSending(true);
    const ok = await onSend(sent).catch(() => false);
    setSending(false);
    // Refused (busy, archived, budget…): give the text back unless something new was typed.
    if (!ok) setText((now) => (now === '' ? sent : now));
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    }
  };

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      {archived && <p className="composer-note">This session is archived and read-only; unarchive it to continue.</p>}
      <div className="composer-row">
        <textarea
          ref={ref}
          data-testid="composer-input"
          aria-label="Message"
          placeholder="Message… (Enter to send, Shift+Enter for a new line)"
          rows={2}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
        />
        <div className="composer-actions">
          <button type="submit" className="primary" data-testid="send-button" disabled={busy}>
            Send
          </button>
          {running && (
            <button type="button" className="danger" data-testid="interrupt-button" onClick={onInterrupt}>
              Interrupt
            </button>
          )}
        </div>
      </div>
    </form>
  );
}
