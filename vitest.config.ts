import { defineConfig } from 'vitest/config';
import { timeFactor } from './scripts/time-factor.mjs';

// One config for the whole suite: tests/unit, tests/contract, tests/integration, tests/e2e.
// Integration and e2e tests start real servers, redis-server and Chromium (playwright-core with
// /usr/bin/chromium) and the target machines have 2 cores, so test files run one at a time, each
// in its own child process (clean globals, real process exit between files).
//
// Time limits scale with the time factor (scripts/time-factor.mjs): decided once here (or by
// scripts/test.mjs) and handed to the test processes in PEER_CIRCLE_TIME_FACTOR, where
// tests/helpers/time.ts reads it.
const { factor } = timeFactor();
process.env.PEER_CIRCLE_TIME_FACTOR = String(factor);
const scaled = (ms: number) => Math.round(ms * factor);

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: scaled(30_000),
    hookTimeout: scaled(60_000),
    teardownTimeout: scaled(30_000),
    expect: { poll: { timeout: scaled(2_000) } },
    // An empty run is a failure (scripts/test.mjs prints `0 passed, 1 failed` then).
    passWithNoTests: false,
  },
});
