/**
 * No statistic singles anyone out (rules O7, E6, E7). Every composition of 3-8 people over the
 * profiles (five profiles and "not given") is built through the real core, with speaking times
 * that vary from person to person and with one person who speaks far more than the rest. Then
 * every audience's snapshot, the closing view, the anonymous record and the attendance CSV are
 * read as a curious reader would, who knows each label's exact facts (observers do) and how the
 * views are computed:
 *
 * - nobody but observers sees a profile at all, and observers only groups of at least k people,
 *   never fewer than two groups (a single group would say everybody's profile);
 * - no figure about the word (speaking time, turns, passes) reaches the closing view or the
 *   record unless it covers at least k people;
 * - no profile count under k is in the record or the CSV;
 * - trying every way the profiles could be spread over the labels, every labelled person could
 *   be in more than one of the groups shown: nothing shown pins a profile on anyone.
 *
 * The first three checks read the data shape-blind (any object with a profile or a figure), so
 * they judge whatever the views carry.
 */
import { describe, expect, it } from 'vitest';
import { PROFILES, type Profile, type RoomSnapshot } from '@peer-circle/shared';
import { meetingRecord, summaryFromState } from '../../server/src/app/record.ts';
import { attendanceCsv } from '../../server/src/http/csv.ts';
import { groupSmall, profileBalance, speakers, wordShare, type Speaker } from '../../server/src/room/index.ts';
import { withoutPeople } from '../../client/src/features/observer/redact.ts';
import { TestRoom } from '../helpers/room.ts';

type Choice = Profile | null;
const CHOICES: readonly Choice[] = [...PROFILES, null];
const K = 3;
const PROFILE_VALUES = new Set<string>([...PROFILES, 'unknown', 'not given']);
const FIGURE_KEYS = new Set(['speakingMs', 'totalMs', 'turns', 'passes']);

/** Every multiset of `n` choices, as counts per choice. */
function* compositions(n: number, kinds: number): Generator<number[]> {
  if (kinds === 1) {
    yield [n];
    return;
  }
  for (let first = n; first >= 0; first--) for (const rest of compositions(n - first, kinds - 1)) yield [first, ...rest];
}

/** The profiles in seat order for a composition. */
const seatsOf = (counts: number[]): Choice[] => counts.flatMap((c, i) => Array<Choice>(c).fill(CHOICES[i]!));

interface Scenario {
  profiles: Choice[];
  /** Speaking time per seat; 0 means the person passed. */
  times: number[];
}

/** Seat 0 leads; everyone takes the stick once in circle order for `times[i]` ms, or passes. */
function meeting(s: Scenario, k = K): TestRoom {
  const r = new TestRoom({ privacyMinGroup: k } as Partial<TestRoom['state']['settings']>);
  s.profiles.forEach((profile, i) => r.join(`p${i}`, i === 0 ? 'leader' : 'participant', { name: `Person ${i}`, ...(profile ? { profile } : {}) }));
  r.join('obs', 'observer', { name: 'Olga' });
  r.ok('p0', { type: 'startMeeting' });
  s.times.forEach((ms, i) => {
    r.ok('p0', { type: 'passStick', to: `p${i}` });
    r.advance(Math.max(ms, 1));
    if (ms === 0) r.ok(`p${i}`, { type: 'declineStick' });
    else r.ok('p0', { type: 'takeStick' });
  });
  return r;
}

/**
 * Speaking times per seat: varied (distinct, the last person passes), and one person who speaks
 * far more than the rest together, at every seat in turn.
 */
function timePatterns(n: number): number[][] {
  const varied = Array.from({ length: n }, (_, i) => (i === n - 1 ? 0 : 30_000 + ((i * 7 + n) % n) * 41_000));
  const dominant = Array.from({ length: n }, (_, loud) => Array.from({ length: n }, (_, i) => (i === loud ? 1_200_000 : 20_000 + i * 3_000)));
  return [varied, ...dominant];
}

/**
 * `base` (built through the core without profiles) with the profiles `join` would have stored.
 * The flow of the word does not depend on profiles, so every mix reuses the same few meetings;
 * the test checks once that this equals joining with the profiles.
 */
function withProfiles(base: TestRoom, profiles: readonly Choice[]): TestRoom {
  const r = new TestRoom();
  r.now = base.now;
  r.state = { ...base.state, participants: base.state.participants.map((p, i) => (i < profiles.length ? { ...p, profile: profiles[i] ?? null } : p)) };
  return r;
}

/** Every object in `value`, with the path to it. */
function* objects(value: unknown, path = '$'): Generator<[string, Record<string, unknown>]> {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* objects(value[i], `${path}[${i}]`);
  } else if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    yield [path, o];
    for (const [key, v] of Object.entries(o)) yield* objects(v, `${path}.${key}`);
  }
}

const profileOf = (o: Record<string, unknown>): string | null => {
  for (const v of Object.values(o)) if (typeof v === 'string' && PROFILE_VALUES.has(v)) return v;
  return null;
};

/**
 * Problems a reader of `view` could exploit: a profile given for fewer than k people, a profile
 * named without being one of the groups shown, or one group for everybody.
 */
function profileLeaks(view: unknown, k: number): string[] {
  const leaks: string[] = [];
  const groupsByList = new Map<string, number>();
  const groups = new Set<string>();
  const mentions: [string, string][] = [];
  for (const [path, o] of objects(view)) {
    const profile = profileOf(o);
    const people = o.people;
    const list = path.replace(/\[\d+\]$/, '');
    if (typeof people === 'number' && people > 0 && list !== path) groupsByList.set(list, (groupsByList.get(list) ?? 0) + 1);
    if (profile === null) continue;
    if (typeof people !== 'number') mentions.push([path, profile]);
    else if (people > 0 && people < k) leaks.push(`${path}: ${profile} shown for ${people} people`);
    else groups.add(profile);
  }
  for (const [path, profile] of mentions) if (!groups.has(profile)) leaks.push(`${path}: profile ${profile} without a group of at least ${k}`);
  for (const [list, n] of groupsByList) if (n === 1) leaks.push(`${list}: a single group says everybody's profile`);
  return leaks;
}

/** Figures about the word that cover fewer than k people (or do not say how many). */
function figureLeaks(view: unknown, k: number): string[] {
  const leaks: string[] = [];
  for (const [path, o] of objects(view)) {
    const figures = Object.keys(o).filter((key) => FIGURE_KEYS.has(key) && typeof o[key] === 'number');
    if (figures.length === 0) continue;
    const people = o.people;
    if (typeof people !== 'number' || people < k) leaks.push(`${path}: ${figures.join('/')} for ${String(people ?? 'one person')}`);
  }
  return leaks;
}

/** Profile counts of the attendance CSV: each is empty (not shown), 0, or at least k. */
function csvLeaks(csv: string, k: number): string[] {
  return csv
    .split('\r\n')
    .map((line) => line.split(','))
    .filter((cells) => cells[2] === 'profile')
    .filter((cells) => cells[4] !== '' && Number(cells[4]) > 0 && Number(cells[4]) < k)
    .map((cells) => `csv: ${cells[3]} counted ${cells[4]}`);
}

/** The next distinct permutation of `a` in place (lexicographic, duplicates once); false after the last. */
function nextPermutation(a: number[]): boolean {
  let i = a.length - 2;
  while (i >= 0 && a[i]! >= a[i + 1]!) i--;
  if (i < 0) return false;
  let j = a.length - 1;
  while (a[j]! <= a[i]!) j--;
  [a[i], a[j]] = [a[j]!, a[i]!];
  for (let l = i + 1, r = a.length - 1; l < r; l++, r--) [a[l], a[r]] = [a[r]!, a[l]!];
  return true;
}

/**
 * The attack on the observers' view: the reader knows every label's exact figures and how the
 * balance is computed, and tries every way the groups shown could be spread over the labels
 * (the view depends on the profiles only through those groups). The ways that give exactly the
 * balance shown are possible; a label is pinned when every possible way puts it in the same
 * group. Returns the pinned labels (seat numbers).
 */
function pinned(people: readonly Speaker[], k: number): number[] {
  const shown = profileBalance(people, k);
  if (!shown.shown) return [];
  const names = shown.groups.map((g) => g.group as string);
  const groupOf = (p: Profile | null): number => (names.includes(p ?? 'unknown') ? names.indexOf(p!) : names.indexOf('together'));
  const truth = people.map((p) => groupOf(p.profile));
  // The profiles each group holds, handed out again to whoever a guess puts in that group.
  const held = names.map((_, g) => people.filter((_, i) => truth[i] === g).map((p) => p.profile));
  const order = [...truth].sort((a, b) => a - b);
  const seen = people.map(() => new Set<number>());
  const expected = JSON.stringify(shown);
  do {
    const next = held.map(() => 0);
    const guess = people.map((p, i) => ({ ...p, profile: held[order[i]!]![next[order[i]!]!++]! }));
    if (JSON.stringify(profileBalance(guess, k)) !== expected) continue;
    order.forEach((g, i) => seen[i]!.add(g));
    if (seen.every((s) => s.size > 1)) return [];
  } while (nextPermutation(order));
  return seen.flatMap((s, i) => (s.size === 1 ? [i] : []));
}

function leaksOf(r: TestRoom, k: number): string[] {
  const leaks: string[] = [];
  const observer = r.snap('observer');
  for (const audience of ['leader', 'participant'] as const) {
    const s: RoomSnapshot = r.snap(audience);
    const { end, ...rest } = s;
    // Nothing but observers' balance ever carries a profile.
    for (const [path, o] of objects(rest)) if (profileOf(o) !== null && 'people' in o) leaks.push(`${audience} ${path}: a profile group`);
    if (/"profile"/.test(JSON.stringify(rest))) leaks.push(`${audience}: a profile in the snapshot`);
    leaks.push(...figureLeaks(end, k).map((l) => `${audience} end ${l}`));
  }
  leaks.push(...profileLeaks(observer.observer, k).map((l) => `observer ${l}`));
  for (const seat of pinned(speakers(r.state), k)) leaks.push(`observer: the balance pins a profile on P${seat + 1}`);
  leaks.push(...figureLeaks(observer.end, k).map((l) => `observer end ${l}`));
  if (r.state.phase === 'closed') {
    const record = meetingRecord(r.state);
    leaks.push(...figureLeaks(record, k).map((l) => `record ${l}`));
    for (const [p, c] of Object.entries(record.attendance.profiles)) if (typeof c === 'number' && c > 0 && c < k) leaks.push(`record: ${p} counted ${c}`);
    leaks.push(...csvLeaks(attendanceCsv(summaryFromState(r.state)), k));
  }
  return leaks;
}

describe('O7 E6 E7 no statistic singles anyone out', () => {
  it('[O7] a meeting with profiles given at joining is the one the enumeration reads', () => {
    const profiles: Choice[] = ['relative', null, 'lived-experience', 'professional'];
    const times = timePatterns(4)[2]!;
    const joined = meeting({ profiles, times });
    expect(withProfiles(meeting({ profiles: profiles.map(() => null), times }), profiles).state).toEqual(joined.state);
  });

  for (let n = 3; n <= 8; n++) {
    it(`[O7][E6][E7] groups of ${n}: every profile mix, every speaker loud in turn, during the meeting and after it`, { timeout: 120_000 }, () => {
      const found: string[] = [];
      let read = 0;
      const bases = timePatterns(n).map((times) => {
        const open = meeting({ profiles: Array<Choice>(n).fill(null), times });
        const closed = withProfiles(open, []);
        closed.ok('p0', { type: 'closeMeeting', force: true });
        return { times, open, closed };
      });
      for (const counts of compositions(n, CHOICES.length)) {
        const profiles = seatsOf(counts);
        for (const base of bases) {
          const tag = `${profiles.map((p) => p ?? '-').join(' ')} | ${base.times.join(' ')}`;
          for (const l of leaksOf(withProfiles(base.open, profiles), K)) found.push(`${tag}: open: ${l}`);
          for (const l of leaksOf(withProfiles(base.closed, profiles), K)) found.push(`${tag}: closed: ${l}`);
          read += 2;
        }
      }
      expect(read).toBe(2 * (n + 1) * [...compositions(n, CHOICES.length)].length);
      expect(found.slice(0, 10), `${found.length} leaks`).toEqual([]);
    });
  }
});

const person = (profile: Profile | null, minutes: number, turns = minutes > 0 ? 1 : 0): Speaker => ({ profile, speakingMs: minutes * 60_000, turns });

describe('O7 the balance by profile', () => {
  it('[O7] profiles under k are counted together; a together-count under k takes the smallest group in', () => {
    expect(groupSmall([['a', 5], ['b', 2], ['c', 0]], 3)).toEqual({ shown: new Map([['c', 0]]), merged: new Set(['b', 'a']), together: 7 });
    expect(groupSmall([['a', 4], ['b', 3], ['c', 1], ['d', 2]], 3)).toEqual({ shown: new Map([['a', 4], ['b', 3]]), merged: new Set(['c', 'd']), together: 3 });
    expect(groupSmall([['a', 3], ['b', 3]], 3, ['b'])).toEqual({ shown: new Map([['a', 3]]), merged: new Set(['b']), together: 3 });
  });

  it('[O7] each group gets a word for its portion, and a note when one profile crowds the others out', () => {
    const people = [...[5, 5, 5].map((m) => person('relative', m)), ...[1, 1, 1, 1, 1, 1].map((m) => person('lived-experience', m))];
    expect(profileBalance(people, 3)).toEqual({
      shown: true,
      groups: [
        { group: 'lived-experience', people: 6, portion: 'less' },
        { group: 'relative', people: 3, portion: 'more' },
      ],
      portions: 'shown',
      crowding: 'relative',
    });
  });

  it('[O7] when one person speaks far more than everyone else, the words are withheld: they would point at them', () => {
    const people = [person('relative', 20), person('relative', 1), person('relative', 1), ...[1, 1, 1].map((m) => person('lived-experience', m))];
    const b = profileBalance(people, 3);
    expect(b).toMatchObject({ shown: true, portions: 'withheld', crowding: null });
    expect(b.groups.map((g) => g.portion)).toEqual([null, null]);
    expect(pinned(people, 3)).toEqual([]);
  });

  it('[O7] nothing is said with fewer than two groups of k, or before a minute was spoken', () => {
    expect(profileBalance([1, 2, 3, 4, 5].map((m) => person('relative', m)), 3).shown).toBe(false);
    expect(profileBalance([person('relative', 1), person('relative', 2), person('professional', 3), person(null, 4)], 3).shown).toBe(false);
    const early = profileBalance([0.1, 0.1, 0.1, 0, 0, 0].map((m, i) => person(i < 3 ? 'relative' : 'professional', m)), 3);
    expect(early).toMatchObject({ shown: true, portions: 'tooEarly', crowding: null });
  });

  it('[O7] k is a setting: with k = 2, pairs are groups; with k = 4 the same circle shows nothing', () => {
    const people = [person('relative', 3), person('relative', 3), person('professional', 3), person('professional', 3)];
    expect(profileBalance(people, 2).groups.map((g) => [g.group, g.people])).toEqual([['relative', 2], ['professional', 2]]);
    expect(profileBalance(people, 4).shown).toBe(false);
    const r = meeting({ profiles: ['relative', 'relative', 'professional', 'professional'], times: [60_000, 60_000, 60_000, 60_000] }, 2);
    expect(r.snap('observer').observer!.balance.shown).toBe(true);
    expect(meeting({ profiles: ['relative', 'relative', 'professional', 'professional'], times: [60_000, 60_000, 60_000, 60_000] }).snap('observer').observer!.balance.shown).toBe(false);
  });
});

describe('E6 the closing picture of the word', () => {
  it('[E6] from 2k people on, groups of at least k by speaking time, those who spoke most first', () => {
    const minutes = [9, 8, 7, 1, 0, 0, 0];
    const w = wordShare(minutes.map((m) => person(null, m)), 3);
    expect(w).toEqual({
      shown: true,
      people: 7,
      totalMs: 25 * 60_000,
      tookTurn: 4,
      evenness: 'uneven',
      tiers: [
        { people: 4, speakingMs: 25 * 60_000, turns: 4 },
        { people: 3, speakingMs: 0, turns: 0 },
      ],
    });
    // 5 of 7 took a turn, but the other 2 would be a group under 3.
    expect(wordShare([9, 8, 7, 1, 1, 0, 0].map((m) => person(null, m)), 3)).toMatchObject({ tookTurn: 'most' });
    expect(wordShare(Array.from({ length: 10 }, () => person(null, 2)), 3)).toMatchObject({ evenness: 'even', tookTurn: 'everyone', tiers: [{ people: 4 }, { people: 3 }, { people: 3 }] });
  });

  it('[E6] under k people, only their number; how many took a turn is a number only for groups of k', () => {
    expect(wordShare([person(null, 3), person(null, 1)], 3)).toEqual({ shown: false, people: 2 });
    expect(wordShare([3, 2, 1, 0].map((m) => person(null, m)), 3)).toMatchObject({ tookTurn: 'most', tiers: [] });
    expect(wordShare([3, 0, 0, 0].map((m) => person(null, m)), 3)).toMatchObject({ tookTurn: 'some' });
    expect(wordShare([0, 0, 0].map((m) => person(null, m)), 3)).toMatchObject({ tookTurn: 'nobody', evenness: null, totalMs: 0 });
  });
});

describe('E7 attendance counts', () => {
  it('[E7] the record and the CSV count profiles of fewer than k only together', () => {
    const r = meeting({ profiles: ['lived-experience', 'lived-experience', 'lived-experience', 'lived-experience', 'relative', 'professional', null], times: [1, 1, 1, 1, 1, 1, 1] });
    r.ok('p0', { type: 'closeMeeting', force: true });
    expect(meetingRecord(r.state).attendance).toEqual({
      attended: 7,
      observers: 1,
      profiles: { 'lived-experience': 4, relative: null, professional: null, other: 0, 'prefer-not-to-say': 0, 'not given': null },
      together: 3,
    });
    const csv = attendanceCsv(summaryFromState(r.state));
    expect(csv).toContain('profile,lived-experience,4\r\n');
    expect(csv).toContain('profile,relative,\r\n');
    expect(csv).toContain('profile,counted together,3\r\n');
  });
});

describe('O8 the draft recommendation', () => {
  it('[O8] labels and the names the observer sees become "someone"; other words stay', () => {
    const names = ['P1', 'P2', 'Bob Named', 'Bob', 'O1', 'Olga', 'I'];
    expect(withoutPeople('P2 spoke warmly; p3 and Bob Named listened. bob nodded, Bobby too.', names, 'someone')).toBe(
      'someone spoke warmly; someone and someone listened. someone nodded, Bobby too.',
    );
    expect(withoutPeople('I think Olga (O1) and P 12 agreed.', names, 'someone')).toBe('I think someone (someone) and someone agreed.');
    expect(withoutPeople('Calm, kind, 4 of 5.', [], 'someone')).toBe('Calm, kind, 4 of 5.');
  });
});
