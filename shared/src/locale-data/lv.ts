/**
 * Latvian data the server needs: the default group rules (DEFAULT_RULES in domain.ts) as a
 * Latvian peer-support group would word them, and the words of the attendance CSV (http/csv.ts).
 */
import type { LocaleData } from './types.ts';

export const lv = {
  defaultRules: [
    'Tas, kas šeit tiek teikts, paliek šeit.',
    'Mēs runājam no savas pieredzes, pirmajā personā: „es“, nevis „tu“ vai „visi“.',
    'Ikvienam ir tiesības klusēt: var izlaist, runāt nevienam nav obligāti.',
    'Vienlaikus runā viens cilvēks — tas, kuram ir runāšanas nūjiņa.',
    'Mēs nedodam padomus, nekomentējam un nekritizējam to, ko stāsta citi.',
  ],
  attendance: {
    header: {
      date: 'datums',
      title: 'tikšanās',
      section: 'sadaļa',
      item: 'ieraksts',
      count: 'skaits',
    },
    section: {
      total: 'kopā',
      profile: 'profils',
      name: 'vārds',
    },
    item: {
      attended: 'piedalījās',
      observers: 'novērotāji',
      notGiven: 'nav norādīts',
      countedTogether: 'skaitīti kopā',
    },
    profile: {
      'lived-experience': 'ar personīgo pieredzi',
      relative: 'tuvinieks',
      professional: 'speciālists',
      other: 'cits',
      'prefer-not-to-say': 'nevēlas norādīt',
    },
  },
} as const satisfies LocaleData;
