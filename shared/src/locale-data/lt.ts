/**
 * Lithuanian words kept on the shared side: the group's usual rules (DEFAULT_RULES in domain.ts,
 * as Lithuanian peer-support groups word them) and the words of the attendance CSV
 * (server/src/http/csv.ts: `date,title,section,item,count`, totals, one row per profile, names).
 */
import type { LocaleData } from './types.ts';

export const lt = {
  defaultRules: [
    'Kas čia pasakyta, lieka čia.',
    'Kalbame apie savo patirtį, pirmuoju asmeniu – „aš“.',
    'Kiekvienas turi teisę tylėti ir praleisti savo eilę: niekas neprivalo kalbėti.',
    'Vienu metu kalba vienas žmogus – tas, kuris laiko kalbėjimo lazdelę.',
    'Be patarimų, komentarų ir kritikos tam, kuo pasidalijo kitas.',
  ],
  attendance: {
    header: {
      date: 'data',
      title: 'susitikimas',
      section: 'skiltis',
      item: 'įrašas',
      count: 'skaičius',
    },
    section: {
      total: 'iš viso',
      profile: 'profilis',
      name: 'vardas',
    },
    item: {
      attended: 'dalyvavo',
      observers: 'stebėtojai',
      notGiven: 'nenurodyta',
      countedTogether: 'suskaičiuota kartu',
    },
    profile: {
      'lived-experience': 'asmeninė patirtis',
      relative: 'artimieji',
      professional: 'specialistai',
      other: 'kita',
      'prefer-not-to-say': 'nenorėjo sakyti',
    },
  },
} as const satisfies LocaleData;
