/**
 * The wire protocol, once: zod schemas for every client -> server payload (validated at the
 * server's edge), Socket.IO event maps for both directions, and the ack `Result` shape.
 * Documented in docs/protocol.md. Bump PROTOCOL_VERSION on any incompatible change.
 */
import { z } from 'zod';
import type { ProtocolError, RoomSnapshot, Role, ParticipantId } from './domain.ts';
import { commandSchemas, type CommandName, type CommandPayload } from './commands.ts';
import { LIMITS, field } from './fields.ts';
import { LANGUAGES, type Language } from './locale-data/index.ts';
import type { MediaClientToServerEvents, MediaServerToClientEvents } from './media-protocol.ts';
import type { GroupServerToClientEvents } from './groups.ts';

export const PROTOCOL_VERSION = 1;

export { LIMITS } from './fields.ts';

const { text, token, secret, shareTimer, admission, rulesList } = field;

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
    /** The leader (and co-leaders) may be heard without the stick, to facilitate (A5, F10; default true). */
    leaderAlwaysHeard: z.boolean().optional(),
    /** The meeting's language (default 'en'): invitations, default rules and the attendance CSV. */
    language: z.enum(LANGUAGES as [Language, ...Language[]]).optional(),
    /** The agenda's items, in order (rule F4); used to open a meeting again in one step. */
    agenda: z.array(text(LIMITS.agendaItemMax)).max(LIMITS.agendaItemsMax).optional(),
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
    resume: secret.optional(),
  })
  .strict();

export interface LookupResponse {
  meetingId: string;
  title: string;
  role: Role;
  phase: RoomSnapshot['phase'];
  rules: string[];
  /** The meeting's language: the join page opens in it unless the person chose a language. */
  language: Language;
}

/** The `join` payload: a link, a name, and a resume secret when coming back (rule S9). */
export const JoinSchema = z
  .object({
    token,
    name: text(LIMITS.nameMax),
    protocolVersion: z.number().int(),
    resume: secret.optional(),
    /** Optional, for the attendance summary and the observers' balance (counted only). */
    profile: field.profile.optional(),
    /** The person agrees that observers see their name (else a label like "P3", rule O2). */
    namedToObservers: z.boolean().optional(),
    /** The person agrees to be named on the attendance summary (rule E4). */
    inAttendance: z.boolean().optional(),
  })
  .strict();

/** Every client -> server payload schema: `join` and the command table's (commands.ts). */
export const schemas = { join: JoinSchema, ...commandSchemas } as const;

/** A payload after validation, by event name (`join` or a command). */
export type Payload<K extends keyof typeof schemas> = K extends CommandName ? CommandPayload<K> : z.infer<typeof JoinSchema>;

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

/** One Socket.IO event per command of the table, each acked with a `Result`. */
export type CommandEvents = { [K in CommandName]: (payload: Payload<K>, ack: Ack) => void };

export interface ClientToServerEvents extends MediaClientToServerEvents, CommandEvents {
  join: (payload: Payload<'join'>, ack: Ack<JoinResult>) => void;
}

export interface ServerToClientEvents extends MediaServerToClientEvents, GroupServerToClientEvents {
  state: (snapshot: RoomSnapshot) => void;
  /** This connection's session ended on the server's side (another tab took the seat...). */
  ended: (info: { reason: EndReason }) => void;
  /** The leader let this lobby connection in: send `join` again with the resume secret. */
  admitted: () => void;
}
