/**
 * No statistic singles anyone out (rules O7, E6, E7). Pure functions that turn per-person
 * figures and profiles into what may be shown: every group a figure or a profile is given for
 * has at least k people (k-anonymity), a profile breakdown has at least two groups (one group
 * would say everybody's profile), and what observers see about profiles is too coarse to be
 * matched against the exact per-label facts they also see.
 */
import {
  DEFAULT_PRIVACY_MIN_GROUP,
  type BalanceGroup,
  type Evenness,
  type MeetingSettings,
  type Portion,
  type Profile,
  type ProfileBalance,
  type TookTurn,
  type WordShare,
  type WordTier,
} from '@peer-circle/shared';

/** k for a room: its setting, or the default for rooms stored before the setting existed. */
export const minGroupOf = (settings: MeetingSettings): number => settings.privacyMinGroup ?? DEFAULT_PRIVACY_MIN_GROUP;

export interface SmallGroups<K extends string> {
  /** Counts shown as they are: each 0 or at least k. */
  shown: Map<K, number>;
  /** Keys counted together instead of one by one. */
  merged: Set<K>;
  /** How many people the merged keys hold: 0, at least k, or everybody (nothing is shown then). */
  together: number;
}

/**
 * Counts under k (and `alwaysTogether`) are counted together; while that together-count is itself
 * under k, the smallest count shown joins it. Otherwise "fewer than 3" next to exact totals could
 * be worked out by subtraction.
 */
export function groupSmall<K extends string>(counts: readonly (readonly [K, number])[], k: number, alwaysTogether: readonly K[] = []): SmallGroups<K> {
  const shown = new Map<K, number>();
  const merged = new Set<K>();
  let together = 0;
  for (const [key, count] of counts) {
    if (alwaysTogether.includes(key) || (count > 0 && count < k)) {
      merged.add(key);
      together += count;
    } else shown.set(key, count);
  }
  while (together > 0 && together < k) {
    let smallest: K | null = null;
    // On a tie the later profile joins, so "lived experience", first in the list, stays visible longest.
    for (const [key, count] of shown) if (count > 0 && (smallest === null || count <= shown.get(smallest)!)) smallest = key;
    if (smallest === null) break;
    together += shown.get(smallest)!;
    shown.delete(smallest);
    merged.add(smallest);
  }
  return { shown, merged, together };
}

/** One person who can speak, as the statistics see them. */
export interface Speaker {
  profile: Profile | null;
  speakingMs: number;
  turns: number;
}

/** Below this much speaking time in all, a share says little. */
export const BALANCE_MIN_TOTAL_MS = 60_000;

/** "Other", "prefer not to say" and "not given" are mixes of people: never a group of their own. */
const MIXED: readonly (Profile | 'unknown')[] = ['other', 'prefer-not-to-say', 'unknown'];
const NAMED: readonly Profile[] = ['lived-experience', 'relative', 'professional'];

type GroupKey = BalanceGroup['group'];

/** How `groupMs` compares with the group's share of the people: within 3/4 to 4/3 is "about". */
function portionOf(groupMs: number, groupPeople: number, totalMs: number, totalPeople: number): Portion {
  const fair = (totalMs * groupPeople) / totalPeople;
  if (groupMs * 4 < fair * 3) return 'less';
  if (groupMs * 3 > fair * 4) return 'more';
  return 'about';
}

interface Words {
  portions: Portion[];
  crowding: Profile | null;
}

/** The words for groups with these speaking times and sizes. */
function wordsFor(groups: readonly GroupKey[], ms: readonly number[], size: readonly number[], totalMs: number, totalPeople: number): Words {
  const portions = groups.map((_, j) => portionOf(ms[j]!, size[j]!, totalMs, totalPeople));
  // The practice: relatives and professionals tend to talk more; the same note fits any profile
  // that takes most of the word while being fewer than half of the people.
  const j = groups.findIndex((key, i) => key !== 'together' && ms[i]! * 2 > totalMs && size[i]! * 2 < totalPeople);
  return { portions, crowding: j >= 0 ? (groups[j] as Profile) : null };
}

/**
 * The balance of the word by profile (O7). Portions are words, never sums; and they are given
 * only when every person could be swapped with someone of every other group without changing a
 * word shown, so that the words cannot pin a profile on anyone whose facts stand out.
 */
export function profileBalance(people: readonly Speaker[], k: number): ProfileBalance {
  const counts = new Map<Profile | 'unknown', number>();
  for (const p of people) counts.set(p.profile ?? 'unknown', (counts.get(p.profile ?? 'unknown') ?? 0) + 1);
  const split = groupSmall([...NAMED, ...MIXED].map((key) => [key, counts.get(key) ?? 0] as const), k, MIXED);
  const groups: GroupKey[] = NAMED.filter((key) => (split.shown.get(key) ?? 0) > 0);
  if (split.together > 0) groups.push('together');
  if (groups.length < 2) return { shown: false, groups: [], portions: 'withheld', crowding: null };

  const of = people.map((p) => {
    const key = p.profile ?? 'unknown';
    return split.merged.has(key) ? groups.indexOf('together') : groups.indexOf(key as Profile);
  });
  const size = groups.map(() => 0);
  const ms = groups.map(() => 0);
  people.forEach((p, i) => {
    size[of[i]!]! += 1;
    ms[of[i]!]! += p.speakingMs;
  });
  const counted = (words: Words | null, state: ProfileBalance['portions']): ProfileBalance => ({
    shown: true,
    groups: groups.map((group, j) => ({ group, people: size[j]!, portion: words?.portions[j] ?? null })),
    portions: state,
    crowding: words?.crowding ?? null,
  });

  const totalMs = people.reduce((sum, p) => sum + p.speakingMs, 0);
  if (totalMs < BALANCE_MIN_TOTAL_MS) return counted(null, 'tooEarly');
  const truth = wordsFor(groups, ms, size, totalMs, people.length);
  const same = (w: Words) => w.crowding === truth.crowding && w.portions.every((p, j) => p === truth.portions[j]);
  // Swapping a and b keeps every group's size and moves only their two times. Only the times
  // matter, so each group's distinct times are tried once, and a person whose group and time were
  // already checked is not checked again (B1: a meeting may count thousands who never spoke).
  const times = groups.map(() => new Set<number>());
  people.forEach((p, i) => times[of[i]!]!.add(p.speakingMs));
  const checked = new Set<string>();
  for (let a = 0; a < people.length; a++) {
    const key = `${of[a]}:${people[a]!.speakingMs}`;
    if (checked.has(key)) continue;
    checked.add(key);
    for (let other = 0; other < groups.length; other++) {
      if (other === of[a]) continue;
      let movable = false;
      for (const t of times[other]!) {
        const moved = [...ms];
        const delta = t - people[a]!.speakingMs;
        moved[of[a]!]! += delta;
        moved[other]! -= delta;
        movable = same(wordsFor(groups, moved, size, totalMs, people.length));
        if (movable) break;
      }
      if (!movable) return counted(null, 'withheld');
    }
  }
  return counted(truth, 'shown');
}

/** Gini coefficient of the speaking times, 0 (equal) to 1; null when nobody spoke. */
function gini(ms: readonly number[]): number | null {
  const total = ms.reduce((s, x) => s + x, 0);
  if (total === 0) return null;
  // Σ over all pairs of |a - b|, from the sorted times in O(n log n): the i-th smallest of n is
  // larger than i - 1 others and smaller than n - i (a meeting may count thousands, B1).
  const sorted = [...ms].sort((a, b) => a - b);
  let diff = 0;
  sorted.forEach((x, i) => (diff += 2 * (2 * i + 1 - sorted.length) * x));
  return diff / (2 * ms.length * total);
}

/** Splits `n` people into ⌊n/k⌋ groups as even as possible, bigger groups first. */
function tierSizes(n: number, k: number): number[] {
  const count = Math.floor(n / k);
  if (count < 2) return [];
  return Array.from({ length: count }, (_, i) => Math.floor(n / count) + (i < n % count ? 1 : 0));
}

function tookTurn(spoke: number, n: number, k: number): TookTurn {
  if (spoke === n) return 'everyone';
  if (spoke === 0) return 'nobody';
  if (spoke >= k && n - spoke >= k) return spoke;
  return spoke * 2 > n ? 'most' : 'some';
}

/**
 * How the word was shared (E6): the total, how many took a turn, how evenly, and from 2k people
 * on the speaking time of groups of at least k, those who spoke most first. Nothing about one
 * person, and nothing at all about fewer than k.
 */
export function wordShare(people: readonly Speaker[], k: number): WordShare {
  const n = people.length;
  if (n < k) return { shown: false, people: n };
  const sorted = [...people].sort((a, b) => b.speakingMs - a.speakingMs || b.turns - a.turns);
  const tiers: WordTier[] = [];
  let at = 0;
  for (const size of tierSizes(n, k)) {
    const members = sorted.slice(at, at + size);
    at += size;
    tiers.push({ people: size, speakingMs: members.reduce((s, p) => s + p.speakingMs, 0), turns: members.reduce((s, p) => s + p.turns, 0) });
  }
  const g = gini(people.map((p) => p.speakingMs));
  const evenness: Evenness | null = g === null ? null : g < 0.2 ? 'even' : g < 0.4 ? 'mixed' : 'uneven';
  return {
    shown: true,
    people: n,
    totalMs: people.reduce((s, p) => s + p.speakingMs, 0),
    tookTurn: tookTurn(people.filter((p) => p.turns > 0).length, n, k),
    evenness,
    tiers,
  };
}
