import { LOCALE_DATA, type Language } from '@peer-circle/shared';

/** One editable rule; `id` keeps each input stable while others are added or removed. */
export interface RuleItem {
  id: number;
  text: string;
}

let counter = 0;
export const newRuleId = (): number => ++counter;

/** The usual rules, in the meeting's language. */
export const defaultRules = (language: Language): RuleItem[] => LOCALE_DATA[language].defaultRules.map((text) => ({ id: newRuleId(), text }));

/** True while the rules are still exactly the usual ones offered in `language` (nothing edited). */
export const areDefaultRules = (rules: readonly RuleItem[], language: Language): boolean => {
  const usual = LOCALE_DATA[language].defaultRules;
  return rules.length === usual.length && rules.every((r, i) => r.text === usual[i]);
};
