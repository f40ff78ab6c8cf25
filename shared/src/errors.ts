/**
 * Every error the server sends, once: a stable key (`ErrorKey`) and its English text.
 *
 * The key travels with the error (`{code, key, message}`), so the client shows the text in the
 * person's language (`errors.<key>` in its i18n resources) and falls back to `message`, the
 * English below, when it does not know the key (an older page, a newer server). The wording was
 * written with care for the tone (shared/experience.md: warm, plain, says what to do): change it
 * here, and the English UI follows.
 *
 * Keys are `area.what`; new keys go under the area of the rule or component that refuses.
 */
import type { ErrorCode, ProtocolError } from './domain.ts';

export const ERRORS = {
  // --- any request ---------------------------------------------------------------------------
  /** A payload failed its zod schema; `message` then names the field and the problem. */
  'payload.invalid': 'The request was not understood.',
  /** An event name the server does not know; `message` then names it. */
  'payload.unknownEvent': 'The server does not know this request.',
  'request.tooLarge': 'The request is too large.',
  'request.badJson': 'The request body is not valid JSON.',
  'request.noEndpoint': 'No such API endpoint.',
  'rateLimit.slowDown': 'Too many requests; slow down a little.',
  'rateLimit.wait': 'Too many requests; please wait a minute.',
  'rateLimit.audio': 'Too many audio requests; slow down a little.',
  'internal.generic': 'Something went wrong on our side.',
  'internal.tryAgain': 'Something went wrong on our side. Please try again.',
  'protocol.outdated': 'This page is out of date. Please reload it.',

  // --- links and joining ---------------------------------------------------------------------
  'link.invalid': 'That is not a valid meeting link.',
  'link.unknown': 'This link does not work any more. Ask the leader for a new one.',
  'join.first': 'Join the meeting first.',
  'join.alreadyJoined': 'This connection has already joined a meeting.',
  'join.waitingInLobby': 'This connection is waiting in the lobby; join with your resume secret.',
  'join.otherMeeting': 'This connection is waiting to join another meeting.',
  'join.connectionClosed': 'The connection closed while joining.',
  'join.meetingEnded': 'This meeting has ended.',
  'join.seatTaken': 'That seat is taken.',
  'join.barred': 'You cannot come back to this meeting.',
  'join.seatMismatch': 'This link does not match your earlier seat.',
  'join.seatGone': 'Your earlier seat could not be found.',
  'lobby.wait': 'Please wait until the leader lets you in.',
  'lobby.full': 'Too many people are waiting to come in. Please try again in a moment.',
  'lobby.notFound': 'Nobody with that id is waiting to come in.',

  // --- the meeting ---------------------------------------------------------------------------
  'meeting.gone': 'This meeting does not exist any more.',
  'meeting.busy': 'The meeting is very busy; please try again.',
  'meeting.full': 'The meeting is full.',
  'meeting.notOpen': 'The meeting is not open.',
  'meeting.alreadyStarted': 'The meeting has already started.',
  'meeting.ended': 'The meeting has ended.',
  'meeting.alreadyEnded': 'The meeting has already ended.',
  'closing.alreadyWarned': 'The group has already been told the meeting is ending. You can extend it instead.',
  'closing.noEnd': 'The meeting has no end set yet: warn the group first.',
  'closing.warnFirst': 'Warn the group before closing, so people can say what they have not said yet (or confirm to close now).',
  'rules.locked': 'The rules can be changed only before the meeting starts.',

  // --- who may do what -----------------------------------------------------------------------
  'forbidden.membersOnly': 'Only members send this command.',
  'forbidden.leaderOnly': 'Only the leader can do that.',
  'forbidden.roleLeaderOnly': 'Only the leader can hand over the role or name co-leaders.',
  'forbidden.observer': 'Observers listen: they do not take part in the word.',
  'forbidden.observersOnly': 'Only observers can do that.',
  'forbidden.participantsOnly': 'This is for participants.',

  // --- the stick and rounds ------------------------------------------------------------------
  'stick.notOpen': 'The meeting is not open: the stick moves only while it is open.',
  'stick.alreadyHolding': 'You already hold the stick.',
  'stick.notHolder': 'You do not hold the stick.',
  'stick.nobodyWaiting': 'Nobody is waiting for the stick.',
  'stick.observer': 'Observers do not hold the stick.',
  'stick.alreadyHeld': 'That person already holds the stick.',
  'stick.inCentre': 'The stick is already in the centre.',
  'round.alreadyGoing': 'A round is already going.',
  'round.nobody': 'Nobody is here to take part in a round.',
  'round.none': 'There is no round going.',
  'round.deferNotYourTurn': '"Come back to me" is for your turn in a round.',
  'round.deferredAlready': 'You asked to come back once already in this round: you can speak or pass.',

  // --- people --------------------------------------------------------------------------------
  'person.notFound': 'There is nobody with that id in this meeting.',
  'person.notPresent': 'That person is not in the meeting now.',
  'remove.self': 'You cannot remove yourself; you can leave instead.',
  'remove.leader': 'A leader or co-leader cannot be removed. Take back the co-leader role first.',
  'handOver.self': 'You are already the leader.',
  'handOver.observer': 'Observers listen: the role goes to a participant.',
  'coLeader.observer': 'Observers listen: a co-leader is a participant.',
  'coLeader.leader': 'The leader already leads.',

  // --- agenda, signs, notes, feedback, concerns ----------------------------------------------
  'agenda.itemGone': 'That agenda item does not exist any more.',
  'signs.off': 'Signs are switched off for this meeting.',
  'signs.notOpen': 'Signs are for an open meeting.',
  'note.empty': 'A note needs at least one answer or some text.',
  'note.full': 'This meeting has as many notes as it can keep.',
  'note.gone': 'That note does not exist any more.',
  'note.notYours': 'You can delete only your own notes.',
  'recommendation.empty': 'Write your recommendations first.',
  'recommendation.notYet': 'Recommendations are shared with the group when the meeting has ended.',
  'feedback.notYet': 'The feedback form opens when the meeting has ended.',
  'feedback.already': 'You have already given your feedback. Thank you!',
  'feedback.empty': 'Answer at least one question, or write a few words.',
  'concern.limit': 'You have sent as many concerns as this meeting takes. You can also talk to the leader after the meeting.',

  // --- audio (media-protocol.ts) -------------------------------------------------------------
  /** MEDIA=false: this server runs meetings without audio. */
  'media.off': 'Audio is turned off on this server.',
  'media.unknownRequest': 'Unknown media request.',
  'media.closed': 'The media of this meeting has been closed.',
  'media.peerClosed': 'Your media was closed; start it again.',
  'media.reset': 'Your media was reset; start it again.',
  'media.restarting': 'Audio for this meeting is restarting. Try again.',
  'media.shuttingDown': 'Audio is shutting down on this server.',
  'media.internal': 'Something went wrong with audio. Try again.',
  'media.observer': 'Observers listen: they do not use a microphone here.',
  'media.noDtls': 'That transport does not use DTLS.',
  'media.badDtls': 'The DTLS parameters were not accepted.',
  'media.alreadyConnected': 'That transport is already connected.',
  'media.noIce': 'That transport does not use ICE.',
  'media.receiveOnly': 'That transport only receives.',
  'media.badRtp': 'These audio parameters are not supported.',
  'media.noProducer': 'There is no such microphone.',
  'media.noTransport': 'There is no such transport.',

  // --- groups that meet every week (G-rules) ---------------------------------------------------
  'group.leaderOnly': 'Only the group’s leader can do that.',
  'group.meetingOpen': 'A meeting of this group is already open. Close it before opening the next one.',
  'group.notYourDate': 'Your facilitator link is for another date.',
  'group.noMeeting': 'No meeting of this group is open now.',
  'group.datePast': 'That date has already passed. Choose today or a later day.',
  'group.outsideSeason': 'That date is outside the group’s season.',
  'group.dateNeeded': 'Choose the date of the meeting: this group has no weekly schedule.',
  'group.seasonOver': 'The season is over: there is no next meeting to hand over.',
  'group.rotaFull': 'The rota is full. Take back a date first.',
  'group.rotaNoDate': 'Nobody is facilitating on that date.',
  'group.seatObserver': 'Observers listen: facilitation goes to a participant.',
  'group.seatLeads': 'That person already leads with the group’s leader link.',
  'group.noSchedule': 'This group has no weekly schedule, so there is no calendar to add.',
  'group.seatOffline': 'That person is not connected right now, so their link cannot reach them. Try again when they are back.',

  // --- bounds of a meeting (B-rules) -----------------------------------------------------------
  /** B2: the meeting keeps as many seats as it can (present people and seats it must keep). */
  'meeting.seatsFull': 'This meeting cannot take any more new people. If you were here before, open your own link again; otherwise ask the leader.',
  /** B3: too many new seats from one network address in a short time. */
  'rateLimit.joins': 'Many people have just joined from your network. Please wait a minute and try again.',

  // --- a meeting without its leader (F11, F12) -----------------------------------------------
  'keeper.notLeaderless': 'The meeting has a leader now, so nobody needs to keep the circle.',
  'keeper.taken': 'Someone already keeps the circle until the leader is back.',
  /** S12: a resume secret the leader link's seat no longer knows: the link was opened elsewhere. */
  'join.seatElsewhere': 'Your leader seat is open in another browser or on another device now.',
} as const;
export type ErrorKey = keyof typeof ERRORS;
export const ERROR_KEYS = Object.keys(ERRORS) as ErrorKey[];

/**
 * Builds the error the server sends: `message` is the key's English text, or a more precise
 * English `detail` where the server has one (which field failed validation, which event name was
 * unknown). The client translates by key either way, so `detail` stays English-only.
 */
export function protocolError(code: ErrorCode, key: ErrorKey, detail?: string): ProtocolError {
  return { code, key, message: detail ?? ERRORS[key] };
}

/** True when `key` is one of ours (the client may get keys from a newer server). */
export function isErrorKey(key: unknown): key is ErrorKey {
  return typeof key === 'string' && Object.hasOwn(ERRORS, key);
}

/** What a failed schema says (zod's `error`, or anything shaped like it). */
export interface PayloadIssues {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}

/**
 * The English detail of a payload that failed its schema, the same at every edge (Socket.IO
 * commands, audio requests, the HTTP API): names the first field and what was wrong, never echoes
 * the input. The refusal is `protocolError('invalid_payload', 'payload.invalid', detail)`; with no
 * detail it says the key's own words. `whole` names the payload when the problem is not in one
 * field; `prefix` goes before the field (an audio request's name).
 */
export function payloadDetail(error: PayloadIssues, o: { whole?: string; prefix?: string } = {}): string | undefined {
  const first = error.issues[0];
  if (!first) return undefined;
  const path = first.path.map(String);
  const where = path.length === 0 ? (o.prefix ?? o.whole ?? 'request') : [...(o.prefix ? [o.prefix] : []), ...path].join('.');
  return `Invalid ${where}: ${first.message}.`;
}
