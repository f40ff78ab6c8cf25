/**
 * What can happen to a room: commands (imperative, from people or the system) and the events
 * (past tense) a decision produces. Lifecycles are unions keyed on `type` (CONVENTIONS rule 3).
 */
import type { MemberCommand, ParticipantId, Profile, Role, SignKind } from '@peer-circle/shared';

/** Commands sent by a member (after validation): derived from the command table in shared/. */
export type { MemberCommand, CommandName, CommandOf } from '@peer-circle/shared';
export { ALLOWED_ROLES, LEADER_ONLY } from '@peer-circle/shared';

/** What a person chose at joining (all optional; rules O2, E4). */
export interface JoinChoices {
  profile?: Profile | undefined;
  namedToObservers?: boolean | undefined;
  inAttendance?: boolean | undefined;
}

/** Commands the server issues on people's behalf or by itself. */
export type SystemCommand =
  /** A new seat. Id and resume hash are made by the service (the core has no randomness). */
  | ({ type: 'join'; participantId: ParticipantId; name: string; role: Role; resumeHash: string; connId: string; linkHash?: string | null } & JoinChoices)
  /** A returning person presenting their resume secret (hashed). */
  | { type: 'resume'; resumeHash: string; role: Role; connId: string; linkHash?: string | null }
  | { type: 'disconnect'; participantId: ParticipantId; connId: string }
  /** A server process died: every connection it held is now a dropped connection. */
  | { type: 'nodeLost'; nodeId: string }
  /** Fire whatever deadlines are due at ctx.now. Idempotent. */
  | { type: 'tick' };

export type Command = MemberCommand | SystemCommand;
export type CommandType = Command['type'];
export type SystemCommandType = SystemCommand['type'];

export type TurnEnd = 'spoke' | 'passed';

export type RoomEvent =
  | { type: 'participantJoined'; participantId: ParticipantId; role: Role }
  | { type: 'participantResumed'; participantId: ParticipantId; role: Role }
  | { type: 'connectionSuperseded'; participantId: ParticipantId; connId: string }
  | { type: 'participantDisconnected'; participantId: ParticipantId }
  | { type: 'participantLeft'; participantId: ParticipantId; reason: 'left' | 'timedOut' | 'removed' }
  /** Waiting in the lobby (rule L1). */
  | { type: 'lobbyEntered'; participantId: ParticipantId }
  | { type: 'lobbyLeft'; participantId: ParticipantId; reason: 'left' | 'timedOut' }
  /** The leader let a lobby connection in: the transport tells it to join again (`admitted`). */
  | { type: 'participantAdmitted'; participantId: ParticipantId; connId: string | null }
  /** The connection must be ended with this reason (turned away, removed). */
  | { type: 'connectionEnded'; participantId: ParticipantId; connId: string; reason: 'turnedAway' | 'removed' }
  | { type: 'turnDeferred'; participantId: ParticipantId }
  | { type: 'settingsChanged' }
  | { type: 'agendaChanged' }
  | { type: 'leadershipChanged'; leaderId: ParticipantId | null }
  | { type: 'leaderAway' }
  /** F11: no leader or co-leader is in the meeting any more; the group carries on by itself. */
  | { type: 'leaderlessBegan' }
  /** F12: someone keeps the circle now (or, null, nobody does any more). */
  | { type: 'keeperChanged'; keeperId: ParticipantId | null }
  | { type: 'signSent'; kind: SignKind }
  | { type: 'checkInChanged' }
  | { type: 'connectionReported' }
  | { type: 'noteAdded' }
  | { type: 'noteDeleted' }
  | { type: 'recommendationSaved' }
  | { type: 'recommendationPublished' }
  | { type: 'feedbackGiven' }
  | { type: 'concernRaised' }
  | { type: 'handRaised'; participantId: ParticipantId }
  | { type: 'handLowered'; participantId: ParticipantId }
  | { type: 'turnEnded'; participantId: ParticipantId; end: TurnEnd }
  /** The stick moved: to a person, or (holderId null) back to the centre. */
  | { type: 'stickPassed'; holderId: ParticipantId | null; previousHolderId: ParticipantId | null }
  | { type: 'roundStarted'; order: ParticipantId[] }
  | { type: 'roundEnded'; completed: boolean }
  | { type: 'meetingStarted' }
  | { type: 'closingWarned'; endsAt: number; automatic: boolean }
  | { type: 'meetingExtended'; endsAt: number }
  | { type: 'meetingClosed'; automatic: boolean };

/** Who is acting: a member of the room, or the server itself. */
export type Actor = { kind: 'member'; participantId: ParticipantId } | { kind: 'system' };

export interface Context {
  now: number;
  actor: Actor;
}
