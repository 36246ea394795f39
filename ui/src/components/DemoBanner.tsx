/** Demo mode must be impossible to miss: the answers are not Claude's. */
export function DemoBanner({ warning }: { warning?: string | undefined }) {
  return (
    <div className="demo-banner" data-testid="demo-banner" role="status" title={warning}>
      <strong>Demo mode:</strong> answers come from the built-in offline model, not Claude.
    </div>
  );
}
