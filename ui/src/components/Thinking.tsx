/** The model's visible thinking, collapsed: it is there if you want it. */
export function Thinking({ text }: { text: string }) {
  return (
    <details className="thinking" data-testid="thinking">
      <summary>Thinking</summary>
      <p className="plain muted">{text}</p>
    </details>
  );
}
