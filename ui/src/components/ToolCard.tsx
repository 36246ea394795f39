import { memo } from 'react';
import { prettyJson } from '../format';
import { toolState, type ToolState, type ToolView } from '../state/entries';

const LABEL: Record<ToolState, string> = { running: 'running…', done: 'done', error: 'error', denied: 'denied' };

/** A tool call, collapsed to its name and state; open it for the input and the result. */
interface Props {
  tool: ToolView;
  turnRunning: boolean;
  /** A person has to allow it first (the approval is shown below the cards). */
  awaitingApproval: boolean;
}

export const ToolCard = memo(function ToolCard({ tool, turnRunning, awaitingApproval }: Props) {
  const state = toolState(tool, turnRunning);
  const label = state === 'running' && awaitingApproval ? 'awaiting approval' : LABEL[state];
  return (
    <details className={`tool-card state-${state}`} data-testid="tool-card" data-tool-name={tool.name} data-state={state}>
      <summary>
        <span className="tool-icon" aria-hidden="true">
          ⚙
        </span>
        <code className="tool-name">{tool.name}</code>
        <span className={`badge state-${state}`}>{label}</span>
      </summary>
      <div className="tool-body">
        <h3>Input</h3>
        <pre data-testid="tool-input">{prettyJson(tool.input)}</pre>
        <h3>Result</h3>
        <pre data-testid="tool-result">
          {tool.result ?? (state === 'running' ? (awaitingApproval ? 'Waiting for your approval…' : 'Waiting for the tool…') : state === 'denied' ? 'Not run: the call was refused.' : 'No result.')}
        </pre>
      </div>
    </details>
  );
});
