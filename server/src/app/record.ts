/**
 * Pure builders for what outlives a meeting's personal data (rules E4, E5): the attendance
 * counts, the anonymous record kept AGGREGATE_RETENTION_DAYS, and the attendance summary the
 * leader downloads. No I/O here; the service stores the record, the HTTP edge renders the CSV.
 */
import { PROFILES, type Language } from '@peer-circle/shared';
import { groupSmall, minGroupOf } from '../room/privacy.ts';
import { endView, feedbackAverages, prunedSpeakers, type RoomState } from '../room/state.ts';
import type { AttendanceCounts, MeetingRecord } from '../store/port.ts';

/** UTC day, YYYY-MM-DD. */
export const utcDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

type ProfileKey = keyof AttendanceCounts['profiles'];
const PROFILE_KEYS: readonly ProfileKey[] = [...PROFILES, 'not given'];

/**
 * Who came: everyone admitted (the lobby is not the meeting), observers apart. Profiles are
 * counted among leaders and participants, so the profile rows (with `together`) add up to
 * `attended`. E7: a profile held by fewer than k people is not counted on its own; it is
 * counted together with others, in a count of at least k (or, in a meeting too small for
 * that, no profile is counted at all).
 */
export function attendanceCounts(state: RoomState): AttendanceCounts {
  const exact = new Map<ProfileKey, number>(PROFILE_KEYS.map((p) => [p, 0]));
  let attended = 0;
  let observers = 0;
  for (const p of state.participants) {
    if (p.role === 'observer') {
      observers += 1;
      continue;
    }
    attended += 1;
    const key = p.profile ?? 'not given';
    exact.set(key, exact.get(key)! + 1);
  }
  // B1: people whose seats were pruned after they left still attended.
  for (const p of prunedSpeakers(state)) {
    attended += 1;
    const key = p.profile ?? 'not given';
    exact.set(key, exact.get(key)! + 1);
  }
  observers += state.pruned?.observers ?? 0;
  const split = groupSmall([...exact], minGroupOf(state.settings));
  // Nothing shown but zeros: the zeros alone would say which profiles the others have.
  const nothing = ![...split.shown.values()].some((c) => c > 0);
  const profiles = Object.fromEntries(PROFILE_KEYS.map((p) => [p, nothing || split.merged.has(p) ? null : split.shown.get(p)!])) as AttendanceCounts['profiles'];
  return { attended, observers, profiles, together: nothing ? attended : split.together };
}

/** The anonymous record of a (closed) meeting: counts and averages, never names or texts. */
export function meetingRecord(state: RoomState): MeetingRecord {
  return {
    meetingId: state.meetingId,
    leaderTokenHash: state.tokenHashes.leader,
    title: state.title,
    language: state.settings.language,
    date: utcDate(state.startedAt ?? state.createdAt),
    closedAt: state.closedAt,
    attendance: attendanceCounts(state),
    feedback: feedbackAverages(state.feedback, minGroupOf(state.settings)),
    word: endView(state).word,
  };
}

/** What the leader's attendance CSV holds. `names` is empty once the personal data is gone. */
export interface AttendanceSummary {
  date: string;
  title: string;
  /** The meeting's language: the CSV's headers and words are written in it. */
  language: Language;
  counts: AttendanceCounts;
  /** Only people who agreed at joining to be named on the attendance list (E4), circle order. */
  names: string[];
}

export function summaryFromState(state: RoomState): AttendanceSummary {
  return {
    date: utcDate(state.startedAt ?? state.createdAt),
    title: state.title,
    language: state.settings.language,
    counts: attendanceCounts(state),
    names: [...state.participants].sort((a, b) => a.seat - b.seat).filter((p) => p.inAttendance).map((p) => p.name),
  };
}

export function summaryFromRecord(record: MeetingRecord): AttendanceSummary {
  return { date: record.date, title: record.title, language: record.language ?? 'en', counts: record.attendance, names: [] };
}
