/**
 * Time limits that scale with the machine's load: the time factor of scripts/time-factor.mjs,
 * fixed for the whole run by vitest.config.ts (or scripts/test.mjs) in PEER_CIRCLE_TIME_FACTOR.
 * Use `scaled(ms)` for every "give up after" limit; never for how long something should last
 * (a window in which no audio may arrive stays what it is).
 */
import { timeFactor } from '../../scripts/time-factor.mjs';

export const TIME_FACTOR: number = timeFactor().factor;

/** `ms` stretched by the time factor. */
export const scaled = (ms: number): number => Math.round(ms * TIME_FACTOR);
