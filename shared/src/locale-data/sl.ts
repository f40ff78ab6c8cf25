/**
 * Slovenian words the server and the meeting form use: the group's usual rules (DEFAULT_RULES
 * in domain.ts, worded as a Slovenian peer-support group says them, "we" and the first person)
 * and the words of the attendance CSV (server/src/http/csv.ts: one table
 * `date,title,section,item,count`, column headers lower-case like the English).
 */
import type { LocaleData } from './types.ts';

export const sl = {
  defaultRules: [
    'Kar je povedano v skupini, ostane v skupini.',
    'Govorimo iz lastne izkušnje, v prvi osebi.',
    'Vsak ima pravico do molka: lahko preskoči, govoriti ni obvezno.',
    'Naenkrat govori ena oseba: tista, ki ima palico za besedo.',
    'Ne dajemo nasvetov, ne komentiramo in ne kritiziramo tega, kar povedo drugi.',
  ],
  attendance: {
    header: {
      date: 'datum',
      title: 'srečanje',
      section: 'razdelek',
      item: 'postavka',
      count: 'število',
    },
    section: {
      total: 'skupaj',
      profile: 'profil',
      name: 'ime',
    },
    item: {
      attended: 'prisotni',
      observers: 'opazovalci',
      notGiven: 'ni navedeno',
      countedTogether: 'šteto skupaj',
    },
    profile: {
      'lived-experience': 'osebe z lastno izkušnjo',
      relative: 'svojci in bližnji',
      professional: 'strokovne osebe',
      other: 'drugi',
      'prefer-not-to-say': 'raje ne povedo',
    },
  },
} as const satisfies LocaleData;
