/**
 * A room's life as data: how it starts, and the deadlines in it (closing C3/C4, grace periods
 * S9/L1) that any server's tick may fire. Stores index rooms by `nextDeadline`.
 */
import type { MeetingSettings, Role } from '@peer-circle/shared';
import type { FeedbackTally, RoomState } from './state.ts';

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
  return next;
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
