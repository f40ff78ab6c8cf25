import { defineConfig } from 'vitest/config';

// One config for the whole suite: tests/unit, tests/contract, tests/integration, tests/e2e.
// Integration and e2e tests start real servers, redis-server and Chromium (playwright-core with
// /usr/bin/chromium) and the target machines have 2 cores, so test files run one at a time, each
// in its own child process (clean globals, real process exit between files).
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    // An empty run is a failure (scripts/test.mjs prints `0 passed, 1 failed` then).
    passWithNoTests: false,
  },
});
