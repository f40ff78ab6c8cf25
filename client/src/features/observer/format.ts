/** Words for durations, times and scale values, shared by the observer panel and the closing view. */
import type { Phase } from '@peer-circle/shared';
import { errorText, locale, t } from '../../lib/i18n/index.ts';
import type { CommandFailure } from '../../lib/room/room.svelte.ts';

/** "45 s", "3 min 05 s", "1 h 20 min": whole seconds, calm to read. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1_000));
  const h = Math.floor(total / 3_600);
  const m = Math.floor((total % 3_600) / 60);
  const s = total % 60;
  if (h > 0) return t('endView.duration.hours', { h, m });
  if (m > 0) return t('endView.duration.minutes', { m, s: String(s).padStart(2, '0') });
  return t('endView.duration.seconds', { s });
}

/** "19:05" in the reader's language, from this device's epoch ms. */
export function formatTime(localMs: number): string {
  return new Intl.DateTimeFormat(locale.lang, { hour: 'numeric', minute: '2-digit' }).format(localMs);
}

/** "3.7": one decimal at most, in the reader's language. */
export function formatAverage(value: number): string {
  return new Intl.NumberFormat(locale.lang, { maximumFractionDigits: 1 }).format(value);
}

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
