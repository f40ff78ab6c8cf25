/**
 * A room's life as data: how it starts, and the deadlines in it (closing C3/C4, grace periods
 * S9/L1) that any server's tick may fire. Stores index rooms by `nextDeadline`.
 */
import type { MeetingSettings, Role } from '@peer-circle/shared';
import type { FeedbackTally, Participant, RoomState } from './state.ts';

/**
 * The earliest time at which `tick` would change this room, or null. Stores index rooms by it so
 * any live server can fire the deadline (CONVENTIONS: deadlines are data in the state).
 */
export function nextDeadline(state: RoomState): number | null {
  let next: number | null = null;
  if (state.phase === 'open') {
    if (state.closing) next = state.closing.endsAt;
    else if (state.plannedEndAt !== null) next = autoWarnAt(state);
  }
  for (const p of state.participants) {
    if (p.present && p.disconnectedAt !== null) {
      const at = p.disconnectedAt + state.settings.graceSeconds * 1000;
      if (next === null || at < next) next = at;
    }
  }
  for (const e of state.lobby) {
    if (e.disconnectedAt !== null) {
      const at = e.disconnectedAt + state.settings.graceSeconds * 1000;
      if (next === null || at < next) next = at;
    }
  }
  for (const p of state.participants) {
    const at = pruneAt(state, p);
    if (at !== null && (next === null || at < next)) next = at;
  }
  return next;
}

/**
 * B1: a seat kept in the state while the meeting runs, even after its person left: it leads (or
 * was taken with the leader link), or holds something of the person's that outlives their
 * presence: a check-in asked for (F9), consent to the attendance list (E4), an observer's notes or
 * draft (O4, O6).
 */
export function keptSeat(state: RoomState, p: Participant): boolean {
  return (
    p.role === 'leader' ||
    p.coLeader ||
    p.linkRole === 'leader' ||
    p.checkIn ||
    p.inAttendance ||
    state.notes.some((n) => n.authorId === p.id) ||
    state.recommendations.some((r) => r.authorId === p.id)
  );
}

/**
 * B1: when a seat that is no longer in the meeting is pruned from the state: a removed one at
 * once, one that left a grace period after leaving (so "Go back in" still finds it); a seat that
 * timed out is pruned by the tick that times it out. Null: not (yet) to be pruned. Nothing is
 * pruned once the meeting closed (the closed meeting is deleted whole, E5).
 */
export function pruneAt(state: RoomState, p: Participant): number | null {
  if (state.phase === 'closed' || p.present || keptSeat(state, p)) return null;
  const leftAt = p.leftAt ?? 0;
  return p.removed ? leftAt : leftAt + state.settings.graceSeconds * 1000;
}

/** When a meeting with a planned end warns by itself (rule C4). */
export function autoWarnAt(state: RoomState): number | null {
  if (state.plannedEndAt === null) return null;
  return Math.max(state.plannedEndAt - state.settings.closingWarningMinutes * 60_000, 0);
}

export interface NewRoom {
  meetingId: string;
  title: string;
  settings: MeetingSettings;
  tokenHashes: Record<Role, string>;
  now: number;
  /** Agenda items to start with (rule F4). */
  agenda?: string[] | undefined;
}

/** A room as created: waiting for the leader to open it, nobody in it yet. */
export function createRoom(r: NewRoom): RoomState {
  // Own prefix: setAgenda numbers new items from the counter ("a<n>"), which must stay at 0 here
  // because seat numbers come from it too.
  const agenda = (r.agenda ?? []).map((text, i) => ({ id: `i${i + 1}`, text }));
  return {
    version: 1,
    meetingId: r.meetingId,
    title: r.title,
    phase: 'waiting',
    createdAt: r.now,
    startedAt: null,
    closedAt: null,
    settings: r.settings,
    participants: [],
    stick: { holderId: null, since: null },
    queue: [],
    round: null,
    closing: null,
    plannedEndAt: null,
    counter: 0,
    tokenHashes: r.tokenHashes,
    lobby: [],
    barred: [],
    agenda: { items: agenda, current: null },
    signs: [],
    notes: [],
    recommendations: [],
    feedback: emptyFeedback(),
    concerns: [],
  };
}

export function emptyFeedback(): FeedbackTally {
  return { count: 0, safe: { sum: 0, n: 0 }, heard: { sum: 0, n: 0 }, useful: { sum: 0, n: 0 }, texts: [] };
}
