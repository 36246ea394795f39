#!/usr/bin/env node
// The CLI, runnable right after `npm ci` in a clone: builds first if dist/ is missing or stale
// (scripts/ensure-built.mjs), then runs the built CLI. An installed package has dist/ only.
import { existsSync } from 'node:fs';

const ensure = new URL('../scripts/ensure-built.mjs', import.meta.url);
if (existsSync(ensure)) (await import(ensure.href)).ensureBuilt();
await import(new URL('../dist/src/cli.js', import.meta.url).href);
