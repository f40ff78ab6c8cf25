/**
 * Domain vocabulary shared by server and client: roles, phases, the public snapshot.
 * Closed sets are `as const` objects with a same-named type (CONVENTIONS rule 3).
 */

export const Role = {
  leader: 'leader',
  participant: 'participant',
  observer: 'observer',
} as const;
export type Role = (typeof Role)[keyof typeof Role];
export const ROLES = Object.values(Role) as readonly Role[];

/** waiting: created, people gather; open: the word moves; closed: the meeting is over. */
export const Phase = {
  waiting: 'waiting',
  open: 'open',
  closed: 'closed',
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

export const ErrorCode = {
  invalid_payload: 'invalid_payload',
  forbidden: 'forbidden',
  not_found: 'not_found',
  wrong_phase: 'wrong_phase',
  conflict: 'conflict',
  rate_limited: 'rate_limited',
  unsupported_protocol: 'unsupported_protocol',
  internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ProtocolError {
  code: ErrorCode;
  message: string;
}

export type ParticipantId = string;
export type MeetingId = string;

export interface MeetingSettings {
  /** Minutes before the end at which the leader warns the group (issue: closing warning). */
  closingWarningMinutes: number;
  /** When the holder is done, hand the stick straight to the head of the queue (rule S5). */
  autoPass: boolean;
  /** The group's own rules, shown and accepted before joining. */
  rules: string[];
  /** The leader may always be heard to facilitate (audio). */
  leaderAlwaysHeard: boolean;
  /** Seconds a dropped connection keeps its seat and queue place (rule S9). */
  graceSeconds: number;
  /** Planned length; the closing warning then comes by itself (rule C4). Null: no planned end. */
  durationMinutes: number | null;
}

/** The closing warning in progress (rules C1-C3): the meeting closes by itself at `endsAt`. */
export interface ClosingView {
  warnedAt: number;
  endsAt: number;
}

export interface ParticipantView {
  id: ParticipantId;
  name: string;
  role: Role;
  /** In the meeting: connected, or disconnected for less than the grace period. */
  present: boolean;
  /** Has a live connection right now (false during the grace period). */
  connected: boolean;
  /** Turns taken: the stick held and given back after speaking. */
  turns: number;
  /** Times the person chose not to speak when the stick came (rule S7: a right, not a failure). */
  passes: number;
}

export interface StickView {
  holderId: ParticipantId | null;
  /** Epoch ms at which the current holder received the stick. */
  since: number | null;
}

export interface RoundView {
  /** Participant ids in circle order; late arrivals are appended (rule S8). */
  order: ParticipantId[];
  /** Index in `order` of the person the stick is offered to now. */
  index: number;
}

/** The full snapshot every client receives after each change. `version` only goes up. */
export interface RoomSnapshot {
  version: number;
  meetingId: MeetingId;
  title: string;
  phase: Phase;
  participants: ParticipantView[];
  stick: StickView;
  queue: ParticipantId[];
  round: RoundView | null;
  settings: MeetingSettings;
  /** Set once the leader (or the planned duration) warned that the meeting is ending. */
  closing: ClosingView | null;
  /** Epoch ms of the planned end, for meetings with a duration, once started. */
  plannedEndAt: number | null;
  /** Server clock (epoch ms) when the snapshot was made, so clients can correct their clocks. */
  serverNow: number;
}

export const DEFAULT_RULES: readonly string[] = [
  'What is said here stays here.',
  'We speak from our own experience, in the first person.',
  'Everyone may pass: nobody has to speak.',
  'One person speaks at a time: the one holding the stick.',
  'No advice, comments or criticism of what another person shared.',
];
