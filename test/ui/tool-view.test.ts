import { describe, expect, it } from 'vitest';
import { bashView, diffView } from '../../ui/src/tool-view.js';

/** What the web chat's tool cards show for Bash and file edits (pure; the browser test covers the page). */
describe('tool card views', () => {
  it('Bash: command, exit code and output', () => {
    expect(bashView({ command: 'ls' }, 'a\nb', false, true)).toEqual({ command: 'ls', exitCode: 0, output: 'a\nb' });
    expect(bashView({ command: 'false' }, 'Exit code 1\noops', true, true)).toEqual({ command: 'false', exitCode: 1, output: 'oops' });
    expect(bashView({ command: 'sleep 9' }, null, false, false)).toEqual({ command: 'sleep 9', exitCode: null, output: '' });
    expect(bashView({}, 'x', false, true)).toBeNull();
  });

  it('Edit, MultiEdit and Write as a diff; other tools not', () => {
    expect(diffView('Edit', { file_path: '/w/a.md', old_string: 'beta', new_string: 'gamma\ndelta' })).toEqual({
      file: '/w/a.md',
      lines: [
        { kind: 'del', text: 'beta' },
        { kind: 'add', text: 'gamma' },
        { kind: 'add', text: 'delta' },
      ],
    });
    expect(diffView('MultiEdit', { file_path: 'b', edits: [{ old_string: 'x', new_string: 'y' }, { old_string: '', new_string: 'z' }] })!.lines).toEqual([
      { kind: 'del', text: 'x' },
      { kind: 'add', text: 'y' },
      { kind: 'ctx', text: '…' },
      { kind: 'add', text: 'z' },
    ]);
    expect(diffView('Write', { file_path: 'c', content: 'one\ntwo' })!.lines.map((l) => l.kind)).toEqual(['add', 'add']);
    expect(diffView('Read', { file_path: 'c' })).toBeNull();
  });
});
