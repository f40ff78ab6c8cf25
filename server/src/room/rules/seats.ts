/**
 * Seats (rule S9, and L1 for the lobby): taking a seat, restoring it with the resume secret,
 * leaving, dropped connections and their grace period. Joins come from the service, not from a
 * member's command: the service made the id and hashed the secret (the core has no randomness).
 * Seats of people who are gone are pruned, and a meeting holds a bounded number of them (B1, B2).
 * Tests: tests/unit/rules.test.ts (S9), tests/unit/flow.test.ts (L1), tests/unit/bounds.test.ts (B1, B2),
 * tests/unit/leaderless.test.ts (S12, S13).
 */
import type { ParticipantId, Role } from '@peer-circle/shared';
import type { SystemCommandType } from '../commands.ts';
import { MAX_DEPARTED, MAX_LOBBY, MAX_SEATS, reject, type Draft, type FamilyHandlers, type SystemHandler } from '../draft.ts';
import { pruneAt } from '../lifecycle.ts';
import type { Participant } from '../state.ts';
import { fireClosingDeadlines } from './closing.ts';

export const seats: FamilyHandlers<'seats'> = {
  leave(d, actor) {
    d.depart(actor, 'left');
    pruneSeats(d); // B1: at most MAX_DEPARTED seats wait
  },
};

/**
 * B1: takes a seat out of the state. What the statistics need stays, anonymous: the profile,
 * speaking time and turns of someone who held the stick, a count per profile of someone who never
 * did, a count of observers. Nothing else of the seat is kept: no id, name, label or time.
 */
function prune(d: Draft, p: Participant): void {
  const s = d.s;
  s.participants = s.participants.filter((x) => x.id !== p.id);
  const pruned = (s.pruned ??= { spoke: [], silent: {}, observers: 0 });
  if (p.role === 'observer') pruned.observers += 1;
  else if (p.turns > 0 || p.speakingMs > 0) {
    pruned.spoke.push({ profile: p.profile, speakingMs: p.speakingMs, turns: p.turns });
    // Sorted, so the list's order says nothing about who left when.
    pruned.spoke.sort((a, b) => a.speakingMs - b.speakingMs || a.turns - b.turns || String(a.profile).localeCompare(String(b.profile)));
  } else {
    const key = p.profile ?? 'none';
    pruned.silent[key] = (pruned.silent[key] ?? 0) + 1;
  }
  // The round skips people who left (S8); it forgets them here, keeping its place.
  const round = s.round;
  if (round) {
    const i = round.order.indexOf(p.id);
    if (i >= 0) {
      round.order.splice(i, 1);
      if (i < round.index) round.index -= 1;
    }
    round.deferred = round.deferred.filter((x) => x !== p.id);
  }
  s.signs = s.signs.filter((x) => x.from !== p.id);
  d.changed = true;
}

/**
 * B1: prunes the seats that are due (and `now`, e.g. those that just timed out), and beyond
 * MAX_DEPARTED seats waiting, the ones that left longest ago. `room` more seats are made free when
 * the state holds MAX_SEATS (B2), from those waiting, oldest first.
 */
function pruneSeats(d: Draft, now: ReadonlySet<ParticipantId> = new Set(), room = 0): void {
  const s = d.s;
  const waiting = s.participants
    .map((p) => ({ p, at: pruneAt(s, p) }))
    .filter((x): x is { p: Participant; at: number } => x.at !== null)
    .sort((a, b) => (a.p.leftAt ?? 0) - (b.p.leftAt ?? 0));
  const over = Math.max(waiting.length - MAX_DEPARTED, s.participants.length + room - MAX_SEATS);
  waiting.forEach(({ p, at }, i) => {
    if (i < over || at <= d.now || now.has(p.id)) prune(d, p);
  });
}

/** B2: a new seat fits, after pruning what may be pruned; otherwise the join is refused. */
export function makeRoomForSeat(d: Draft): void {
  pruneSeats(d, new Set(), 1);
  if (d.s.participants.length >= MAX_SEATS) reject('conflict', 'meeting.seatsFull');
}

/** S12: the seat a leader link was first used for, if this join comes with that link. */
function linkSeat(d: Draft, cmd: { role: Role; linkHash?: string | null }): Participant | undefined {
  if (cmd.role !== 'leader' || !cmd.linkHash) return undefined;
  return d.s.participants.find((p) => p.linkRole === 'leader' && p.linkHash === cmd.linkHash);
}

/**
 * S12: the leader link opened anew gives its seat back with the role the seat has now (after a
 * hand-over, a participant's: the link cannot take the role back), its name and counts. The new
 * secret replaces the old one, so the device that had the seat cannot take it back by
 * reconnecting; its connection is told it was superseded. A seat removed (L2) stays removed.
 */
function reclaim(d: Draft, seat: Participant, cmd: { resumeHash: string; connId: string }): void {
  if (seat.removed || d.s.barred.includes(seat.resumeHash)) reject('forbidden', 'join.barred');
  seat.resumeHash = cmd.resumeHash;
  d.restore(seat, cmd.connId);
}

/** The commands the server issues itself: joins, drops, deadlines. */
export const system: { readonly [K in SystemCommandType]: SystemHandler<K> } = {
  join(d, cmd) {
    const s = d.s;
    if (s.phase === 'closed') reject('wrong_phase', 'join.meetingEnded');
    if (d.find(cmd.participantId) || d.findLobby(cmd.participantId)) reject('conflict', 'join.seatTaken');
    // S12: one leader seat per leader link: opened again (any device, no secret) it is that seat.
    const own = linkSeat(d, cmd);
    if (own) return reclaim(d, own, cmd);
    const who = { id: cmd.participantId, name: cmd.name, role: cmd.role, resumeHash: cmd.resumeHash, connId: cmd.connId, linkHash: cmd.linkHash, profile: cmd.profile, namedToObservers: cmd.namedToObservers, inAttendance: cmd.inAttendance };
    if (s.settings.admission === 'leader-admits' && cmd.role !== 'leader') {
      // L1: everyone but leaders waits to be let in.
      if (s.lobby.length >= MAX_LOBBY) reject('conflict', 'lobby.full');
      s.lobby.push({ ...who, disconnectedAt: null, since: d.now, profile: cmd.profile ?? null, namedToObservers: cmd.namedToObservers ?? false, inAttendance: cmd.inAttendance ?? false });
      d.emit({ type: 'lobbyEntered', participantId: cmd.participantId });
      return;
    }
    makeRoomForSeat(d); // B1, B2
    const p = d.seat(who);
    d.emit({ type: 'participantJoined', participantId: p.id, role: p.role });
  },

  resume(d, cmd) {
    const s = d.s;
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
    const seat = s.participants.find((x) => x.resumeHash === cmd.resumeHash);
    if (!seat) {
      // S12: a secret the leader link's seat no longer knows: the link was opened on another
      // device since. A page that reconnects by itself must not take the seat back silently, so
      // it is told where the seat went; opening the link again (without the secret) takes it.
      if (linkSeat(d, cmd)) reject('not_found', 'join.seatElsewhere');
      return reject('not_found', 'join.seatGone');
    }
    // S9, F7: a resume secret needs the link it was issued with; it restores the seat's role
    // as it is now (a handed-over role stays handed over).
    if (seat.linkRole !== cmd.role) reject('forbidden', 'join.seatMismatch');
    d.restore(seat, cmd.connId);
  },

  disconnect(d, cmd) {
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
  },

  nodeLost(d, cmd) {
    for (const p of [...d.s.participants, ...d.s.lobby]) {
      if (p.connId !== null && p.connId.startsWith(`${cmd.nodeId}:`)) {
        p.connId = null;
        p.disconnectedAt = d.now;
        d.emit({ type: 'participantDisconnected', participantId: p.id });
      }
    }
  },

  /** Every deadline due at ctx.now: the closing ones (C3, C4), then grace periods (S9, L1). */
  tick(d) {
    const s = d.s;
    if (fireClosingDeadlines(d)) return;
    const graceMs = s.settings.graceSeconds * 1000;
    const timedOut = new Set<ParticipantId>();
    for (const p of s.participants) {
      if (p.present && p.disconnectedAt !== null && p.disconnectedAt + graceMs <= d.now) {
        d.depart(p, 'timedOut'); // S9
        timedOut.add(p.id);
      }
    }
    pruneSeats(d, timedOut); // B1: dropped past the grace period, or left a grace period ago
    for (const e of [...s.lobby]) {
      if (e.disconnectedAt !== null && e.disconnectedAt + graceMs <= d.now) {
        s.lobby = s.lobby.filter((x) => x.id !== e.id); // L1
        d.emit({ type: 'lobbyLeft', participantId: e.id, reason: 'timedOut' });
      }
    }
  },
};
