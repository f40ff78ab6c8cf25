/**
 * The one i18n layer for every UI string (i18next underneath). `t()` reads the reactive current
 * language, so templates re-render when it changes. Keys are checked at compile time against the
 * English resources; plural/ordinal suffixes are chosen by i18next with Intl.PluralRules.
 *
 * Which language a page speaks, first match wins: the person's own choice (the language switch,
 * remembered in this browser), the meeting's language (an invitation opens in the language the
 * leader chose), the browser's languages, English. docs/i18n.md tells how to add a language.
 */
import i18next, { type i18n as I18next } from 'i18next';
import { DEFAULT_LANGUAGE, isErrorKey, isLanguage, LANGUAGES, type Language } from '@peer-circle/shared';
import { resources, type English } from './resources.ts';

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
export type TKey = StripPlural<Leaves<English>>;
export type TParams = Record<string, string | number | boolean | undefined>;

/** Where the person's own choice is kept (this browser only; nothing is sent anywhere). */
export const LANGUAGE_STORAGE_KEY = 'peer-circle.language';

function storage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    // Storage can be switched off (privacy settings); the choice then lasts for this page only.
    return undefined;
  }
}

function browserTags(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  return navigator.languages?.length ? navigator.languages : [navigator.language];
}

/** The first of the browser's languages we speak ("lt-LT" -> lt), else English. */
function browserLanguage(): Language {
  for (const tag of browserTags()) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return DEFAULT_LANGUAGE;
}

function storedChoice(): Language | null {
  try {
    const v = storage()?.getItem(LANGUAGE_STORAGE_KEY);
    return isLanguage(v) ? v : null;
  } catch {
    return null;
  }
}

class Locale {
  #chosen = $state<Language | null>(storedChoice());
  #meeting = $state<Language | null>(null);
  readonly #browser = browserLanguage();
  readonly #i18n: I18next;

  constructor() {
    this.#i18n = i18next.createInstance();
    void this.#i18n.init({
      resources: Object.fromEntries(Object.entries(resources).map(([lng, tree]) => [lng, { translation: tree }])),
      lng: this.lang,
      fallbackLng: DEFAULT_LANGUAGE,
      supportedLngs: LANGUAGES,
      initAsync: false,
      // Svelte escapes text itself; escaping here would double-escape names like "Anna & Ben".
      interpolation: { escapeValue: false },
      returnNull: false,
      // Server error keys are flat with dots (`errors` > `stick.notHolder`, en-errors.ts).
      ignoreJSONStructure: true,
    });
    this.#apply();
  }

  /** The language this page speaks now. */
  get lang(): Language {
    return this.#chosen ?? this.#meeting ?? this.#browser;
  }

  /** The language the person chose with the switch, if they did. */
  get chosen(): Language | null {
    return this.#chosen;
  }

  /**
   * The tag for Intl: the browser's own tag when it is a variant of this language ("en-GB" keeps
   * its 24-hour clock, "fi-FI"), else the language itself.
   */
  get intlTag(): string {
    const lang = this.lang;
    const own = browserTags().find((tag) => tag.toLowerCase().split('-')[0] === lang);
    return own ?? lang;
  }

  /** The person's choice: used now, remembered in this browser, above any meeting's language. */
  choose(lang: Language): void {
    this.#chosen = lang;
    try {
      storage()?.setItem(LANGUAGE_STORAGE_KEY, lang);
    } catch {
      // Full or refused storage: the choice still holds on this page.
    }
    this.#apply();
  }

  /** The language of the meeting this page belongs to (null when leaving it). */
  setMeetingLanguage(lang: Language | null): void {
    this.#meeting = lang;
    this.#apply();
  }

  #apply(): void {
    const lang = this.lang;
    if (this.#i18n.language !== lang) void this.#i18n.changeLanguage(lang);
    if (typeof document !== 'undefined') document.documentElement.lang = lang;
  }

  translate(key: TKey, params?: TParams): string {
    // Reading the language makes every template that calls t() depend on it.
    const lng = this.lang;
    const t = this.#i18n.t as unknown as (k: string, o?: object) => string;
    return t(key, { ...params, lng });
  }
}

export const locale = new Locale();

/** Translates a UI string. */
export function t(key: TKey, params?: TParams): string {
  return locale.translate(key, params);
}

/** Ordinal plural ("you are 2nd"): picks `key_ordinal_<category>` for `n` in the current language. */
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
