/**
 * What can happen to a room: commands (imperative, from people or the system) and the events
 * (past tense) a decision produces. Lifecycles are unions keyed on `type` (CONVENTIONS rule 3).
 */
import type { ParticipantId, Role } from '@peer-circle/shared';

/** Commands sent by a member through the protocol (after validation). */
export type MemberCommand =
  | { type: 'raiseHand' }
  | { type: 'lowerHand' }
  | { type: 'releaseStick' }
  | { type: 'declineStick' }
  | { type: 'passStick'; to?: ParticipantId | undefined }
  | { type: 'takeStick' }
  | { type: 'startRound' }
  | { type: 'endRound' }
  | { type: 'startMeeting' }
  | { type: 'warnClosing'; minutes?: number | undefined }
  | { type: 'extendMeeting'; minutes: number }
  | { type: 'closeMeeting'; force?: boolean | undefined }
  | { type: 'leave' };

/** Commands the server issues on people's behalf or by itself. */
export type SystemCommand =
  /** A new seat. Id and resume hash are made by the service (the core has no randomness). */
  | { type: 'join'; participantId: ParticipantId; name: string; role: Role; resumeHash: string; connId: string }
  /** A returning person presenting their resume secret (hashed). */
  | { type: 'resume'; resumeHash: string; role: Role; connId: string }
  | { type: 'disconnect'; participantId: ParticipantId; connId: string }
  /** A server process died: every connection it held is now a dropped connection. */
  | { type: 'nodeLost'; nodeId: string }
  /** Fire whatever deadlines are due at ctx.now. Idempotent. */
  | { type: 'tick' };

export type Command = MemberCommand | SystemCommand;
export type CommandType = Command['type'];

export type TurnEnd = 'spoke' | 'passed';

export type RoomEvent =
  | { type: 'participantJoined'; participantId: ParticipantId; role: Role }
  | { type: 'participantResumed'; participantId: ParticipantId; role: Role }
  | { type: 'connectionSuperseded'; participantId: ParticipantId; connId: string }
  | { type: 'participantDisconnected'; participantId: ParticipantId }
  | { type: 'participantLeft'; participantId: ParticipantId; reason: 'left' | 'timedOut' }
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

/** Which roles may send each member command (the authorisation matrix, tested in full). */
export const ALLOWED_ROLES: Record<MemberCommand['type'], readonly Role[]> = {
  raiseHand: ['leader', 'participant'],
  lowerHand: ['leader', 'participant'],
  releaseStick: ['leader', 'participant'],
  declineStick: ['leader', 'participant'],
  passStick: ['leader'],
  takeStick: ['leader'],
  startRound: ['leader'],
  endRound: ['leader'],
  startMeeting: ['leader'],
  warnClosing: ['leader'],
  extendMeeting: ['leader'],
  closeMeeting: ['leader'],
  leave: ['leader', 'participant', 'observer'],
};
