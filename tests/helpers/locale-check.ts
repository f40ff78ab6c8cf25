/**
 * The completeness check of a language's UI strings against English (docs/i18n.md): every key,
 * the plural categories the language's Intl.PluralRules needs (cardinal, and ordinal for ordinal
 * keys), the same {{placeholders}}, no empty value, nothing left in English. Returns the problems
 * as sentences, so a failing test says what to fix.
 */

export type Tree = { readonly [key: string]: string | Tree };

const CATEGORIES = ['zero', 'one', 'two', 'few', 'many', 'other'] as const;
const ORDINAL = /^(.*)_ordinal_(zero|one|two|few|many|other)$/;
const CARDINAL = /^(.*)_(zero|one|two|few|many|other)$/;

/**
 * Values that are the same in every language: proper nouns and a few symbols. Values with no
 * letters outside their placeholders ("{{name}}", "{{position}}.") need no entry.
 */
export const SAME_AS_ENGLISH: ReadonlySet<string> = new Set(['app.name']);

/** path -> string, paths joined with dots (error keys with dots inside read the same way). */
export function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(path, v);
    else for (const [p, s] of flatten(v, path)) out.set(p, s);
  }
  return out;
}

export const placeholders = (s: string): string[] => [...new Set([...s.matchAll(/\{\{\s*([^}\s,]+)[^}]*\}\}/g)].map((m) => m[1]!))].sort();
const hasWords = (s: string): boolean => /\p{L}/u.test(s.replace(/\{\{[^}]*\}\}/g, ''));

export function pluralCategories(lang: string, type: 'cardinal' | 'ordinal'): string[] {
  const order = CATEGORIES as readonly string[];
  return [...new Intl.PluralRules(lang, { type }).resolvedOptions().pluralCategories].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

/** The keys `lang` must have: English's plain keys, and each plural base with the language's categories. */
export function expectedKeys(english: Map<string, string>, lang: string): Map<string, string> {
  const cardinal = pluralCategories(lang, 'cardinal');
  const ordinal = pluralCategories(lang, 'ordinal');
  // expected key -> the English key whose placeholders and wording it must match
  const out = new Map<string, string>();
  for (const key of english.keys()) {
    const o = ORDINAL.exec(key);
    const c = o ? null : CARDINAL.exec(key);
    if (o) for (const cat of ordinal) out.set(`${o[1]}_ordinal_${cat}`, english.has(`${o[1]}_ordinal_${cat}`) ? `${o[1]}_ordinal_${cat}` : `${o[1]}_ordinal_other`);
    else if (c) for (const cat of cardinal) out.set(`${c[1]}_${cat}`, english.has(`${c[1]}_${cat}`) ? `${c[1]}_${cat}` : `${c[1]}_other`);
    else out.set(key, key);
  }
  return out;
}

export function checkLanguage(englishTree: Tree, tree: Tree, lang: string): string[] {
  const english = flatten(englishTree);
  const mine = flatten(tree);
  const expected = expectedKeys(english, lang);
  const problems: string[] = [];
  for (const [key, from] of expected) {
    const value = mine.get(key);
    const en = english.get(from)!;
    if (value === undefined) {
      problems.push(`${lang}: missing ${key}`);
      continue;
    }
    if (value.trim() === '') problems.push(`${lang}: ${key} is empty`);
    const want = placeholders(en).join(', ');
    const got = placeholders(value).join(', ');
    if (want !== got) problems.push(`${lang}: ${key} has placeholders [${got}], English has [${want}]`);
    if (lang !== 'en' && value === en && hasWords(en) && !SAME_AS_ENGLISH.has(key)) problems.push(`${lang}: ${key} is still the English "${en}"`);
  }
  for (const key of mine.keys()) {
    if (!expected.has(key)) problems.push(`${lang}: ${key} is not a key of English (or not a plural category of ${lang})`);
  }
  return problems;
}
