/**
 * The anonymous picture of how the word was shared (rules E1, E6) as the chart needs it. The
 * server sends groups of at least k people only; this turns them into shares and names.
 */
import type { WordShare, WordTier } from '@peer-circle/shared';

export type ShownWord = Extract<WordShare, { shown: true }>;

export interface TierRow extends WordTier {
  /** Whole percent of the speaking time. */
  share: number;
  /** Which words name the group: those who spoke most, the next, those who spoke least. */
  place: 'top' | 'middle' | 'bottom';
}

export function tierRows(word: ShownWord): TierRow[] {
  return word.tiers.map((tier, i) => ({
    ...tier,
    share: word.totalMs > 0 ? Math.round((tier.speakingMs / word.totalMs) * 100) : 0,
    place: i === 0 ? 'top' : i === word.tiers.length - 1 ? 'bottom' : 'middle',
  }));
}
