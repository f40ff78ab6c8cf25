/**
 * Words the server writes itself, per language: the default group rules a new meeting is offered
 * and the attendance CSV (rule E4). Everything else the UI shows lives in the client's i18n
 * resources (client/src/lib/i18n). One file per language next to this one (`en.ts`, `lt.ts`...).
 */
import type { Profile } from '../domain.ts';

export interface LocaleData {
  /** Offered on the create form and used when a meeting is created without rules; as many as English. */
  defaultRules: readonly string[];
  attendance: {
    /** Column headers: `date,title,section,item,count`. */
    header: Readonly<Record<'date' | 'title' | 'section' | 'item' | 'count', string>>;
    /** The `section` column's values. */
    section: Readonly<Record<'total' | 'profile' | 'name', string>>;
    /** The `item` column's values in the totals rows and the profile row of people who gave none. */
    item: Readonly<Record<'attended' | 'observers' | 'notGiven' | 'countedTogether', string>>;
    /** The `item` column of each profile row. */
    profile: Readonly<Record<Profile, string>>;
  };
}
