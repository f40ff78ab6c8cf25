/**
 * The pure room core: decide(state, command, ctx) -> { state, events } | { error }.
 * No I/O, no timers, no Date.now, no randomness: time and the actor come in through ctx.
 * Rule ids (S1...) refer to docs/rules.md.
 */
import { LIMITS, SCALES, SIGN_FADE_MS, protocolError, type ErrorKey, type ParticipantId, type ProtocolError, type Role, type Scales } from '@peer-circle/shared';
import { ALLOWED_ROLES, LEADER_ONLY, type Command, type Context, type JoinChoices, type MemberCommand, type RoomEvent, type TurnEnd } from './commands.ts';
import { autoWarnAt, isLeaderAway, leads, type LobbyEntry, type Participant, type RoomState } from './state.ts';

export const MAX_PARTICIPANTS = 100;
/** Bounds that keep one room's state small (it is committed whole on every change). */
export const MAX_LOBBY = 50;
export const MAX_SIGNS = 30;
export const MAX_NOTES = 500;

export type Decision =
  | { ok: true; state: RoomState; events: RoomEvent[]; changed: boolean }
  | { ok: false; error: ProtocolError };

const fail = (code: ProtocolError['code'], key: ErrorKey): Decision => ({ ok: false, error: protocolError(code, key) });

/** A rejected command throws this inside a draft; decide() turns it into a Decision. */
class Rejection extends Error {
  constructor(readonly error: ProtocolError) {
    super(error.message);
  }
}
const reject = (code: ProtocolError['code'], key: ErrorKey): never => {
  throw new Rejection(protocolError(code, key));
};

/** Mutable working copy of one decision. */
class Draft {
  readonly events: RoomEvent[] = [];
  changed = false;
  constructor(
    readonly s: RoomState,
    readonly now: number,
  ) {}

  emit(e: RoomEvent): void {
    this.events.push(e);
    this.changed = true;
  }

  find(id: ParticipantId): Participant | undefined {
    return this.s.participants.find((p) => p.id === id);
  }

  isQueued(id: ParticipantId): boolean {
    return this.s.queue.some((e) => e.id === id);
  }

  /** Rule S4: not yet spoken first, then fewer turns, then first come first served. */
  sortQueue(): void {
    const turns = new Map(this.s.participants.map((p) => [p.id, p.turns]));
    this.s.queue.sort((a, b) => {
      const ta = turns.get(a.id) ?? 0;
      const tb = turns.get(b.id) ?? 0;
      return Number(ta > 0) - Number(tb > 0) || ta - tb || a.seq - b.seq;
    });
  }

  dequeue(id: ParticipantId): boolean {
    const before = this.s.queue.length;
    this.s.queue = this.s.queue.filter((e) => e.id !== id);
    return this.s.queue.length !== before;
  }

  /** The holder's turn ends; the stick is in the centre until someone gets it. */
  endTurn(end: TurnEnd): ParticipantId | null {
    const holderId = this.s.stick.holderId;
    if (holderId === null) return null;
    const holder = this.find(holderId);
    if (holder) {
      if (end === 'spoke') holder.turns += 1;
      else holder.passes += 1;
      if (this.s.stick.since !== null) holder.speakingMs += Math.max(0, this.now - this.s.stick.since); // O3
    }
    this.s.stick = { holderId: null, since: null };
    this.emit({ type: 'turnEnded', participantId: holderId, end });
    return holderId;
  }

  /** Gives the stick to `to`, ending the current holder's turn (S2: the holder is never queued). */
  give(to: ParticipantId | null, previousHolderId: ParticipantId | null = this.s.stick.holderId): void {
    if (this.s.stick.holderId !== null && this.s.stick.holderId !== to) this.endTurn('spoke');
    if (to !== null) {
      const waited = this.s.queue.find((e) => e.id === to);
      const p = this.find(to);
      if (waited && p) {
        // O3: the wait ends when the raised hand gets the stick.
        p.waitedMs += Math.max(0, this.now - waited.since);
        p.waits += 1;
      }
      this.dequeue(to);
      this.s.stick = { holderId: to, since: this.now };
    }
    this.sortQueue();
    this.emit({ type: 'stickPassed', holderId: to, previousHolderId });
  }

  canHold(p: Participant | undefined): p is Participant {
    return p !== undefined && p.present && p.role !== 'observer';
  }

  /** Rule S8: offer the stick to the first present person at or after `index` in the round. */
  offerRound(index: number, previousHolderId: ParticipantId | null): void {
    const round = this.s.round;
    if (!round) return;
    if (isLeaderAway(this.s)) {
      // F7: without a leader the round waits at the next person; the leader resumes it.
      round.index = Math.min(index, round.order.length);
      if (this.s.stick.holderId === null) this.emit({ type: 'stickPassed', holderId: null, previousHolderId });
      return;
    }
    for (let i = index; i < round.order.length; i++) {
      const id = round.order[i]!;
      if (this.canHold(this.find(id))) {
        round.index = i;
        this.give(id, previousHolderId);
        return;
      }
    }
    // Everyone in the circle has been offered the stick: the round is complete.
    this.s.round = null;
    this.emit({ type: 'roundEnded', completed: true });
    this.afterTurnOutsideRound(previousHolderId);
  }

  afterTurnOutsideRound(previousHolderId: ParticipantId | null): void {
    const head = this.s.queue[0];
    if (this.s.settings.autoPass && head && !isLeaderAway(this.s)) this.give(head.id, previousHolderId);
    else if (this.s.stick.holderId === null) this.emit({ type: 'stickPassed', holderId: null, previousHolderId });
  }

  /**
   * The holder is done (released, declined, left or timed out): S5 the stick returns to the
   * centre, or with autoPass goes to the head of the queue; S8 in a round it moves on.
   */
  finishTurn(end: TurnEnd): void {
    const round = this.s.round;
    const wasRoundTurn = round !== null && round.order[round.index] === this.s.stick.holderId;
    const previous = this.endTurn(end);
    this.sortQueue();
    if (round) this.offerRound(wasRoundTurn ? round.index + 1 : round.index, previous);
    else this.afterTurnOutsideRound(previous);
  }

  /** The person is no longer in the meeting (S9). */
  depart(p: Participant, reason: 'left' | 'timedOut' | 'removed'): void {
    p.present = false;
    p.connId = null;
    p.disconnectedAt = null;
    this.dequeue(p.id);
    this.emit({ type: 'participantLeft', participantId: p.id, reason });
    if (this.s.stick.holderId === p.id) this.finishTurn('spoke');
  }

  /**
   * F7: when the last connected leader or co-leader drops, the stick returns to the centre and
   * stays there until a leader is back. decide() runs it after every command, so no command that
   * may leave the meeting without a leader (leaving, dropping, removal, hand-over...) can forget it.
   */
  guardLeader(wasAway: boolean): void {
    if (!isLeaderAway(this.s)) return;
    if (this.s.stick.holderId !== null) this.finishTurn('spoke');
    if (!wasAway) this.emit({ type: 'leaderAway' });
  }

  /** A seat the leader may act on: someone in the meeting's list who was not removed. */
  member(id: ParticipantId): Participant {
    const p = this.find(id);
    if (!p || p.removed) reject('not_found', 'person.notFound');
    return p!;
  }

  findLobby(id: ParticipantId): LobbyEntry | undefined {
    return this.s.lobby.find((e) => e.id === id);
  }

  /** A new seat in the circle (S9 seat order, O2 label). */
  seat(x: { id: ParticipantId; name: string; role: Role; resumeHash: string; connId: string | null } & JoinChoices): Participant {
    const s = this.s;
    if (s.participants.filter((p) => p.present).length >= MAX_PARTICIPANTS) reject('conflict', 'meeting.full');
    s.counter += 1;
    const p: Participant = {
      id: x.id,
      name: x.name,
      role: x.role,
      seat: s.counter,
      present: true,
      connId: x.connId,
      disconnectedAt: x.connId === null ? this.now : null,
      turns: 0,
      passes: 0,
      resumeHash: x.resumeHash,
      linkRole: x.role,
      coLeader: false,
      // O2: people who can speak are P1, P2... with no gaps; observers (who see each other's
      // names anyway) are numbered apart.
      label: x.role === 'observer' ? `O${s.participants.filter((q) => q.role === 'observer').length + 1}` : `P${s.participants.filter((q) => q.role !== 'observer').length + 1}`,
      profile: x.profile ?? null,
      namedToObservers: x.namedToObservers ?? false,
      inAttendance: x.inAttendance ?? false,
      removed: false,
      speakingMs: 0,
      waitedMs: 0,
      waits: 0,
      checkIn: false,
      feedbackGiven: false,
      concernsSent: 0,
    };
    s.participants.push(p);
    this.joinRound(p);
    return p;
  }

  /** L1: from the lobby into the circle; the connection is told to join again. */
  admit(e: LobbyEntry): void {
    this.s.lobby = this.s.lobby.filter((x) => x.id !== e.id);
    const p = this.seat({ ...e, profile: e.profile ?? undefined });
    p.disconnectedAt = e.disconnectedAt;
    this.emit({ type: 'participantAdmitted', participantId: p.id, connId: e.connId });
  }

  /** S8: late arrivals join the end of a round in progress. */
  joinRound(p: Participant): void {
    if (this.s.round && p.role !== 'observer' && !this.s.round.order.includes(p.id)) this.s.round.order.push(p.id);
  }
}

function requirePhase(d: Draft, phases: RoomState['phase'][], key: ErrorKey): void {
  if (!phases.includes(d.s.phase)) reject('wrong_phase', key);
}

const STICK_CLOSED = 'stick.notOpen' satisfies ErrorKey;

function applyMember(d: Draft, actor: Participant, cmd: MemberCommand): void {
  const allowed = ALLOWED_ROLES[cmd.type];
  // F7: a co-leader has the leader's commands, except those that move the role itself.
  const asCoLeader = actor.coLeader && allowed.includes('leader') && !LEADER_ONLY.has(cmd.type);
  if (!allowed.includes(actor.role) && !asCoLeader) {
    reject('forbidden', forbiddenKey(actor, cmd.type));
  }
  const s = d.s;
  switch (cmd.type) {
    case 'raiseHand': {
      requirePhase(d, ['open'], STICK_CLOSED); // S10
      if (s.stick.holderId === actor.id) reject('conflict', 'stick.alreadyHolding'); // S2
      if (d.isQueued(actor.id)) return; // S3
      s.counter += 1;
      s.queue.push({ id: actor.id, seq: s.counter, since: d.now });
      d.sortQueue();
      d.emit({ type: 'handRaised', participantId: actor.id });
      return;
    }
    case 'lowerHand': {
      requirePhase(d, ['open'], STICK_CLOSED);
      if (d.dequeue(actor.id)) d.emit({ type: 'handLowered', participantId: actor.id }); // S3
      return;
    }
    case 'releaseStick':
    case 'declineStick': {
      requirePhase(d, ['open'], STICK_CLOSED);
      if (s.stick.holderId !== actor.id) reject('conflict', 'stick.notHolder');
      d.finishTurn(cmd.type === 'releaseStick' ? 'spoke' : 'passed'); // S5, S7
      return;
    }
    case 'passStick': {
      requirePhase(d, ['open'], STICK_CLOSED);
      if (cmd.to === undefined) {
        if (s.round) {
          // "Next" in a round moves the round on, as if the holder had finished.
          if (s.stick.holderId !== null) d.finishTurn('spoke');
          else d.offerRound(s.round.index, null);
          return;
        }
        const head = s.queue[0];
        if (!head) reject('conflict', 'stick.nobodyWaiting');
        d.give(head!.id);
        return;
      }
      const target = d.find(cmd.to);
      if (!target) reject('not_found', 'person.notFound');
      if (!d.canHold(target)) {
        reject('conflict', target!.role === 'observer' ? 'stick.observer' : 'person.notPresent'); // S1, S6
      }
      if (s.stick.holderId === target!.id) reject('conflict', 'stick.alreadyHeld');
      d.give(target!.id); // S6
      return;
    }
    case 'takeStick': {
      requirePhase(d, ['open'], STICK_CLOSED);
      if (s.stick.holderId === null) reject('conflict', 'stick.inCentre');
      const previous = d.endTurn('spoke');
      d.emit({ type: 'stickPassed', holderId: null, previousHolderId: previous }); // S6
      return;
    }
    case 'startRound': {
      requirePhase(d, ['open'], STICK_CLOSED);
      if (s.round) reject('conflict', 'round.alreadyGoing');
      const order = [...s.participants].sort((a, b) => a.seat - b.seat).filter((p) => d.canHold(p)).map((p) => p.id);
      if (order.length === 0) reject('conflict', 'round.nobody');
      s.round = { order, index: 0, deferred: [] };
      d.emit({ type: 'roundStarted', order: [...order] });
      d.offerRound(0, s.stick.holderId);
      return;
    }
    case 'endRound': {
      requirePhase(d, ['open'], STICK_CLOSED);
      if (!s.round) reject('conflict', 'round.none');
      // The person speaking keeps the stick: nobody is cut off.
      s.round = null;
      d.emit({ type: 'roundEnded', completed: false });
      return;
    }
    case 'startMeeting': {
      requirePhase(d, ['waiting'], s.phase === 'open' ? 'meeting.alreadyStarted' : 'meeting.ended');
      s.phase = 'open';
      s.startedAt = d.now;
      if (s.settings.durationMinutes !== null) s.plannedEndAt = d.now + s.settings.durationMinutes * 60_000; // C4
      d.emit({ type: 'meetingStarted' });
      return;
    }
    case 'warnClosing': {
      requirePhase(d, ['open'], 'meeting.notOpen');
      if (s.closing) reject('conflict', 'closing.alreadyWarned');
      warn(d, cmd.minutes ?? s.settings.closingWarningMinutes, false); // C1
      return;
    }
    case 'extendMeeting': {
      requirePhase(d, ['open'], 'meeting.notOpen');
      const add = Math.round(cmd.minutes * 60_000);
      if (s.closing) s.closing = { ...s.closing, endsAt: s.closing.endsAt + add }; // C3
      else if (s.plannedEndAt !== null) s.plannedEndAt += add;
      else reject('conflict', 'closing.noEnd');
      d.emit({ type: 'meetingExtended', endsAt: s.closing?.endsAt ?? s.plannedEndAt! });
      return;
    }
    case 'closeMeeting': {
      requirePhase(d, ['waiting', 'open'], 'meeting.alreadyEnded');
      // C2: the product nudges the practice: warn a few minutes before closing, unless the
      // leader confirms. A meeting that never started may simply be called off.
      if (s.phase === 'open' && !s.closing && !cmd.force) {
        reject('wrong_phase', 'closing.warnFirst');
      }
      close(d, false);
      return;
    }
    case 'leave': {
      d.depart(actor, 'left');
      return;
    }
    default:
      return applyFlow(d, actor, cmd);
  }
}

function forbiddenKey(actor: Participant, type: MemberCommand['type']): ErrorKey {
  if (LEADER_ONLY.has(type) && actor.coLeader) return 'forbidden.roleLeaderOnly';
  const allowed = ALLOWED_ROLES[type];
  if (actor.role === 'observer') return 'forbidden.observer';
  if (allowed.includes('observer') && allowed.length === 1) return 'forbidden.observersOnly';
  if (!allowed.includes('leader')) return 'forbidden.participantsOnly';
  return 'forbidden.leaderOnly';
}

const NOT_CLOSED = 'meeting.ended' satisfies ErrorKey;
const LIMITS_CONCERNS = LIMITS.concernsPerPerson;
type FlowCommand = Exclude<
  MemberCommand,
  { type: 'raiseHand' | 'lowerHand' | 'releaseStick' | 'declineStick' | 'passStick' | 'takeStick' | 'startRound' | 'endRound' | 'startMeeting' | 'warnClosing' | 'extendMeeting' | 'closeMeeting' | 'leave' }
>;

/** Rules F2-F9, L1-L2, O4-O6, E2-E3 (docs/rules.md). */
function applyFlow(d: Draft, actor: Participant, cmd: FlowCommand): void {
  const s = d.s;
  switch (cmd.type) {
    case 'deferTurn': {
      requirePhase(d, ['open'], STICK_CLOSED);
      const round = s.round;
      if (!round || s.stick.holderId !== actor.id || round.order[round.index] !== actor.id) {
        reject('conflict', 'round.deferNotYourTurn');
      }
      if (round!.deferred.includes(actor.id)) reject('conflict', 'round.deferredAlready');
      // F2: neither a turn nor a pass; the person moves to the end of the round, once.
      round!.order.splice(round!.index, 1);
      round!.order.push(actor.id);
      round!.deferred.push(actor.id);
      s.stick = { holderId: null, since: null };
      d.emit({ type: 'turnDeferred', participantId: actor.id });
      d.offerRound(round!.index, actor.id);
      return;
    }
    case 'updateSettings': {
      requirePhase(d, ['waiting', 'open'], NOT_CLOSED);
      const next = { ...s.settings };
      if (cmd.shareTimerMinutes !== undefined) next.shareTimerMinutes = cmd.shareTimerMinutes;
      if (cmd.signsEnabled !== undefined) next.signsEnabled = cmd.signsEnabled;
      if (cmd.admission !== undefined) next.admission = cmd.admission;
      if (cmd.autoPass !== undefined) next.autoPass = cmd.autoPass;
      if (JSON.stringify(next) === JSON.stringify(s.settings)) return;
      s.settings = next;
      if (!next.signsEnabled) s.signs = [];
      d.emit({ type: 'settingsChanged' });
      if (next.admission === 'open') for (const e of [...s.lobby]) d.admit(e); // F6
      return;
    }
    case 'setRules': {
      requirePhase(d, ['waiting'], 'rules.locked'); // F5
      if (JSON.stringify(cmd.rules) === JSON.stringify(s.settings.rules)) return;
      s.settings = { ...s.settings, rules: [...cmd.rules] };
      d.emit({ type: 'settingsChanged' });
      return;
    }
    case 'setAgenda': {
      requirePhase(d, ['waiting', 'open'], NOT_CLOSED);
      const known = new Set(s.agenda.items.map((i) => i.id));
      const used = new Set<string>();
      const items = cmd.items.map((i) => {
        let id = i.id;
        if (id === undefined || !known.has(id) || used.has(id)) {
          s.counter += 1;
          id = `a${s.counter}`;
        }
        used.add(id);
        return { id, text: i.text };
      });
      const current = s.agenda.current !== null && used.has(s.agenda.current) ? s.agenda.current : null; // F4
      if (JSON.stringify({ items, current }) === JSON.stringify(s.agenda)) return;
      s.agenda = { items, current };
      d.emit({ type: 'agendaChanged' });
      return;
    }
    case 'setAgendaCurrent': {
      requirePhase(d, ['waiting', 'open'], NOT_CLOSED);
      if (cmd.id !== null && !s.agenda.items.some((i) => i.id === cmd.id)) reject('not_found', 'agenda.itemGone');
      if (s.agenda.current === cmd.id) return;
      s.agenda = { ...s.agenda, current: cmd.id };
      d.emit({ type: 'agendaChanged' });
      return;
    }
    case 'admit': {
      requirePhase(d, ['waiting', 'open'], NOT_CLOSED);
      const e = d.findLobby(cmd.participantId);
      if (!e) reject('not_found', 'lobby.notFound');
      d.admit(e!); // L1
      return;
    }
    case 'turnAway': {
      const e = d.findLobby(cmd.participantId);
      if (!e) reject('not_found', 'lobby.notFound');
      s.lobby = s.lobby.filter((x) => x.id !== e!.id);
      s.barred.push(e!.resumeHash); // L1
      if (e!.connId !== null) d.emit({ type: 'connectionEnded', participantId: e!.id, connId: e!.connId, reason: 'turnedAway' });
      d.emit({ type: 'lobbyLeft', participantId: e!.id, reason: 'left' });
      return;
    }
    case 'removeParticipant': {
      const t = d.member(cmd.participantId);
      if (t.id === actor.id) reject('conflict', 'remove.self');
      if (leads(t)) reject('conflict', 'remove.leader');
      // L2: no reason is stored; the seat cannot be resumed.
      const connId = t.connId;
      t.removed = true;
      t.checkIn = false;
      s.barred.push(t.resumeHash);
      if (t.present) d.depart(t, 'removed');
      else d.emit({ type: 'participantLeft', participantId: t.id, reason: 'removed' });
      if (connId !== null) d.emit({ type: 'connectionEnded', participantId: t.id, connId, reason: 'removed' });
      return;
    }
    case 'handOver': {
      requirePhase(d, ['waiting', 'open'], NOT_CLOSED);
      const t = d.member(cmd.to);
      if (t.id === actor.id) reject('conflict', 'handOver.self');
      if (t.role === 'observer') reject('conflict', 'handOver.observer');
      if (!t.present) reject('conflict', 'person.notPresent');
      // F7: the role moves; the seat's link role does not (a resume needs the same link). If the
      // new leader's connection has dropped (grace period), nobody leads now: decide() guards.
      t.role = 'leader';
      t.coLeader = false;
      actor.role = 'participant';
      d.emit({ type: 'leadershipChanged', leaderId: t.id });
      return;
    }
    case 'setCoLeader': {
      requirePhase(d, ['waiting', 'open'], NOT_CLOSED);
      const t = d.member(cmd.participantId);
      if (t.role !== 'participant') reject('conflict', t.role === 'observer' ? 'coLeader.observer' : 'coLeader.leader');
      if (cmd.on && !t.present) reject('conflict', 'person.notPresent');
      if (t.coLeader === cmd.on) return;
      t.coLeader = cmd.on;
      d.emit({ type: 'leadershipChanged', leaderId: s.participants.find((p) => p.role === 'leader')?.id ?? null });
      return;
    }
    case 'sendSign': {
      requirePhase(d, ['open'], 'signs.notOpen');
      if (!s.settings.signsEnabled) reject('conflict', 'signs.off'); // F8
      s.counter += 1;
      s.signs = [...s.signs.filter((x) => x.at + SIGN_FADE_MS > d.now), { id: `s${s.counter}`, from: actor.id, kind: cmd.kind, at: d.now }].slice(-MAX_SIGNS);
      d.emit({ type: 'signSent', kind: cmd.kind });
      return;
    }
    case 'askCheckIn': {
      if (actor.checkIn === cmd.on) return; // F9
      actor.checkIn = cmd.on;
      d.emit({ type: 'checkInChanged' });
      return;
    }
    case 'addNote': {
      const scales = Object.fromEntries(SCALES.map((k) => [k, cmd.scales[k] ?? null])) as Scales;
      const text = cmd.text.trim();
      if (!text && SCALES.every((k) => scales[k] === null)) reject('invalid_payload', 'note.empty');
      if (s.notes.length >= MAX_NOTES) reject('conflict', 'note.full');
      const item = s.agenda.items.find((i) => i.id === s.agenda.current);
      s.counter += 1;
      // O4: timestamped and tagged with where the meeting was.
      s.notes.push({ id: `n${s.counter}`, authorId: actor.id, at: d.now, phase: s.phase, agendaItem: item?.text ?? null, scales, text });
      d.emit({ type: 'noteAdded' });
      return;
    }
    case 'deleteNote': {
      const note = s.notes.find((n) => n.id === cmd.id);
      if (!note) reject('not_found', 'note.gone');
      if (note!.authorId !== actor.id) reject('forbidden', 'note.notYours');
      s.notes = s.notes.filter((n) => n.id !== cmd.id);
      d.emit({ type: 'noteDeleted' });
      return;
    }
    case 'saveRecommendation': {
      const text = cmd.text.trim();
      const r = s.recommendations.find((x) => x.authorId === actor.id);
      if (r?.text === text) return;
      if (r) r.text = text; // O6: an edit after publishing updates what the group sees
      else s.recommendations.push({ authorId: actor.id, text, publishedAt: null });
      d.emit({ type: 'recommendationSaved' });
      return;
    }
    case 'publishRecommendation': {
      requirePhase(d, ['closed'], 'recommendation.notYet'); // O6
      const r = s.recommendations.find((x) => x.authorId === actor.id);
      if (!r || !r.text) reject('conflict', 'recommendation.empty');
      if (r!.publishedAt !== null) return;
      r!.publishedAt = d.now;
      d.emit({ type: 'recommendationPublished' });
      return;
    }
    case 'giveFeedback': {
      requirePhase(d, ['closed'], 'feedback.notYet');
      if (actor.feedbackGiven) reject('conflict', 'feedback.already');
      if (cmd.safe === undefined && cmd.heard === undefined && cmd.useful === undefined && !cmd.text) {
        reject('invalid_payload', 'feedback.empty');
      }
      // E2: only sums and counts; texts kept sorted so their order links nobody.
      const f = s.feedback;
      for (const k of ['safe', 'heard', 'useful'] as const) {
        const v = cmd[k];
        if (v !== undefined) f[k] = { sum: f[k].sum + v, n: f[k].n + 1 };
      }
      if (cmd.text) f.texts = [...f.texts, cmd.text].sort();
      f.count += 1;
      actor.feedbackGiven = true;
      d.emit({ type: 'feedbackGiven' });
      return;
    }
    case 'raiseConcern': {
      if (actor.concernsSent >= LIMITS_CONCERNS) reject('conflict', 'concern.limit');
      actor.concernsSent += 1;
      // E3: no author, no time; the id is only a position.
      s.concerns.push({ id: `c${s.concerns.length + 1}`, text: cmd.text });
      d.emit({ type: 'concernRaised' });
      return;
    }
    default:
      return assertNever(cmd);
  }
}

function applySystem(d: Draft, cmd: Exclude<Command, MemberCommand>): void {
  const s = d.s;
  switch (cmd.type) {
    case 'join': {
      if (s.phase === 'closed') reject('wrong_phase', 'join.meetingEnded');
      if (d.find(cmd.participantId) || d.findLobby(cmd.participantId)) reject('conflict', 'join.seatTaken');
      const who = { id: cmd.participantId, name: cmd.name, role: cmd.role, resumeHash: cmd.resumeHash, connId: cmd.connId, profile: cmd.profile, namedToObservers: cmd.namedToObservers, inAttendance: cmd.inAttendance };
      if (s.settings.admission === 'leader-admits' && cmd.role !== 'leader') {
        // L1: everyone but leaders waits to be let in.
        if (s.lobby.length >= MAX_LOBBY) reject('conflict', 'lobby.full');
        s.lobby.push({ ...who, disconnectedAt: null, since: d.now, profile: cmd.profile ?? null, namedToObservers: cmd.namedToObservers ?? false, inAttendance: cmd.inAttendance ?? false });
        d.emit({ type: 'lobbyEntered', participantId: cmd.participantId });
        return;
      }
      const p = d.seat(who);
      d.emit({ type: 'participantJoined', participantId: p.id, role: p.role });
      return;
    }
    case 'resume': {
      if (s.phase === 'closed') reject('wrong_phase', 'join.meetingEnded');
      if (s.barred.includes(cmd.resumeHash)) reject('forbidden', 'join.barred'); // L1, L2
      const waiting = s.lobby.find((x) => x.resumeHash === cmd.resumeHash);
      if (waiting) {
        if (waiting.role !== cmd.role) reject('forbidden', 'join.seatMismatch');
        if (waiting.connId !== null && waiting.connId !== cmd.connId) {
          d.emit({ type: 'connectionSuperseded', participantId: waiting.id, connId: waiting.connId });
        }
        waiting.connId = cmd.connId;
        waiting.disconnectedAt = null;
        d.emit({ type: 'lobbyEntered', participantId: waiting.id });
        return;
      }
      const p = s.participants.find((x) => x.resumeHash === cmd.resumeHash);
      if (!p) reject('not_found', 'join.seatGone');
      // S9, F7: a resume secret needs the link it was issued with; it restores the seat's role
      // as it is now (a handed-over role stays handed over).
      if (p!.linkRole !== cmd.role) reject('forbidden', 'join.seatMismatch');
      const seat = p!;
      if (seat.connId !== null && seat.connId !== cmd.connId) {
        d.emit({ type: 'connectionSuperseded', participantId: seat.id, connId: seat.connId });
      }
      const wasPresent = seat.present;
      seat.present = true;
      seat.connId = cmd.connId;
      seat.disconnectedAt = null;
      if (!wasPresent) d.joinRound(seat);
      d.emit({ type: 'participantResumed', participantId: seat.id, role: seat.role });
      return;
    }
    case 'disconnect': {
      const e = d.findLobby(cmd.participantId);
      if (e) {
        if (e.connId !== cmd.connId) return;
        e.connId = null;
        e.disconnectedAt = d.now;
        d.emit({ type: 'participantDisconnected', participantId: e.id });
        return;
      }
      const p = d.find(cmd.participantId);
      // A connection that was already replaced by a newer one changes nothing.
      if (!p || p.connId !== cmd.connId) return;
      p.connId = null;
      p.disconnectedAt = d.now;
      d.emit({ type: 'participantDisconnected', participantId: p.id });
      return;
    }
    case 'nodeLost': {
      for (const p of [...s.participants, ...s.lobby]) {
        if (p.connId !== null && p.connId.startsWith(`${cmd.nodeId}:`)) {
          p.connId = null;
          p.disconnectedAt = d.now;
          d.emit({ type: 'participantDisconnected', participantId: p.id });
        }
      }
      return;
    }
    case 'tick': {
      if (s.phase === 'open') {
        const warnAt = autoWarnAt(s);
        if (!s.closing && warnAt !== null && s.plannedEndAt !== null && warnAt <= d.now) {
          warn(d, (s.plannedEndAt - d.now) / 60_000, true); // C4
        }
        if (s.closing && s.closing.endsAt <= d.now) {
          close(d, true); // C3
          return;
        }
      }
      const graceMs = s.settings.graceSeconds * 1000;
      for (const p of s.participants) {
        if (p.present && p.disconnectedAt !== null && p.disconnectedAt + graceMs <= d.now) d.depart(p, 'timedOut'); // S9
      }
      for (const e of [...s.lobby]) {
        if (e.disconnectedAt !== null && e.disconnectedAt + graceMs <= d.now) {
          s.lobby = s.lobby.filter((x) => x.id !== e.id); // L1
          d.emit({ type: 'lobbyLeft', participantId: e.id, reason: 'timedOut' });
        }
      }
      return;
    }
    default:
      return assertNever(cmd);
  }
}

/** C1: the closing warning: a deadline in the state, fired by the tick on any server. */
function warn(d: Draft, minutes: number, automatic: boolean): void {
  const endsAt = d.now + Math.max(0, Math.round(minutes * 60_000));
  d.s.closing = { warnedAt: d.now, endsAt };
  d.s.plannedEndAt = null;
  // C5: during the warning people who have not spoken yet are offered the stick first (the S4
  // order already puts them ahead; sorting again keeps it exact).
  d.sortQueue();
  d.emit({ type: 'closingWarned', endsAt, automatic });
}

function close(d: Draft, automatic: boolean): void {
  const s = d.s;
  const previous = d.endTurn('spoke');
  if (previous !== null) d.emit({ type: 'stickPassed', holderId: null, previousHolderId: previous });
  s.queue = [];
  s.round = null;
  // Nobody can be let in any more: the lobby is told, without being barred.
  for (const e of s.lobby) {
    if (e.connId !== null) d.emit({ type: 'connectionEnded', participantId: e.id, connId: e.connId, reason: 'turnedAway' });
  }
  s.lobby = [];
  s.signs = [];
  s.phase = 'closed';
  s.closedAt = d.now;
  s.closing = null;
  s.plannedEndAt = null;
  d.emit({ type: 'meetingClosed', automatic });
}

function isMember(cmd: Command): cmd is MemberCommand {
  return cmd.type in ALLOWED_ROLES;
}

/** Decides one command. The input state is never modified. */
export function decide(state: RoomState, cmd: Command, ctx: Context): Decision {
  const d = new Draft(structuredClone(state), ctx.now);
  const wasAway = isLeaderAway(state);
  try {
    if (isMember(cmd)) {
      if (ctx.actor.kind !== 'member') return fail('forbidden', 'forbidden.membersOnly');
      const actorId = ctx.actor.participantId;
      const actor = d.find(actorId);
      if (!actor || !actor.present) return fail('forbidden', 'join.first');
      applyMember(d, actor, cmd);
    } else {
      applySystem(d, cmd);
    }
    d.guardLeader(wasAway); // F7
  } catch (e) {
    if (e instanceof Rejection) return { ok: false, error: e.error };
    throw e;
  }
  if (!d.changed) return { ok: true, state, events: [], changed: false };
  d.s.version = state.version + 1;
  return { ok: true, state: d.s, events: d.events, changed: true };
}

export function assertNever(x: never): never {
  throw new Error(`unexpected: ${JSON.stringify(x)}`);
}
