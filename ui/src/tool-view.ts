/**
 * How a tool card shows the built-in tools people read most: Bash as a command with its exit
 * code and output, file edits as a diff. Pure, so it is tested without a browser.
 */

export interface BashView {
  command: string;
  /** From the CLI's result ("Exit code N" leads a failed command's output); 0 for a success. */
  exitCode: number | null;
  /** The CLI merges stdout and stderr into one text. */
  output: string;
}

export type DiffLine = { kind: 'add' | 'del' | 'ctx'; text: string };

export interface DiffView {
  file: string;
  lines: DiffLine[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {});

export function bashView(input: unknown, result: string | null, isError: boolean, done: boolean): BashView | null {
  const command = str(obj(input).command);
  if (!command) return null;
  const m = result ? /^Exit code (\d+)\n?/.exec(result) : null;
  return {
    command,
    exitCode: m ? Number(m[1]) : done && !isError && result !== null ? 0 : null,
    output: m && result ? result.slice(m[0].length) : (result ?? ''),
  };
}

const lines = (text: string, kind: DiffLine['kind']): DiffLine[] => (text === '' ? [] : text.split('\n').map((t) => ({ kind, text: t })));

/** Edit (old → new), MultiEdit (several), Write (all new). Null for any other tool. */
export function diffView(tool: string, input: unknown): DiffView | null {
  const i = obj(input);
  const file = str(i.file_path);
  if (!file) return null;
  if (tool === 'Write') return { file, lines: lines(str(i.content), 'add') };
  const edits = tool === 'Edit' ? [i] : tool === 'MultiEdit' && Array.isArray(i.edits) ? i.edits.map(obj) : null;
  if (!edits) return null;
  const out: DiffLine[] = [];
  edits.forEach((e, n) => {
    if (n > 0) out.push({ kind: 'ctx', text: '…' });
    out.push(...lines(str(e.old_string), 'del'), ...lines(str(e.new_string), 'add'));
  });
  return { file, lines: out };
}
