/**
 * A group's stored state (rules G1-G8): the template every meeting starts from, the schedule,
 * the season, token hashes (never the tokens), which meeting is the current one, the rota and
 * the anonymous per-meeting aggregates. Plain JSON, committed whole with its version like a room.
 *
 * What it never holds: anyone's name across meetings. The rota keeps the pseudonym a person
 * chose in the meeting where the facilitation was handed to them, only until the meeting it is
 * for is over plus PERSONAL_DATA_TTL_HOURS (G8); the attendance names of a meeting are read from
 * that meeting's room while it exists, and are never copied here.
 */
import type { AttendanceCounts, GroupSchedule, GroupSeason, GroupSettings, Role, Language } from '@peer-circle/shared';

/** One person's facilitation of one date (G5, G6). */
export interface RotaEntry {
  date: string;
  /** The pseudonym the person chose in the meeting where it was handed to them. */
  name: string;
  /** sha256 of the personal facilitator token; the token itself went only to their connection. */
  tokenHash: string;
  /** Where it was handed over (for the hand-over answer; not a person across meetings). */
  fromMeetingId: string;
  handedAt: number;
}

export interface GroupMeeting {
  meetingId: string;
  /** The local date (group time zone) of the occurrence this meeting stands for. */
  date: string;
  openedAt: number;
}

/** G7: the anonymous aggregate of one held meeting. */
export interface GroupRecord {
  meetingId: string;
  date: string;
  closedAt: number;
  /** The room version it was taken from: a later commit (feedback after closing) replaces it. */
  roomVersion: number;
  attendance: AttendanceCounts;
  feedback: { count: number; safe: number | null; heard: number | null; useful: number | null };
}

export interface GroupState {
  version: number;
  groupId: string;
  createdAt: number;
  /** Last use by a person (G8: a group unused for GROUP_IDLE_DAYS is deleted). */
  lastUsedAt: number;
  name: string;
  language: Language;
  rules: string[];
  agenda: string[];
  settings: GroupSettings;
  schedule: GroupSchedule | null;
  season: GroupSeason | null;
  autoOpenMinutes: number | null;
  tokenHashes: Record<Role, string>;
  /** The latest meeting of the group (it may be closed); at most one is waiting or open (G3). */
  current: GroupMeeting | null;
  /** Every meeting still kept somewhere (for records, names and deleting the group). */
  meetings: GroupMeeting[];
  /** The date of the scheduled meeting last opened by itself (G4), so it opens only once. */
  autoOpenedFor: string | null;
  rota: RotaEntry[];
  records: GroupRecord[];
}

/** What a token hash opens in a group: one of the three links, or a facilitator link (G6). */
export type GroupGrant = { groupId: string; kind: Role } | { groupId: string; kind: 'facilitator' };

/** Every token hash the store indexes for this state, with the grant it resolves to. */
export function groupTokenIndex(g: GroupState): [hash: string, kind: GroupGrant['kind']][] {
  return [
    [g.tokenHashes.leader, 'leader'],
    [g.tokenHashes.participant, 'participant'],
    [g.tokenHashes.observer, 'observer'],
    ...g.rota.map((e): [string, 'facilitator'] => [e.tokenHash, 'facilitator']),
  ];
}

export interface NewGroup {
  groupId: string;
  now: number;
  name: string;
  language: Language;
  rules: string[];
  agenda: string[];
  settings: GroupSettings;
  schedule: GroupSchedule | null;
  season: GroupSeason | null;
  autoOpenMinutes: number | null;
  tokenHashes: Record<Role, string>;
}

export function createGroup(n: NewGroup): GroupState {
  return {
    version: 1,
    groupId: n.groupId,
    createdAt: n.now,
    lastUsedAt: n.now,
    name: n.name,
    language: n.language,
    rules: n.rules,
    agenda: n.agenda,
    settings: n.settings,
    schedule: n.schedule,
    season: n.season,
    autoOpenMinutes: n.autoOpenMinutes,
    tokenHashes: n.tokenHashes,
    current: null,
    meetings: [],
    autoOpenedFor: null,
    rota: [],
    records: [],
  };
}
