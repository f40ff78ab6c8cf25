/**
 * Seats (rule S9, and L1 for the lobby): taking a seat, restoring it with the resume secret,
 * leaving, dropped connections and their grace period. Joins come from the service, not from a
 * member's command: the service made the id and hashed the secret (the core has no randomness).
 * Tests: tests/unit/rules.test.ts (S9), tests/unit/flow.test.ts (L1), tests/unit/leaderless.test.ts (S12, S13).
 */
import type { Role } from '@peer-circle/shared';
import type { SystemCommandType } from '../commands.ts';
import { MAX_LOBBY, reject, type Draft, type FamilyHandlers, type SystemHandler } from '../draft.ts';
import type { Participant } from '../state.ts';
import { fireClosingDeadlines } from './closing.ts';

export const seats: FamilyHandlers<'seats'> = {
  leave(d, actor) {
    d.depart(actor, 'left');
  },
};

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
    for (const p of s.participants) {
      if (p.present && p.disconnectedAt !== null && p.disconnectedAt + graceMs <= d.now) d.depart(p, 'timedOut'); // S9
    }
    for (const e of [...s.lobby]) {
      if (e.disconnectedAt !== null && e.disconnectedAt + graceMs <= d.now) {
        s.lobby = s.lobby.filter((x) => x.id !== e.id); // L1
        d.emit({ type: 'lobbyLeft', participantId: e.id, reason: 'timedOut' });
      }
    }
  },
};
