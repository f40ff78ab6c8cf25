/**
 * English: the default rules and the attendance CSV's words. The CSV keeps its machine-friendly
 * English words (the profile ids, `not given`), so English files stay what they always were.
 */
export const en = {
  defaultRules: [
    'What is said here stays here.',
    'We speak from our own experience, in the first person.',
    'Everyone may pass: nobody has to speak.',
    'One person speaks at a time: the one holding the stick.',
    'No advice, comments or criticism of what another person shared.',
  ],
  attendance: {
    header: { date: 'date', title: 'title', section: 'section', item: 'item', count: 'count' },
    section: { total: 'total', profile: 'profile', name: 'name' },
    item: { attended: 'attended', observers: 'observers', notGiven: 'not given', countedTogether: 'counted together' },
    profile: {
      'lived-experience': 'lived-experience',
      relative: 'relative',
      professional: 'professional',
      other: 'other',
      'prefer-not-to-say': 'prefer-not-to-say',
    },
  },
};
