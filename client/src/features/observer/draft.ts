/**
 * The first draft of an observer's recommendations, built from their own notes (experience.md:
 * "at the end, a draft of their recommendations built from the notes, to edit and publish").
 * Plain text, because that is what the group will read, and the group may read it unedited
 * (rule O8): each scale in words, never its number, then the notes' texts in the order they
 * were written with every label ("P3") and every name the observer sees replaced by "someone".
 * What the observer types into the draft themselves stays as they typed it.
 */
import { SCALES, type ObserverNote, type Scale } from '@peer-circle/shared';
import { t, type TKey } from '../../lib/i18n/index.ts';
import { withoutPeople } from './redact.ts';

/** The average of one scale over the notes that rated it, or null when none did. */
export function scaleAverage(notes: readonly ObserverNote[], scale: Scale): number | null {
  const values = notes.map((n) => n.scales[scale]).filter((v): v is number => typeof v === 'number');
  if (values.length === 0) return null;
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

const WORDS: Record<1 | 2 | 3 | 4 | 5, TKey> = {
  1: 'observerPanel.reco.draft.words.w1',
  2: 'observerPanel.reco.draft.words.w2',
  3: 'observerPanel.reco.draft.words.w3',
  4: 'observerPanel.reco.draft.words.w4',
  5: 'observerPanel.reco.draft.words.w5',
};

/** "low" ... "very good" for an average between 1 and 5. */
export function scaleWords(average: number): string {
  const step = Math.min(5, Math.max(1, Math.round(average))) as 1 | 2 | 3 | 4 | 5;
  return t(WORDS[step]);
}

export function scaleShort(scale: Scale): string {
  return t(`observerPanel.scaleShort.${scale}`);
}

/**
 * The draft text for `notes` (one observer's); empty when there are no notes. `names`: the names
 * and labels the observer sees, to be taken out of the notes' texts.
 */
export function buildDraft(notes: readonly ObserverNote[], names: readonly string[] = []): string {
  if (notes.length === 0) return '';
  const ordered = [...notes].sort((a, b) => a.at - b.at);
  const lines: string[] = [t('observerPanel.reco.draft.intro', { count: ordered.length }), ''];
  const rated = SCALES.filter((s) => scaleAverage(ordered, s) !== null);
  for (const scale of rated) {
    // Words, not the number: "2.5 of 5" reads as a grade the group was given.
    lines.push(t('observerPanel.reco.draft.scaleLine', { scale: scaleShort(scale), words: scaleWords(scaleAverage(ordered, scale)!) }));
  }
  const someone = t('observerPanel.reco.draft.someone');
  const texts = ordered.map((n) => withoutPeople(n.text.trim(), names, someone)).filter((s) => s.length > 0);
  if (texts.length > 0) {
    if (rated.length > 0) lines.push('');
    lines.push(t('observerPanel.reco.draft.notesHeading'));
    for (const text of texts) lines.push(`- ${text.replace(/\s*\n\s*/g, ' ')}`);
  }
  return lines.join('\n').trim();
}
