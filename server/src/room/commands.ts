/**
 * What can happen to a room: commands (imperative, from people or the system) and the events
 * (past tense) a decision produces. Lifecycles are unions keyed on `type` (CONVENTIONS rule 3).
 */
import type { Admission, ParticipantId, Profile, Role, Scales, SignKind } from '@peer-circle/shared';

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
  | { type: 'leave' }
  | { type: 'deferTurn' }
  | {
      type: 'updateSettings';
      shareTimerMinutes?: number | null | undefined;
      signsEnabled?: boolean | undefined;
      admission?: Admission | undefined;
      autoPass?: boolean | undefined;
    }
  | { type: 'setRules'; rules: string[] }
  | { type: 'setAgenda'; items: { id?: string | undefined; text: string }[] }
  | { type: 'setAgendaCurrent'; id: string | null }
  | { type: 'admit'; participantId: ParticipantId }
  | { type: 'turnAway'; participantId: ParticipantId }
  | { type: 'removeParticipant'; participantId: ParticipantId }
  | { type: 'handOver'; to: ParticipantId }
  | { type: 'setCoLeader'; participantId: ParticipantId; on: boolean }
  | { type: 'sendSign'; kind: SignKind }
  | { type: 'askCheckIn'; on: boolean }
  | { type: 'addNote'; scales: Partial<Record<keyof Scales, number | null | undefined>>; text: string }
  | { type: 'deleteNote'; id: string }
  | { type: 'saveRecommendation'; text: string }
  | { type: 'publishRecommendation' }
  | { type: 'giveFeedback'; safe?: number | undefined; heard?: number | undefined; useful?: number | undefined; text?: string | undefined }
  | { type: 'raiseConcern'; text: string };

/** What a person chose at joining (all optional; rules O2, E4). */
export interface JoinChoices {
  profile?: Profile | undefined;
  namedToObservers?: boolean | undefined;
  inAttendance?: boolean | undefined;
}

/** Commands the server issues on people's behalf or by itself. */
export type SystemCommand =
  /** A new seat. Id and resume hash are made by the service (the core has no randomness). */
  | ({ type: 'join'; participantId: ParticipantId; name: string; role: Role; resumeHash: string; connId: string } & JoinChoices)
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
  | { type: 'signSent'; kind: SignKind }
  | { type: 'checkInChanged' }
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
  deferTurn: ['leader', 'participant'],
  updateSettings: ['leader'],
  setRules: ['leader'],
  setAgenda: ['leader'],
  setAgendaCurrent: ['leader'],
  admit: ['leader'],
  turnAway: ['leader'],
  removeParticipant: ['leader'],
  handOver: ['leader'],
  setCoLeader: ['leader'],
  sendSign: ['leader', 'participant'],
  askCheckIn: ['participant'],
  addNote: ['observer'],
  deleteNote: ['observer'],
  saveRecommendation: ['observer'],
  publishRecommendation: ['observer'],
  giveFeedback: ['leader', 'participant'],
  raiseConcern: ['participant'],
};

/** Leader commands a co-leader may not use: the role itself stays with the leader (rule F7). */
export const LEADER_ONLY: ReadonlySet<MemberCommand['type']> = new Set(['handOver', 'setCoLeader']);
