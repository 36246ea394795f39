import { defineConfig } from 'vitest/config';

/** The suites that go through the whole service: run a second time with the service on PostgreSQL. */
const SERVICE_SUITES = ['test/e2e/**/*.test.ts', 'test/http/**/*.test.ts'];
/** Already on PostgreSQL (or about the store itself): once is enough. */
const PG_NATIVE = ['test/e2e/cluster.test.ts', 'test/e2e/postgres.test.ts'];

// Tests spawn the real `claude` binary (~240 MB, ~0.6 s each); two cores run at most two files at once.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Lets the backpressure test measure the heap after a full collection.
    execArgv: ['--expose-gc'],
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'sqlite', include: ['src/**/*.test.ts', 'mock-model/**/*.test.ts', 'test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'postgres', include: SERVICE_SUITES, exclude: PG_NATIVE, env: { TEST_STORE: 'postgres' } },
      },
    ],
  },
});
