import { defineConfig } from 'vitest/config';

// Tests spawn the real `claude` binary (~240 MB, ~0.6 s each); two cores run at most two files at once.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'mock-model/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Lets the backpressure test measure the heap after a full collection.
    execArgv: ['--expose-gc'],
    maxWorkers: 2,
  },
});
