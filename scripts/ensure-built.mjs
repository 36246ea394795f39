/**
 * Builds the package only when its sources changed since the last build (`npm start`, the CLI
 * shim): a cheap staleness check — the newest modification time among the inputs of
 * `npm run build` against a stamp written after it — instead of a full rebuild every start.
 * In an installed copy (no sources next to dist/) it does nothing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = path.join(ROOT, 'dist', '.build-stamp');
/** What `npm run build` reads (tsconfig.json includes src, mock-model, bench; Vite builds ui/). */
const INPUTS = ['src', 'mock-model', 'bench', 'ui', 'tsconfig.json', 'package.json', 'package-lock.json'];

function newest(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const entry of readdirSync(p)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    max = Math.max(max, newest(path.join(p, entry)));
  }
  return max;
}

/** True when dist/ is missing or older than a source; then builds and stamps. */
export function ensureBuilt({ log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  if (!existsSync(path.join(ROOT, 'src'))) return false; // an installed package: dist/ is all there is
  const built = existsSync(STAMP) && existsSync(path.join(ROOT, 'dist/src/main.js')) ? statSync(STAMP).mtimeMs : 0;
  const changed = Math.max(...INPUTS.map((p) => newest(path.join(ROOT, p))));
  if (built >= changed) return false;
  log(built === 0 ? 'claude-agent-api: building (first run)…' : 'claude-agent-api: sources changed, rebuilding…');
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) ensureBuilt();
