/**
 * Every language is complete (issue 13, docs/i18n.md): each has every key of English with the
 * plural categories its Intl.PluralRules needs, the same placeholders, nothing empty and nothing
 * left in English; the server's words (default rules, attendance CSV) are complete too. The
 * checker itself is shown to fail on each kind of fault, so a green run means something.
 */
import { describe, expect, it } from 'vitest';
import { LANGUAGES, LANGUAGE_NAMES, LOCALE_DATA, PROFILES } from '@peer-circle/shared';
import { en, resources } from '../../client/src/lib/i18n/resources.ts';
import { checkLanguage, flatten, pluralCategories, type Tree } from '../helpers/locale-check.ts';

const others = LANGUAGES.filter((l) => l !== 'en');

describe('UI strings', () => {
  it('English itself has the plural categories English needs', () => {
    expect(checkLanguage(en, en, 'en')).toEqual([]);
  });

  it('the five languages of the groups are all there, next to English', () => {
    expect([...LANGUAGES].sort()).toEqual(['en', 'fi', 'lt', 'lv', 'pl', 'sl']);
  });

  it.each(others)('%s has every key, plural category and placeholder of English, translated', (lang) => {
    expect(checkLanguage(en, resources[lang] as Tree, lang)).toEqual([]);
  });

  it.each(others)('%s uses the plural categories of its own grammar', (lang) => {
    const keys = [...flatten(resources[lang] as Tree).keys()];
    const used = new Set(keys.map((k) => /_(zero|one|two|few|many|other)$/.exec(k)?.[1]).filter(Boolean));
    const cardinalUsed = new Set(keys.filter((k) => !k.includes('_ordinal_')).map((k) => /_(zero|one|two|few|many|other)$/.exec(k)?.[1]).filter(Boolean));
    expect([...cardinalUsed].sort()).toEqual([...pluralCategories(lang, 'cardinal')].sort());
    expect(used.size).toBeGreaterThan(0);
  });

  it('each language is named in its own language on the switch', () => {
    expect(LANGUAGE_NAMES).toEqual({ en: 'English', lt: 'Lietuvių', sl: 'Slovenščina', lv: 'Latviešu', pl: 'Polski', fi: 'Suomi' });
  });
});

describe('the completeness check fails when it should', () => {
  const lt = resources.lt as Tree;
  const withValue = (tree: Tree, path: string[], value: string | undefined): Tree => {
    const [head, ...rest] = path as [string, ...string[]];
    const copy: Record<string, string | Tree> = { ...tree };
    if (rest.length === 0) {
      if (value === undefined) delete copy[head];
      else copy[head] = value;
    } else copy[head] = withValue(tree[head] as Tree, rest, value);
    return copy;
  };

  it('on a missing key', () => {
    expect(checkLanguage(en, withValue(lt, ['speak', 'raise'], undefined), 'lt')).toEqual(['lt: missing speak.raise']);
  });
  it('on a missing plural category', () => {
    expect(checkLanguage(en, withValue(lt, ['queue', 'count_few'], undefined), 'lt')).toEqual(['lt: missing queue.count_few']);
  });
  it('on a plural category the language does not have', () => {
    expect(checkLanguage(en, withValue(lt, ['queue', 'count_two'], 'x {{count}}'), 'lt')).toEqual([
      'lt: queue.count_two is not a key of English (or not a plural category of lt)',
    ]);
  });
  it('on a placeholder mismatch', () => {
    expect(checkLanguage(en, withValue(lt, ['leader', 'passNext'], 'Perduoti {{vardas}}'), 'lt')).toEqual([
      'lt: leader.passNext has placeholders [vardas], English has [name]',
    ]);
  });
  it('on a value left in English', () => {
    expect(checkLanguage(en, withValue(lt, ['speak', 'pass'], 'Pass'), 'lt')).toEqual(['lt: speak.pass is still the English "Pass"']);
  });
  it('on an empty value', () => {
    expect(checkLanguage(en, withValue(lt, ['speak', 'pass'], ' '), 'lt')).toEqual(['lt: speak.pass is empty']);
  });
  it('on a missing server error key', () => {
    expect(checkLanguage(en, withValue(lt, ['errors', 'stick.notHolder'], undefined), 'lt')).toEqual(['lt: missing errors.stick.notHolder']);
  });
});

describe('the server’s words (shared/src/locale-data)', () => {
  const english = LOCALE_DATA.en;
  it('English CSV words are the machine-friendly ones the file always had', () => {
    expect(english.attendance.header).toEqual({ date: 'date', title: 'title', section: 'section', item: 'item', count: 'count' });
    expect(Object.values(english.attendance.profile)).toEqual([...PROFILES]);
    expect(english.attendance.item.notGiven).toBe('not given');
  });

  it.each(others)('%s has as many default rules as English, and every CSV word, translated', (lang) => {
    const data = LOCALE_DATA[lang];
    expect(data.defaultRules).toHaveLength(english.defaultRules.length);
    data.defaultRules.forEach((rule, i) => {
      expect(rule.trim()).not.toBe('');
      expect(rule).not.toBe(english.defaultRules[i]);
    });
    const words = flatten(data.attendance as unknown as Tree);
    expect([...words.keys()].sort()).toEqual([...flatten(english.attendance as unknown as Tree).keys()].sort());
    for (const [key, value] of words) {
      expect(value.trim(), `${lang} attendance.${key}`).not.toBe('');
      // A CSV cell must not be read as a formula, nor split into columns.
      expect(value, `${lang} attendance.${key}`).not.toMatch(/^[=+\-@]|[,"\r\n]/);
    }
    // Profile names tell the profiles apart.
    expect(new Set(Object.values(data.attendance.profile)).size).toBe(PROFILES.length);
  });
});
