/**
 * The room's views as plain functions of a snapshot: who is in the circle, where I am in the
 * queue, what "pass to next" names, the countdowns. No rule is worked out here: what a person may
 * do next comes in their audience's snapshot (`leader.next`, `leader.passTargets`,
 * `round.mayDefer`); these functions only look things up and shape them for the screen.
 * RoomView (views.svelte.ts) holds them as `$derived`; tests/unit/client-views.test.ts tests them.
 */
import type { ClosingView, ParticipantId, ParticipantView, Phase, Role, RoomSnapshot, RoundView } from '@peer-circle/shared';

/** What "pass to next" would do right now, with the person to name on the button. */
export type NextStep = { kind: 'person'; person: ParticipantView } | { kind: 'roundEnd' } | { kind: 'nobody' };

export type PeopleById = ReadonlyMap<ParticipantId, ParticipantView>;

export function peopleById(snapshot: RoomSnapshot | null): PeopleById {
  return new Map((snapshot?.participants ?? []).map((p) => [p.id, p]));
}

/** People in the meeting now (including those reconnecting within the grace period). */
export function presentPeople(snapshot: RoomSnapshot | null): ParticipantView[] {
  return (snapshot?.participants ?? []).filter((p) => p.present);
}

/** The circle (leader and participants, in seat order) and the observers who listen apart. */
export function splitCircle(present: readonly ParticipantView[]): { circle: ParticipantView[]; observers: ParticipantView[] } {
  return { circle: present.filter((p) => p.role !== 'observer'), observers: present.filter((p) => p.role === 'observer') };
}

/** Ids to people, in the order given; ids of people the snapshot no longer lists are left out. */
export function lookUp(ids: readonly ParticipantId[], byId: PeopleById): ParticipantView[] {
  return ids.map((id) => byId.get(id)).filter((p): p is ParticipantView => p !== undefined);
}

/** 1-based place of `me` in the queue, or null when not waiting. */
export function queuePosition(snapshot: RoomSnapshot | null, me: ParticipantId | null): number | null {
  if (me === null) return null;
  const i = (snapshot?.queue ?? []).indexOf(me);
  return i === -1 ? null : i + 1;
}

/**
 * Leader, co-leader, or seated through the leaders' snapshot: has the leader's tools (rule F7).
 * The audience says it as soon as the snapshot comes; the role and flag say it after a hand-over.
 */
export function leadsNow(snapshot: RoomSnapshot | null, role: Role | null, self: ParticipantView | null): boolean {
  return snapshot?.audience === 'leader' || role === 'leader' || (self?.coLeader ?? false);
}

/**
 * Leader only: people in the circle who have not taken a turn yet (a quiet aid to make room for
 * every voice, never shown to others), without me. Empty for everyone else.
 */
export function notHeardYet(circle: readonly ParticipantView[], me: ParticipantId | null, isLeader: boolean): ParticipantView[] {
  return isLeader ? circle.filter((p) => p.turns === 0 && p.id !== me) : [];
}

/** "2 of 5" in a round: the person offered the stick now, counted from 1, never past the end. */
export function roundProgress(round: RoundView | null | undefined): { current: number; total: number } | null {
  if (!round) return null;
  return { current: Math.min(round.index + 1, round.order.length), total: round.order.length };
}

/** "Come back to me" is offered to me: the server names who may defer (rule F2). */
export function canDefer(snapshot: RoomSnapshot | null, me: ParticipantId | null): boolean {
  const may = snapshot?.round?.mayDefer ?? null;
  return me !== null && may === me;
}

/** What "pass to next" would do, as the leaders' snapshot says (rules S4, S8); nobody for other audiences. */
export function nextStep(snapshot: RoomSnapshot | null, byId: PeopleById): NextStep {
  const next = snapshot?.leader?.next;
  if (!next) return { kind: 'nobody' };
  switch (next.kind) {
    case 'person': {
      const person = byId.get(next.id);
      return person ? { kind: 'person', person } : { kind: 'nobody' };
    }
    case 'roundEnd':
    case 'nobody':
      return { kind: next.kind };
    default: {
      const never: never = next;
      return never;
    }
  }
}

/** Whom the leader may hand the stick to directly (rule S6), as the leaders' snapshot says. */
export function passTargets(snapshot: RoomSnapshot | null, byId: PeopleById): ParticipantView[] {
  return lookUp(snapshot?.leader?.passTargets ?? [], byId);
}

/** The closing warning in progress (rules C1-C3), only while the meeting is open. */
export function closingNow(phase: Phase | null, snapshot: RoomSnapshot | null): ClosingView | null {
  return phase === 'open' ? (snapshot?.closing ?? null) : null;
}

/** Milliseconds from `serverNow` until `at`, never below zero; null without a moment. */
export function msUntil(at: number | null, serverNow: number): number | null {
  return at === null ? null : Math.max(0, at - serverNow);
}

/**
 * The moment (server clock) a countdown on screen runs to: the closing warning's end, or the
 * planned end (the automatic warning's countdown ticks on the same seconds); null when nothing counts down (then the clock needs not tick).
 */
export function countdownEnd(snapshot: RoomSnapshot | null, ended: boolean): number | null {
  if (ended || snapshot?.phase !== 'open') return null;
  return snapshot.closing?.endsAt ?? snapshot.plannedEndAt;
}
