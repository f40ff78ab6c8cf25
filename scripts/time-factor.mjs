// How much longer than on an idle machine the tests may wait for anything: the time factor.
//
// Every time limit in the suite (vitest's test and hook timeouts, expect.poll, Playwright's
// waits, the helpers' until()/waitFor()) is a base value times this factor, so that a busy
// machine (two suites at once, a worker build, other jobs: load 10 on 2 cores) makes the tests
// slower, not red. Tests still wait for events and states; the factor only moves the point at
// which waiting becomes a failure.
//
//   PEER_CIRCLE_TIME_FACTOR=<number>   use this factor (0.5 to 50)
//   otherwise                          1 on an idle machine, 2 under CI (CI set), 2/3/4/6/8 when
//                                      the 1-minute load per core is above 0.75/1.5/3/5/8
//
// scripts/test.mjs decides it once at the start of a run and passes it down in the environment,
// so every test file of a run uses the same factor. Plain Node (also imported by vitest.config.ts).
import * as os from 'node:os';

/** @returns {{ factor: number, why: string }} */
export function timeFactor(env = process.env) {
  const set = env.PEER_CIRCLE_TIME_FACTOR;
  if (set !== undefined && set !== '') {
    const f = Number(set);
    if (!Number.isFinite(f) || f < 0.5 || f > 50) {
      throw new Error(`PEER_CIRCLE_TIME_FACTOR must be a number from 0.5 to 50, got '${set}'`);
    }
    return { factor: f, why: 'PEER_CIRCLE_TIME_FACTOR' };
  }
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const load = os.loadavg()[0];
  const perCore = load / Math.max(1, cores);
  const byLoad = perCore > 8 ? 8 : perCore > 5 ? 6 : perCore > 3 ? 4 : perCore > 1.5 ? 3 : perCore > 0.75 ? 2 : 1;
  const ci = env.CI && env.CI !== 'false' && env.CI !== '0' ? 2 : 1;
  const factor = Math.max(byLoad, ci);
  const why = [`load ${load.toFixed(1)} on ${cores} cores`, ci > 1 ? 'CI' : ''].filter(Boolean).join(', ');
  return { factor, why };
}
