/** The stream dropped and we are attaching again; it floats, so nothing below it moves. */
export function ConnectionStatus() {
  return (
    <div className="connection-status" data-testid="connection-status" role="status">
      Reconnecting…
    </div>
  );
}
