import { memo } from 'react';
import { prettyJson } from '../format';
import { toolState, type ToolState, type ToolView } from '../state/entries';
import { bashView, diffView } from '../tool-view';

const LABEL: Record<ToolState, string> = { running: 'running…', done: 'done', error: 'error', denied: 'denied' };
const SIGN = { add: '+', del: '-', ctx: ' ' } as const;

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
  const waiting =
    state === 'running' ? (awaitingApproval ? 'Waiting for your approval…' : 'Waiting for the tool…') : state === 'denied' ? 'Not run: the call was refused.' : 'No result.';
  const bash = tool.name === 'Bash' && state !== 'denied' ? bashView(tool.input, tool.result, tool.isError, state !== 'running') : null;
  const diff = diffView(tool.name, tool.input);
  return (
    <details className={`tool-card state-${state}`} data-testid="tool-card" data-tool-name={tool.name} data-state={state}>
      <summary>
        <span className="tool-icon" aria-hidden="true">
          ⚙
        </span>
        <code className="tool-name">{bash ? `$ ${bash.command.split('\n')[0]}` : diff ? `${tool.name} ${diff.file}` : tool.name}</code>
        {bash && bash.exitCode !== null ? (
          <span className={`badge exit ${bash.exitCode === 0 ? 'state-done' : 'state-error'}`} data-testid="tool-exit-code">
            exit {bash.exitCode}
          </span>
        ) : null}
        <span className={`badge state-${state}`}>{label}</span>
      </summary>
      <div className="tool-body">
        {bash ? (
          <>
            <h3>Command</h3>
            <pre data-testid="tool-command">{bash.command}</pre>
            <h3>Output (stdout and stderr)</h3>
            <pre data-testid="tool-result">{tool.result === null ? waiting : bash.output || '(no output)'}</pre>
          </>
        ) : (
          <>
            {diff ? (
              <>
                <h3>Changes to {diff.file}</h3>
                <pre className="diff" data-testid="tool-diff">
                  {diff.lines.map((l, i) => (
                    <span key={i} className={`diff-${l.kind}`}>
                      {SIGN[l.kind]} {l.text}
                      {'\n'}
                    </span>
                  ))}
                </pre>
              </>
            ) : (
              <>
                <h3>Input</h3>
                <pre data-testid="tool-input">{prettyJson(tool.input)}</pre>
              </>
            )}
            <h3>Result</h3>
            <pre data-testid="tool-result">{tool.result ?? waiting}</pre>
          </>
        )}
      </div>
    </details>
  );
});
