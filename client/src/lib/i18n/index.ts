export { t, tOrdinal, errorText, locale, LANGUAGES, type Language, type TKey, type TParams } from './i18n.svelte.ts';
