/**
 * The wire protocol, once: zod schemas for every client -> server payload (validated at the
 * server's edge), Socket.IO event maps for both directions, and the ack `Result` shape.
 * Documented in docs/protocol.md. Bump PROTOCOL_VERSION on any incompatible change.
 */
import { z } from 'zod';
import type { ProtocolError, RoomSnapshot, Role, ParticipantId } from './domain.ts';
import type { MediaClientToServerEvents, MediaServerToClientEvents } from './media-protocol.ts';

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

export const CreateMeetingBody = z
  .object({
    title: text(LIMITS.titleMax),
    closingWarningMinutes: z.number().int().min(1).max(LIMITS.closingWarningMinutesMax).optional(),
    autoPass: z.boolean().optional(),
    durationMinutes: z.number().int().min(5).max(LIMITS.durationMinutesMax).optional(),
    rules: z.array(text(LIMITS.ruleMax)).max(LIMITS.rulesMax).optional(),
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
  state: RoomSnapshot;
}

/** Why the server ended a session on its side. */
export const EndReason = {
  superseded: 'superseded',
  left: 'left',
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
}

export interface ServerToClientEvents extends MediaServerToClientEvents {
  state: (snapshot: RoomSnapshot) => void;
  /** This connection's session ended on the server's side (another tab took the seat...). */
  ended: (info: { reason: EndReason }) => void;
}
