/** What `/` shows before the first message: the session is created when you send. */
export function EmptyChat() {
  return (
    <div className="empty-chat">
      <h1>New chat</h1>
      <p className="muted">Type a message below to start. Enter sends, Shift+Enter adds a line.</p>
    </div>
  );
}
