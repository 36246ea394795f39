import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// Works from src/ (tsx, vitest) and from dist/src/ alike: walk up to the package.json that names us.
function readVersion(): string {
  for (const p of ['../package.json', '../../package.json']) {
    try {
      const pkg = require(p) as { name?: string; version?: string };
      if (pkg.name === 'claude-agent-api' && pkg.version) return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0';
}

export const VERSION = readVersion();
