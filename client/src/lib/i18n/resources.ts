/**
 * Every language's UI strings, assembled once (plain TypeScript, no runes: the completeness test
 * in tests/unit/i18n.test.ts reads the same object the app uses).
 */
import type { Language } from '@peer-circle/shared';
import { en as enBase, type LocaleTree } from './en.ts';
import { enObserve } from './en-observe.ts';
import { enErrors } from './en-errors.ts';
import type { Translation } from './types.ts';
import { fi } from './fi.ts';
import { lt } from './lt.ts';
import { lv } from './lv.ts';
import { pl } from './pl.ts';
import { sl } from './sl.ts';

/**
 * English: the main tree plus the observer and closing views' strings (kept in their own file),
 * and the server's errors (shared/src/errors.ts, written once there) next to the client's own
 * under `errors`.
 */
export const en = { ...enBase, ...enObserve, errors: { ...enBase.errors, ...enErrors.errors } };
export type English = typeof en;
/** What another language's file must hold (checked by the compiler, plural keys aside). */
export type EnglishTranslation = Translation<English>;

/** A missing language fails to compile: the list of languages is LANGUAGES in shared. */
export const resources: Readonly<Record<Language, LocaleTree>> = { en, fi, lt, lv, pl, sl } satisfies Record<Language, EnglishTranslation | English>;
