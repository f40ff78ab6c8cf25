/**
 * Finnish data the server needs: the default group rules (DEFAULT_RULES in domain.ts) as a
 * Finnish vertaistukiryhmä words them, and the words of the attendance CSV (http/csv.ts:
 * `date,title,section,item,count`, totals, one row per profile, names), lower-case like the
 * English ones.
 */
import type { LocaleData } from './types.ts';

export const fi = {
  defaultRules: [
    'Se, mitä täällä kerrotaan, jää tänne.',
    'Puhumme omasta kokemuksestamme, minä-muodossa.',
    'Jokaisella on oikeus olla hiljaa: voit aina sanoa ”ohitan”, kenenkään ei ole pakko puhua.',
    'Yksi puhuu kerrallaan: se, jolla on puheenvuorokeppi.',
    'Emme anna neuvoja, kommentoi emmekä arvostele sitä, mitä toinen on kertonut.',
  ],
  attendance: {
    header: {
      date: 'päivämäärä',
      title: 'otsikko',
      section: 'osio',
      item: 'kohta',
      count: 'määrä',
    },
    section: {
      total: 'yhteensä',
      profile: 'tausta',
      name: 'nimi',
    },
    item: {
      attended: 'osallistui',
      observers: 'havainnoijat',
      notGiven: 'ei kerrottu',
      countedTogether: 'laskettu yhteen',
    },
    profile: {
      'lived-experience': 'oma kokemus',
      relative: 'läheinen',
      professional: 'ammattilainen',
      other: 'muu',
      'prefer-not-to-say': 'ei halua kertoa',
    },
  },
} as const satisfies LocaleData;
