/**
 * The one i18n layer for every UI string (i18next underneath). `t()` reads the reactive current
 * language, so templates re-render when it changes. Keys are checked at compile time against the
 * English resources; plural/ordinal suffixes are chosen by i18next with Intl.PluralRules.
 */
import i18next, { type i18n as I18next } from 'i18next';
import { en as enBase, type LocaleTree } from './en.ts';
import { enObserve } from './en-observe.ts';
import { enErrors } from './en-errors.ts';
import { isErrorKey } from '@peer-circle/shared';

/**
 * English: the main tree plus the observer and closing views' strings (kept in their own file),
 * and the server's errors next to the client's own under `errors`.
 */
const en = { ...enBase, ...enObserve, errors: { ...enBase.errors, ...enErrors.errors } };

/**
 * Languages with a resource file. To add one: create `lt.ts` next to `en.ts` exporting the same
 * tree (with Lithuanian plural suffixes), import it here and add it to this record.
 */
const resources = { en } satisfies Record<string, LocaleTree>;
export type Language = keyof typeof resources;
export const LANGUAGES = Object.keys(resources) as Language[];
const FALLBACK: Language = 'en';

type PluralCategory = 'zero' | 'one' | 'two' | 'few' | 'many' | 'other';
type StripPlural<K extends string> = K extends `${infer B}_ordinal_${PluralCategory}`
  ? B
  : K extends `${infer B}_${PluralCategory}`
    ? B
    : K;
type Leaves<T> = {
  [K in keyof T & string]: T[K] extends string ? K : `${K}.${Leaves<T[K]>}`;
}[keyof T & string];

/** Every key `t()` accepts: paths into `en`, plural suffixes removed. */
export type TKey = StripPlural<Leaves<typeof en>>;
export type TParams = Record<string, string | number | boolean | undefined>;

function pickLanguage(): Language {
  const wanted = typeof navigator === 'undefined' ? [] : navigator.languages ?? [navigator.language];
  for (const tag of wanted) {
    const base = tag.toLowerCase().split('-')[0] ?? '';
    if ((LANGUAGES as string[]).includes(base)) return base as Language;
  }
  return FALLBACK;
}

class Locale {
  #lang = $state<Language>(FALLBACK);
  readonly #i18n: I18next;

  constructor() {
    this.#i18n = i18next.createInstance();
    void this.#i18n.init({
      resources: Object.fromEntries(Object.entries(resources).map(([lng, tree]) => [lng, { translation: tree }])),
      lng: FALLBACK,
      fallbackLng: FALLBACK,
      initAsync: false,
      // Svelte escapes text itself; escaping here would double-escape names like "Anna & Ben".
      interpolation: { escapeValue: false },
      returnNull: false,
      // Server error keys are flat with dots (`errors` > `stick.notHolder`, en-errors.ts).
      ignoreJSONStructure: true,
    });
    this.set(pickLanguage());
  }

  get lang(): Language {
    return this.#lang;
  }

  set(lang: Language): void {
    void this.#i18n.changeLanguage(lang);
    this.#lang = lang;
    if (typeof document !== 'undefined') document.documentElement.lang = lang;
  }

  translate(key: TKey, params?: TParams): string {
    // Reading #lang makes every template that calls t() depend on the language.
    void this.#lang;
    const t = this.#i18n.t as unknown as (k: string, o?: object) => string;
    return t(key, params);
  }
}

export const locale = new Locale();

/** Translates a UI string. */
export function t(key: TKey, params?: TParams): string {
  return locale.translate(key, params);
}

/** Ordinal plural ("you are 2nd"): picks `key_ordinal_one|two|few|other` for `n` in the current language. */
export function tOrdinal(key: TKey, n: number, params?: TParams): string {
  return locale.translate(key, { ...params, count: n, ordinal: true });
}

/**
 * The words for an error the server sent: its key in the current language when this page knows
 * the key, else the server's own (English) message, else a general "something went wrong".
 */
export function errorText(error: { key?: string | undefined; message: string }): string {
  if (isErrorKey(error.key)) return t(`errors.${error.key}`);
  return error.message || t('errors.unknown');
}
