export { t, tOrdinal, errorText, locale, type TKey, type TParams } from './i18n.svelte.ts';
export { formatDuration, formatList, formatNumber, formatPercent, formatTime, formatWeekday } from './format.ts';
export { LANGUAGES, LANGUAGE_NAMES, type Language } from '@peer-circle/shared';
