/**
 * The server's full room state: the public snapshot plus what must never leave the server
 * (resume-secret hashes, token hashes, connection bookkeeping). Plain JSON so every store can
 * keep it as one value and commit it atomically with its version.
 */
import type { MeetingSettings, Phase, Role, RoomSnapshot, ParticipantId } from '@peer-circle/shared';

export interface Participant {
  id: ParticipantId;
  name: string;
  role: Role;
  /** Position in the circle: the order people arrived in, stable for the whole meeting. */
  seat: number;
  present: boolean;
  /** The connection currently holding this seat, `${nodeId}:${socketId}`; null when disconnected. */
  connId: string | null;
  /** Epoch ms when the last connection dropped; null while connected or after leaving. */
  disconnectedAt: number | null;
  turns: number;
  passes: number;
  /** sha256 of the resume secret given at joining (the secret itself is never stored). */
  resumeHash: string;
}

export interface QueueEntry {
  id: ParticipantId;
  /** Monotonic counter of raised hands: first come, first served (rule S4). */
  seq: number;
}

export interface RoomState {
  version: number;
  meetingId: string;
  title: string;
  phase: Phase;
  createdAt: number;
  closedAt: number | null;
  settings: MeetingSettings;
  participants: Participant[];
  stick: { holderId: ParticipantId | null; since: number | null };
  /** Kept sorted by the rule S4 order. */
  queue: QueueEntry[];
  round: { order: ParticipantId[]; index: number } | null;
  closing: { warnedAt: number; endsAt: number } | null;
  plannedEndAt: number | null;
  /** Source of `seq` for queue entries and of `seat` numbers. */
  counter: number;
  /** sha256 of the three capability tokens, so stores can expire them with the room. */
  tokenHashes: Record<Role, string>;
}

/** The public snapshot: what every member may see. */
export function toSnapshot(state: RoomState, now: number): RoomSnapshot {
  return {
    version: state.version,
    meetingId: state.meetingId,
    title: state.title,
    phase: state.phase,
    participants: state.participants.map((p) => ({
      id: p.id,
      name: p.name,
      role: p.role,
      present: p.present,
      connected: p.connId !== null,
      turns: p.turns,
      passes: p.passes,
    })),
    stick: { ...state.stick },
    queue: state.queue.map((e) => e.id),
    round: state.round ? { order: [...state.round.order], index: state.round.index } : null,
    closing: state.closing ? { ...state.closing } : null,
    plannedEndAt: state.plannedEndAt,
    settings: { ...state.settings, rules: [...state.settings.rules] },
    serverNow: now,
  };
}

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
}

/** A room as created: waiting for the leader to open it, nobody in it yet. */
export function createRoom(r: NewRoom): RoomState {
  return {
    version: 1,
    meetingId: r.meetingId,
    title: r.title,
    phase: 'waiting',
    createdAt: r.now,
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
  };
}
