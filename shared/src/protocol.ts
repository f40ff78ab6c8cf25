/**
 * The wire protocol, once: zod schemas for every client -> server payload (validated at the
 * server's edge), Socket.IO event maps for both directions, and the ack `Result` shape.
 * Documented in docs/protocol.md. Bump PROTOCOL_VERSION on any incompatible change.
 */
import { z } from 'zod';
import { ADMISSIONS, PROFILES, SIGN_KINDS, type ProtocolError, type RoomSnapshot, type Role, type ParticipantId } from './domain.ts';
import type { MediaClientToServerEvents, MediaServerToClientEvents } from './media-protocol.ts';
import type { GroupServerToClientEvents } from './groups.ts';

export const PROTOCOL_VERSION = 1;

export const LIMITS = {
  titleMax: 120,
  nameMax: 40,
  ruleMax: 280,
  rulesMax: 20,
  tokenMax: 64,
  idMax: 64,
  closingWarningMinutesMax: 60,
  durationMinutesMax: 600,
  shareTimerMinutesMax: 30,
  agendaItemsMax: 12,
  agendaItemMax: 140,
  noteMax: 2000,
  recommendationMax: 4000,
  feedbackTextMax: 1000,
  concernMax: 1000,
  /** Anonymous concerns one person may send in one meeting (spam guard; rule E3). */
  concernsPerPerson: 3,
} as const;

/** Trims and refuses control characters: names and titles are shown to everyone. */
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters');

const token = z.string().min(16).max(LIMITS.tokenMax).regex(/^[A-Za-z0-9_-]+$/, 'is not a valid link');
const id = z.string().min(1).max(LIMITS.idMax).regex(/^[A-Za-z0-9_-]+$/, 'is not a valid id');
const empty = z.object({}).strict();
/** Longer free text (notes, feedback): line breaks allowed, other control characters not; may be empty. */
const freeText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(s), 'must not contain control characters');
const longText = (max: number) => freeText(max).refine((s) => s.length > 0, 'must not be empty');
const score = z.number().int().min(1).max(5);
const shareTimer = z.number().int().min(1).max(LIMITS.shareTimerMinutesMax).nullable();
const admission = z.enum(ADMISSIONS as [string, ...string[]]).transform((a) => a as (typeof ADMISSIONS)[number]);
const rulesList = z.array(text(LIMITS.ruleMax)).max(LIMITS.rulesMax);

export const CreateMeetingBody = z
  .object({
    title: text(LIMITS.titleMax),
    closingWarningMinutes: z.number().int().min(1).max(LIMITS.closingWarningMinutesMax).optional(),
    autoPass: z.boolean().optional(),
    durationMinutes: z.number().int().min(5).max(LIMITS.durationMinutesMax).optional(),
    rules: rulesList.optional(),
    shareTimerMinutes: shareTimer.optional(),
    admission: admission.optional(),
    signsEnabled: z.boolean().optional(),
  })
  .strict();
export type CreateMeetingBody = z.infer<typeof CreateMeetingBody>;

export interface CreateMeetingResponse {
  meetingId: string;
  tokens: Record<Role, string>;
  links: Record<Role, string>;
}

/** What the join page may know before joining: never the participants. */
export const LookupBody = z.object({ token }).strict();
/** The leader's attendance summary (CSV); the leader token goes in the body, never the URL. */
export const AttendanceBody = z
  .object({
    token,
    /** With another role's link: the seat's resume secret, accepted while that seat leads (F7). */
    resume: z.string().min(16).max(LIMITS.tokenMax).regex(/^[A-Za-z0-9_-]+$/).optional(),
  })
  .strict();

export interface LookupResponse {
  meetingId: string;
  title: string;
  role: Role;
  phase: RoomSnapshot['phase'];
  rules: string[];
}

export const schemas = {
  join: z
    .object({
      token,
      name: text(LIMITS.nameMax),
      protocolVersion: z.number().int(),
      resume: z.string().min(16).max(LIMITS.tokenMax).regex(/^[A-Za-z0-9_-]+$/).optional(),
      /** Optional, for the attendance summary and the observers' balance (counted only). */
      profile: z.enum(PROFILES as [string, ...string[]]).transform((p) => p as (typeof PROFILES)[number]).optional(),
      /** The person agrees that observers see their name (else a label like "P3", rule O2). */
      namedToObservers: z.boolean().optional(),
      /** The person agrees to be named on the attendance summary (rule E4). */
      inAttendance: z.boolean().optional(),
    })
    .strict(),
  raiseHand: empty,
  lowerHand: empty,
  releaseStick: empty,
  declineStick: empty,
  passStick: z.object({ to: id.optional() }).strict(),
  takeStick: empty,
  startRound: empty,
  endRound: empty,
  startMeeting: empty,
  /** Minutes may be fractional (e.g. 0.5) so a short warning is possible; the UI offers whole minutes. */
  warnClosing: z.object({ minutes: z.number().min(0.05).max(LIMITS.closingWarningMinutesMax).optional() }).strict(),
  extendMeeting: z.object({ minutes: z.number().min(0.05).max(LIMITS.closingWarningMinutesMax) }).strict(),
  closeMeeting: z.object({ force: z.boolean().optional() }).strict(),
  leave: empty,
  deferTurn: empty,
  updateSettings: z
    .object({
      shareTimerMinutes: shareTimer.optional(),
      signsEnabled: z.boolean().optional(),
      admission: admission.optional(),
      autoPass: z.boolean().optional(),
    })
    .strict(),
  setRules: z.object({ rules: rulesList }).strict(),
  setAgenda: z.object({ items: z.array(z.object({ id: id.optional(), text: text(LIMITS.agendaItemMax) }).strict()).max(LIMITS.agendaItemsMax) }).strict(),
  setAgendaCurrent: z.object({ id: id.nullable() }).strict(),
  admit: z.object({ participantId: id }).strict(),
  turnAway: z.object({ participantId: id }).strict(),
  removeParticipant: z.object({ participantId: id }).strict(),
  handOver: z.object({ to: id }).strict(),
  setCoLeader: z.object({ participantId: id, on: z.boolean() }).strict(),
  sendSign: z.object({ kind: z.enum(SIGN_KINDS as [string, ...string[]]).transform((k) => k as (typeof SIGN_KINDS)[number]) }).strict(),
  askCheckIn: z.object({ on: z.boolean() }).strict(),
  addNote: z
    .object({
      scales: z
        .object({ atmosphere: score.nullable().optional(), interaction: score.nullable().optional(), together: score.nullable().optional(), productivity: score.nullable().optional() })
        .strict(),
      text: freeText(LIMITS.noteMax),
    })
    .strict(),
  deleteNote: z.object({ id }).strict(),
  saveRecommendation: z.object({ text: freeText(LIMITS.recommendationMax) }).strict(),
  publishRecommendation: empty,
  giveFeedback: z
    .object({ safe: score.optional(), heard: score.optional(), useful: score.optional(), text: longText(LIMITS.feedbackTextMax).optional() })
    .strict(),
  raiseConcern: z.object({ text: longText(LIMITS.concernMax) }).strict(),
} as const;

export type CommandName = Exclude<keyof typeof schemas, 'join'>;
export const COMMAND_NAMES = Object.keys(schemas).filter((k) => k !== 'join') as CommandName[];
export type Payload<K extends keyof typeof schemas> = z.infer<(typeof schemas)[K]>;

export type Ok<T = object> = { ok: true } & T;
export type Fail = { ok: false; error: ProtocolError };
export type Result<T = object> = Ok<T> | Fail;
export type Ack<T = object> = (result: Result<T>) => void;

export interface JoinResult {
  me: { id: ParticipantId; role: Role };
  /** Secret that restores this seat after a dropped connection (rule S9). Keep it private. */
  resume: string;
  /** Null while waiting in the lobby (rule L1): the room is not shown before the leader admits. */
  state: RoomSnapshot | null;
  /** True: waiting in the lobby. On `admitted`, send `join` again with `resume` to come in. */
  lobby: boolean;
  /** What only this person may know about their own seat (never in a shared snapshot). */
  mine: { checkIn: boolean; feedbackGiven: boolean; concernsLeft: number } | null;
}

/** Why the server ended a session on its side. */
export const EndReason = {
  superseded: 'superseded',
  left: 'left',
  /** The leader removed this person (rule L2). No reason is ever given to anyone. */
  removed: 'removed',
  /** The leader did not let this person in from the lobby (rule L1). */
  turnedAway: 'turnedAway',
} as const;
export type EndReason = (typeof EndReason)[keyof typeof EndReason];

export interface ClientToServerEvents extends MediaClientToServerEvents {
  join: (payload: Payload<'join'>, ack: Ack<JoinResult>) => void;
  raiseHand: (payload: Payload<'raiseHand'>, ack: Ack) => void;
  lowerHand: (payload: Payload<'lowerHand'>, ack: Ack) => void;
  releaseStick: (payload: Payload<'releaseStick'>, ack: Ack) => void;
  declineStick: (payload: Payload<'declineStick'>, ack: Ack) => void;
  passStick: (payload: Payload<'passStick'>, ack: Ack) => void;
  takeStick: (payload: Payload<'takeStick'>, ack: Ack) => void;
  startRound: (payload: Payload<'startRound'>, ack: Ack) => void;
  endRound: (payload: Payload<'endRound'>, ack: Ack) => void;
  startMeeting: (payload: Payload<'startMeeting'>, ack: Ack) => void;
  warnClosing: (payload: Payload<'warnClosing'>, ack: Ack) => void;
  extendMeeting: (payload: Payload<'extendMeeting'>, ack: Ack) => void;
  closeMeeting: (payload: Payload<'closeMeeting'>, ack: Ack) => void;
  leave: (payload: Payload<'leave'>, ack: Ack) => void;
  deferTurn: (payload: Payload<'deferTurn'>, ack: Ack) => void;
  updateSettings: (payload: Payload<'updateSettings'>, ack: Ack) => void;
  setRules: (payload: Payload<'setRules'>, ack: Ack) => void;
  setAgenda: (payload: Payload<'setAgenda'>, ack: Ack) => void;
  setAgendaCurrent: (payload: Payload<'setAgendaCurrent'>, ack: Ack) => void;
  admit: (payload: Payload<'admit'>, ack: Ack) => void;
  turnAway: (payload: Payload<'turnAway'>, ack: Ack) => void;
  removeParticipant: (payload: Payload<'removeParticipant'>, ack: Ack) => void;
  handOver: (payload: Payload<'handOver'>, ack: Ack) => void;
  setCoLeader: (payload: Payload<'setCoLeader'>, ack: Ack) => void;
  sendSign: (payload: Payload<'sendSign'>, ack: Ack) => void;
  askCheckIn: (payload: Payload<'askCheckIn'>, ack: Ack) => void;
  addNote: (payload: Payload<'addNote'>, ack: Ack) => void;
  deleteNote: (payload: Payload<'deleteNote'>, ack: Ack) => void;
  saveRecommendation: (payload: Payload<'saveRecommendation'>, ack: Ack) => void;
  publishRecommendation: (payload: Payload<'publishRecommendation'>, ack: Ack) => void;
  giveFeedback: (payload: Payload<'giveFeedback'>, ack: Ack) => void;
  raiseConcern: (payload: Payload<'raiseConcern'>, ack: Ack) => void;
}

export interface ServerToClientEvents extends MediaServerToClientEvents, GroupServerToClientEvents {
  state: (snapshot: RoomSnapshot) => void;
  /** This connection's session ended on the server's side (another tab took the seat...). */
  ended: (info: { reason: EndReason }) => void;
  /** The leader let this lobby connection in: send `join` again with the resume secret. */
  admitted: () => void;
}
