/** Words for phases and failures, shared by the observer panel and the closing view. */
import type { Phase } from '@peer-circle/shared';
import { errorText, formatNumber, t } from '../../lib/i18n/index.ts';
import type { CommandFailure } from '../../lib/room/room.svelte.ts';

// Durations, times and numbers are formatted by Intl in lib/i18n/format.ts.
export { formatDuration, formatTime } from '../../lib/i18n/index.ts';

/** "3.7" ("3,7" in Lithuanian): one decimal at most, in the reader's language. */
export const formatAverage = (value: number): string => formatNumber(value, 1);

export function phaseWords(phase: Phase): string {
  switch (phase) {
    case 'waiting':
      return t('observerPanel.notes.phase.waiting');
    case 'open':
      return t('observerPanel.notes.phase.open');
    case 'closed':
      return t('observerPanel.notes.phase.closed');
    default: {
      const never: never = phase;
      return never;
    }
  }
}

/**
 * The words for a failed command, when it is one of `commands`; null otherwise. The room shows
 * failures in its side column, which is gone once the meeting closed, so these views say it
 * next to the button that failed.
 */
export function failureText(failure: CommandFailure | null, commands: readonly string[]): string | null {
  if (!failure || !commands.includes(failure.command)) return null;
  switch (failure.error.code) {
    case 'timeout':
      return t('errors.timeout');
    case 'offline':
      return t('errors.offline');
    case 'wrong_phase':
      return t('observerPanel.errors.wrongPhase');
    default:
      return errorText(failure.error);
  }
}
