/**
 * The pure room core: decide(state, command, ctx) -> { state, events } | { error }.
 * No I/O, no timers, no Date.now, no randomness: time and the actor come in through ctx.
 * Rule ids (S1...) refer to docs/rules.md.
 */
import type { ParticipantId, ProtocolError } from '@peer-circle/shared';
import { ALLOWED_ROLES, type Command, type Context, type MemberCommand, type RoomEvent, type TurnEnd } from './commands.ts';
import { autoWarnAt, type Participant, type RoomState } from './state.ts';

export const MAX_PARTICIPANTS = 100;

export type Decision =
  | { ok: true; state: RoomState; events: RoomEvent[]; changed: boolean }
  | { ok: false; error: ProtocolError };

const fail = (code: ProtocolError['code'], message: string): Decision => ({ ok: false, error: { code, message } });

/** A rejected command throws this inside a draft; decide() turns it into a Decision. */
class Rejection extends Error {
  constructor(readonly error: ProtocolError) {
    super(error.message);
  }
}
const reject = (code: ProtocolError['code'], message: string): never => {
  throw new Rejection({ code, message });
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
    }
    this.s.stick = { holderId: null, since: null };
    this.emit({ type: 'turnEnded', participantId: holderId, end });
    return holderId;
  }

  /** Gives the stick to `to`, ending the current holder's turn (S2: the holder is never queued). */
  give(to: ParticipantId | null, previousHolderId: ParticipantId | null = this.s.stick.holderId): void {
    if (this.s.stick.holderId !== null && this.s.stick.holderId !== to) this.endTurn('spoke');
    if (to !== null) {
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
    if (this.s.settings.autoPass && head) this.give(head.id, previousHolderId);
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
  depart(p: Participant, reason: 'left' | 'timedOut'): void {
    p.present = false;
    p.connId = null;
    p.disconnectedAt = null;
    this.dequeue(p.id);
    this.emit({ type: 'participantLeft', participantId: p.id, reason });
    if (this.s.stick.holderId === p.id) this.finishTurn('spoke');
  }

  /** S8: late arrivals join the end of a round in progress. */
  joinRound(p: Participant): void {
    if (this.s.round && p.role !== 'observer' && !this.s.round.order.includes(p.id)) this.s.round.order.push(p.id);
  }
}

function requirePhase(d: Draft, phases: RoomState['phase'][], message: string): void {
  if (!phases.includes(d.s.phase)) reject('wrong_phase', message);
}

const STICK_CLOSED = 'The meeting is not open: the stick moves only while it is open.';

function applyMember(d: Draft, actor: Participant, cmd: MemberCommand): void {
  if (!ALLOWED_ROLES[cmd.type].includes(actor.role)) {
    reject('forbidden', actor.role === 'observer' ? 'Observers listen: they do not take part in the word.' : 'Only the leader can do that.');
  }
  const s = d.s;
  switch (cmd.type) {
    case 'raiseHand': {
      requirePhase(d, ['open'], STICK_CLOSED); // S10
      if (s.stick.holderId === actor.id) reject('conflict', 'You already hold the stick.'); // S2
      if (d.isQueued(actor.id)) return; // S3
      s.counter += 1;
      s.queue.push({ id: actor.id, seq: s.counter });
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
      if (s.stick.holderId !== actor.id) reject('conflict', 'You do not hold the stick.');
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
        if (!head) reject('conflict', 'Nobody is waiting for the stick.');
        d.give(head!.id);
        return;
      }
      const target = d.find(cmd.to);
      if (!target) reject('not_found', 'There is nobody with that id in this meeting.');
      if (!d.canHold(target)) {
        reject('conflict', target!.role === 'observer' ? 'Observers do not hold the stick.' : 'That person is not in the meeting now.'); // S1, S6
      }
      if (s.stick.holderId === target!.id) reject('conflict', 'That person already holds the stick.');
      d.give(target!.id); // S6
      return;
    }
    case 'takeStick': {
      requirePhase(d, ['open'], STICK_CLOSED);
      if (s.stick.holderId === null) reject('conflict', 'The stick is already in the centre.');
      const previous = d.endTurn('spoke');
      d.emit({ type: 'stickPassed', holderId: null, previousHolderId: previous }); // S6
      return;
    }
    case 'startRound': {
      requirePhase(d, ['open'], STICK_CLOSED);
      if (s.round) reject('conflict', 'A round is already going.');
      const order = [...s.participants].sort((a, b) => a.seat - b.seat).filter((p) => d.canHold(p)).map((p) => p.id);
      if (order.length === 0) reject('conflict', 'Nobody is here to take part in a round.');
      s.round = { order, index: 0 };
      d.emit({ type: 'roundStarted', order: [...order] });
      d.offerRound(0, s.stick.holderId);
      return;
    }
    case 'endRound': {
      requirePhase(d, ['open'], STICK_CLOSED);
      if (!s.round) reject('conflict', 'There is no round going.');
      // The person speaking keeps the stick: nobody is cut off.
      s.round = null;
      d.emit({ type: 'roundEnded', completed: false });
      return;
    }
    case 'startMeeting': {
      requirePhase(d, ['waiting'], s.phase === 'open' ? 'The meeting has already started.' : 'The meeting has ended.');
      s.phase = 'open';
      if (s.settings.durationMinutes !== null) s.plannedEndAt = d.now + s.settings.durationMinutes * 60_000; // C4
      d.emit({ type: 'meetingStarted' });
      return;
    }
    case 'warnClosing': {
      requirePhase(d, ['open'], 'The meeting is not open.');
      if (s.closing) reject('conflict', 'The group has already been told the meeting is ending. You can extend it instead.');
      warn(d, cmd.minutes ?? s.settings.closingWarningMinutes, false); // C1
      return;
    }
    case 'extendMeeting': {
      requirePhase(d, ['open'], 'The meeting is not open.');
      const add = Math.round(cmd.minutes * 60_000);
      if (s.closing) s.closing = { ...s.closing, endsAt: s.closing.endsAt + add }; // C3
      else if (s.plannedEndAt !== null) s.plannedEndAt += add;
      else reject('conflict', 'The meeting has no end set yet: warn the group first.');
      d.emit({ type: 'meetingExtended', endsAt: s.closing?.endsAt ?? s.plannedEndAt! });
      return;
    }
    case 'closeMeeting': {
      requirePhase(d, ['waiting', 'open'], 'The meeting has already ended.');
      // C2: the product nudges the practice: warn a few minutes before closing, unless the
      // leader confirms. A meeting that never started may simply be called off.
      if (s.phase === 'open' && !s.closing && !cmd.force) {
        reject('wrong_phase', 'Warn the group before closing, so people can say what they have not said yet (or confirm to close now).');
      }
      close(d, false);
      return;
    }
    case 'leave': {
      d.depart(actor, 'left');
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
      if (s.phase === 'closed') reject('wrong_phase', 'This meeting has ended.');
      if (d.find(cmd.participantId)) reject('conflict', 'That seat is taken.');
      if (s.participants.filter((p) => p.present).length >= MAX_PARTICIPANTS) reject('conflict', 'The meeting is full.');
      s.counter += 1;
      const p: Participant = {
        id: cmd.participantId,
        name: cmd.name,
        role: cmd.role,
        seat: s.counter,
        present: true,
        connId: cmd.connId,
        disconnectedAt: null,
        turns: 0,
        passes: 0,
        resumeHash: cmd.resumeHash,
      };
      s.participants.push(p);
      d.joinRound(p);
      d.emit({ type: 'participantJoined', participantId: p.id, role: p.role });
      return;
    }
    case 'resume': {
      if (s.phase === 'closed') reject('wrong_phase', 'This meeting has ended.');
      const p = s.participants.find((x) => x.resumeHash === cmd.resumeHash);
      if (!p) reject('not_found', 'Your earlier seat could not be found.');
      // S9: a resume secret never grants another role than the link it was issued with.
      if (p!.role !== cmd.role) reject('forbidden', 'This link does not match your earlier seat.');
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
      const p = d.find(cmd.participantId);
      // A connection that was already replaced by a newer one changes nothing.
      if (!p || p.connId !== cmd.connId) return;
      p.connId = null;
      p.disconnectedAt = d.now;
      d.emit({ type: 'participantDisconnected', participantId: p.id });
      return;
    }
    case 'nodeLost': {
      for (const p of s.participants) {
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
  try {
    if (isMember(cmd)) {
      if (ctx.actor.kind !== 'member') return fail('forbidden', 'Only members send this command.');
      const actorId = ctx.actor.participantId;
      const actor = d.find(actorId);
      if (!actor || !actor.present) return fail('forbidden', 'Join the meeting first.');
      applyMember(d, actor, cmd);
    } else {
      applySystem(d, cmd);
    }
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
