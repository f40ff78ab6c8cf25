/**
 * Polish words kept on the shared side: the group's usual rules (as Polish support groups word
 * them: confidentiality, first person, the right to silence, one voice at a time, no cross-talk)
 * and the words of the attendance CSV (server/src/http/csv.ts: `date,title,section,item,count`).
 */
import type { LocaleData } from './types.ts';

export const pl = {
  defaultRules: [
    'To, co tu usłyszymy, zostaje tutaj.',
    'Mówimy o własnych doświadczeniach, w pierwszej osobie.',
    'Każdy ma prawo do milczenia: można spasować, nikt nie musi mówić.',
    'Mówi jedna osoba naraz — ta, która ma pałeczkę.',
    'Nie doradzamy, nie komentujemy i nie krytykujemy tego, czym dzieli się inna osoba.',
  ],
  attendance: {
    header: {
      date: 'data',
      title: 'tytuł',
      section: 'sekcja',
      item: 'pozycja',
      count: 'liczba',
    },
    section: {
      total: 'razem',
      profile: 'profil',
      name: 'imię',
    },
    item: {
      attended: 'obecne osoby',
      observers: 'osoby obserwujące',
      notGiven: 'nie podano',
      countedTogether: 'liczone razem',
    },
    profile: {
      'lived-experience': 'osoba z własnym doświadczeniem',
      relative: 'osoba bliska',
      professional: 'osoba pracująca zawodowo',
      other: 'inna',
      'prefer-not-to-say': 'woli nie mówić',
    },
  },
} as const satisfies LocaleData;
