/**
 * The anonymous distribution of the word (rule E1) as the chart and its text alternative need
 * it. No ids, no names, no labels: only the shape of how the word was shared.
 */
import type { EndView } from '@peer-circle/shared';

export type Share = EndView['distribution'][number];

export interface DistributionSummary {
  people: number;
  /** Took at least one turn. */
  spoke: number;
  /** Took no turn and passed at least once (the right to silence, rule S7). */
  passed: number;
  /** Neither spoke nor passed: they listened. */
  listened: number;
  totalMs: number;
  maxMs: number;
  maxTurns: number;
}

export function summarize(shares: readonly Share[]): DistributionSummary {
  let spoke = 0;
  let passed = 0;
  let totalMs = 0;
  let maxMs = 0;
  let maxTurns = 0;
  for (const s of shares) {
    if (s.turns > 0) spoke += 1;
    else if (s.passes > 0) passed += 1;
    totalMs += s.speakingMs;
    maxMs = Math.max(maxMs, s.speakingMs);
    maxTurns = Math.max(maxTurns, s.turns);
  }
  return { people: shares.length, spoke, passed, listened: shares.length - spoke - passed, totalMs, maxMs, maxTurns };
}

/** Largest first, as the server sends it; sorted again so the picture never depends on that. */
export function largestFirst(shares: readonly Share[]): Share[] {
  return [...shares].sort((a, b) => b.speakingMs - a.speakingMs || b.turns - a.turns || b.passes - a.passes);
}
