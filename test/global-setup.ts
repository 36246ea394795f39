import { execFileSync } from 'node:child_process';

/** Process-level tests run the built server (`dist/`), so build it once, fresh, before any test. */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
}
