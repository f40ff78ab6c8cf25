import { DEFAULT_RULES } from '@peer-circle/shared';

/** One editable rule; `id` keeps each input stable while others are added or removed. */
export interface RuleItem {
  id: number;
  text: string;
}

let counter = 0;
export const newRuleId = (): number => ++counter;

export const defaultRules = (): RuleItem[] => DEFAULT_RULES.map((text) => ({ id: newRuleId(), text }));
