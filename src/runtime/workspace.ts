import { realpath } from 'node:fs/promises';
import path from 'node:path';

/**
 * Each session's agent works in its own workspace directory. The built-in file tools name their
 * files in these input fields; a path that resolves (symlinks followed) outside the workspace is
 * refused. Paths are resolved as the CLI resolves them: relative to the workspace (its cwd), with
 * symlinks followed. A leading `~` (HOME, or `~user`: another user's home) is expanded by the CLI
 * after our check, so it is refused outright, as is a `..` segment in a glob pattern. Bash cannot
 * be confined this way; the sandbox (src/sandbox/) confines it, and every tool behind this gate.
 */
const PATH_FIELDS: Record<string, readonly string[]> = {
  Read: ['file_path'],
  Write: ['file_path'],
  Edit: ['file_path'],
  MultiEdit: ['file_path'],
  NotebookEdit: ['notebook_path'],
  Glob: ['path', 'pattern'],
  Grep: ['path'],
  LS: ['path'],
};

/** The first path of the call that leaves the workspace, or null when all stay inside. */
export async function pathOutsideWorkspace(tool: string, input: Record<string, unknown>, workspace: string): Promise<string | null> {
  const fields = PATH_FIELDS[tool];
  if (!fields) return null;
  const root = await realpath(workspace);
  for (const field of fields) {
    const value = input[field];
    if (typeof value !== 'string' || value === '') continue;
    if (value.startsWith('~')) return value;
    // A relative glob pattern stays under its base unless it climbs out with `..`.
    if (field === 'pattern' && !path.isAbsolute(value)) {
      if (value.split(/[\\/]/).includes('..')) return value;
      continue;
    }
    const real = await resolveReal(path.resolve(root, value));
    if (real !== root && !real.startsWith(root + path.sep)) return value;
  }
  return null;
}

/** realpath of the deepest existing ancestor, with the rest appended (new files do not exist yet). */
async function resolveReal(p: string): Promise<string> {
  let rest = '';
  let current = p;
  for (;;) {
    try {
      return path.join(await realpath(current), rest);
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return p;
      rest = path.join(path.basename(current), rest);
      current = parent;
    }
  }
}
