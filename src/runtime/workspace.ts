import { realpath } from 'node:fs/promises';
import path from 'node:path';

/**
 * Each account's agent works in its own workspace directory. The built-in file tools name their
 * files in these input fields; a path that resolves (symlinks followed) outside the workspace is
 * refused. Bash cannot be confined this way, which is why no built-in tool is on by default.
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
    // A relative glob pattern stays under its base; only absolute ones can point elsewhere.
    if (field === 'pattern' && !path.isAbsolute(value)) continue;
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
