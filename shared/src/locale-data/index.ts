/**
 * The languages Peer Circle speaks, once: the client's i18n resources, the meeting's language
 * (CreateMeetingBody.language) and the server's own words (LOCALE_DATA) all follow this list.
 * Adding a language: docs/i18n.md.
 */
import type { LocaleData } from './types.ts';
import { en } from './en.ts';
import { fi } from './fi.ts';
import { lt } from './lt.ts';
import { lv } from './lv.ts';
import { pl } from './pl.ts';
import { sl } from './sl.ts';

export type { LocaleData } from './types.ts';

/**
 * Each language by its BCP 47 tag, named in its own language (what the language switch shows),
 * in the alphabetical order of those names.
 */
export const LANGUAGE_NAMES = {
  en: 'English',
  lv: 'Latviešu',
  lt: 'Lietuvių',
  pl: 'Polski',
  sl: 'Slovenščina',
  fi: 'Suomi',
} as const;
export type Language = keyof typeof LANGUAGE_NAMES;
export const LANGUAGES = Object.keys(LANGUAGE_NAMES) as Language[];
export const DEFAULT_LANGUAGE: Language = 'en';

export const LOCALE_DATA: Readonly<Record<Language, LocaleData>> = { en, fi, lt, lv, pl, sl };

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && Object.hasOwn(LANGUAGE_NAMES, value);
}
