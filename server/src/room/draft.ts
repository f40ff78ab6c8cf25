/**
 * The working copy of one decision and the helpers every rule family shares: giving and taking
 * the stick (S2, S4, S5, S8), seats (S9), the leader guard (F7). Rejections throw `Rejection`,
 * which decide() turns into a typed error; `reject` returns `never`, so TypeScript narrows after it.
 */
import {
  protocolError,
  type CommandName,
  type CommandOf,
  type CommandsOf,
  type ErrorKey,
  type ParticipantId,
  type ProtocolError,
  type Role,
  type RuleFamily,
} from '@peer-circle/shared';
import type { JoinChoices, RoomEvent, SystemCommand, SystemCommandType, TurnEnd } from './commands.ts';
import { isLeaderAway, isLeaderless, keeperOf, waitsForLeader, type LobbyEntry, type Participant, type RoomState } from './state.ts';

/** B1: how many people who could speak were pruned from `participants`. */
const prunedPeople = (s: RoomState): number =>
  (s.pruned?.spoke.length ?? 0) + Object.values(s.pruned?.silent ?? {}).reduce((a, n) => a + (n ?? 0), 0);

export const MAX_PARTICIPANTS = 100;
/** Bounds that keep one room's state small (it is committed whole on every change). */
export const MAX_LOBBY = 50;
export const MAX_SIGNS = 30;
export const MAX_NOTES = 500;
/**
 * B2: seats one meeting holds at most: present people (at most MAX_PARTICIPANTS) and the seats it
 * keeps for people who left (B1). Past it, new seats are refused (`meeting.seatsFull`).
 */
export const MAX_SEATS = 200;
/** B1: seats of people who left that wait for their grace period; the oldest is pruned beyond. */
export const MAX_DEPARTED = 20;

/** A rejected command throws this inside a draft; decide() turns it into a Decision. */
export class Rejection extends Error {
  constructor(readonly error: ProtocolError) {
    super(error.message);
  }
}

/** Refuses the command: nothing it did to the draft is kept. */
export function reject(code: ProtocolError['code'], key: ErrorKey): never {
  throw new Rejection(protocolError(code, key));
}

/** Mutable working copy of one decision. */
export class Draft {
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
    if (waitsForLeader(this.s)) {
      // F7: while the leader may still come back, the round waits at the next person.
      round.index = Math.min(index, round.order.length);
      if (this.s.stick.holderId === null) this.emit({ type: 'stickPassed', holderId: null, previousHolderId });
      return;
    }
    for (const [i, id] of round.order.entries()) {
      if (i < index || !this.canHold(this.find(id))) continue;
      round.index = i;
      this.give(id, previousHolderId);
      return;
    }
    // Everyone in the circle has been offered the stick: the round is complete.
    this.s.round = null;
    this.emit({ type: 'roundEnded', completed: true });
    this.afterTurnOutsideRound(previousHolderId);
  }

  afterTurnOutsideRound(previousHolderId: ParticipantId | null): void {
    const head = this.s.queue[0];
    // S5; F11: a leaderless group passes on by itself whatever the setting; F7: not while it waits.
    const autoPass = this.s.settings.autoPass || isLeaderless(this.s);
    if (autoPass && head && !waitsForLeader(this.s)) this.give(head.id, previousHolderId);
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
    // S13: someone who chose to leave may think again: their queue place waits a grace period.
    const place = this.s.queue.find((e) => e.id === p.id);
    p.leftQueue = reason === 'left' && place ? { seq: place.seq, since: place.since } : null;
    p.present = false;
    p.leftAt = this.now; // B1, S13
    p.connId = null;
    p.disconnectedAt = null;
    this.dequeue(p.id);
    this.emit({ type: 'participantLeft', participantId: p.id, reason });
    if (this.s.stick.holderId === p.id) this.finishTurn('spoke');
  }

  /**
   * F7: when the last connected leader or co-leader drops, the stick returns to the centre and
   * stays there while one may still come back (their grace period). F11: once nobody who leads
   * is in the meeting, the group carries on by itself; F12: the keeper's role ends with it.
   * decide() runs it after every command, so no command that may leave the meeting without a
   * leader (leaving, dropping, removal, hand-over, a grace period ending...) can forget it.
   */
  guardLeader(wasAway: boolean, wasLeaderless: boolean): void {
    const s = this.s;
    // F12: keeping the circle is for a leaderless meeting only; it ends when a leader is back
    // (they get everything back), when the keeper is gone, or when the meeting is not open.
    const keeper = keeperOf(s);
    if ((s.keeper ?? null) !== null && (!keeper || !keeper.present || !isLeaderless(s))) {
      s.keeper = null;
      this.emit({ type: 'keeperChanged', keeperId: null });
    }
    if (!isLeaderAway(s)) return;
    if (!wasAway) this.emit({ type: 'leaderAway' });
    if (waitsForLeader(s)) {
      if (s.stick.holderId !== null) this.finishTurn('spoke');
      return;
    }
    // F11: nobody leads any more: the group carries on. The speaker keeps the stick.
    if (!wasLeaderless) this.emit({ type: 'leaderlessBegan' });
    if (!keeper?.connId) this.carryOn();
  }

  /**
   * F11: with nobody to pass it, the stick never lies in the centre while someone waits: a round
   * offers it to its next person (or completes), otherwise the head of the queue gets it.
   * Changes nothing when nothing waits, so a command that changed nothing stays unchanged (S3).
   */
  carryOn(): void {
    const s = this.s;
    if (s.stick.holderId !== null) return;
    if (s.round) this.offerRound(s.round.index, null);
    else if (s.queue[0]) this.give(s.queue[0].id, null);
  }

  /** A seat the leader may act on: someone in the meeting's list who was not removed. */
  member(id: ParticipantId): Participant {
    const p = this.find(id);
    if (!p || p.removed) return reject('not_found', 'person.notFound');
    return p;
  }

  findLobby(id: ParticipantId): LobbyEntry | undefined {
    return this.s.lobby.find((e) => e.id === id);
  }

  /** A new seat in the circle (S9 seat order, O2 label). */
  seat(x: { id: ParticipantId; name: string; role: Role; resumeHash: string; connId: string | null; linkHash?: string | null | undefined } & JoinChoices): Participant {
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
      // B1: pruned seats still count, so no label is given twice.
      label:
        x.role === 'observer'
          ? `O${s.participants.filter((q) => q.role === 'observer').length + (s.pruned?.observers ?? 0) + 1}`
          : `P${s.participants.filter((q) => q.role !== 'observer').length + prunedPeople(s) + 1}`,
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
      // S12: only a leader link's seat is that link's (participant and observer links are shared).
      linkHash: x.role === 'leader' ? (x.linkHash ?? null) : null,
      leftAt: null,
      leftQueue: null,
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

  /**
   * S9, S12, S13: the seat is this connection's again (resumed, or its leader link opened anew):
   * an older connection is superseded; back in the meeting, the person joins a round in progress
   * and, within the grace period after choosing to leave, gets their queue place back.
   */
  restore(seat: Participant, connId: string): void {
    if (seat.connId !== null && seat.connId !== connId) {
      this.emit({ type: 'connectionSuperseded', participantId: seat.id, connId: seat.connId });
    }
    const wasPresent = seat.present;
    seat.present = true;
    seat.connId = connId;
    seat.disconnectedAt = null;
    if (!wasPresent) {
      this.joinRound(seat);
      const place = seat.leftQueue ?? null;
      const left = seat.leftAt ?? null;
      if (place && left !== null && this.now < left + this.s.settings.graceSeconds * 1000 && this.s.phase === 'open' && !this.isQueued(seat.id)) {
        // Its old number puts it back where it was (S4 order).
        this.s.queue.push({ id: seat.id, seq: place.seq, since: place.since });
        this.sortQueue();
      }
    }
    seat.leftAt = null;
    seat.leftQueue = null;
    this.emit({ type: 'participantResumed', participantId: seat.id, role: seat.role });
  }

  /** S8: late arrivals join the end of a round in progress. */
  joinRound(p: Participant): void {
    if (this.s.round && p.role !== 'observer' && !this.s.round.order.includes(p.id)) this.s.round.order.push(p.id);
  }
}

/** Refuses the command unless the meeting is in one of `phases`. */
export function requirePhase(d: Draft, phases: readonly RoomState['phase'][], key: ErrorKey): void {
  if (!phases.includes(d.s.phase)) reject('wrong_phase', key);
}

/** The stick moves only while the meeting is open (S10). */
export const STICK_CLOSED = 'stick.notOpen' satisfies ErrorKey;
/** Settings, agenda and leadership change until the meeting closes. */
export const NOT_CLOSED = 'meeting.ended' satisfies ErrorKey;

/** One member command's rule: changes the draft, or rejects. The actor is present (decide() checked). */
export type Handler<K extends CommandName> = (d: Draft, actor: Participant, cmd: CommandOf<K>) => void;
/** The handlers of one rule family's commands: exactly those the command table puts in it. */
export type FamilyHandlers<F extends RuleFamily> = { readonly [K in CommandsOf<F>]: Handler<K> };
/** Every member command's handler: what decide() dispatches over. */
export type CommandHandlers = { readonly [K in CommandName]: Handler<K> };
/** A command the server issues itself (joins, drops, deadlines). */
export type SystemHandler<K extends SystemCommandType> = (d: Draft, cmd: Extract<SystemCommand, { type: K }>) => void;
