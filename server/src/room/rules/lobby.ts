/**
 * The lobby and removal (rules L1, L2): letting people in, turning them away, removing someone.
 * Tests: tests/unit/flow.test.ts (L1, L2).
 */
import { leads } from '../state.ts';
import { NOT_CLOSED, reject, requirePhase, type FamilyHandlers } from '../draft.ts';
import { makeRoomForSeat } from './seats.ts';

export const lobby: FamilyHandlers<'lobby'> = {
  admit(d, _actor, cmd) {
    requirePhase(d, ['waiting', 'open'], NOT_CLOSED);
    const e = d.findLobby(cmd.participantId);
    if (!e) return reject('not_found', 'lobby.notFound');
    makeRoomForSeat(d); // B2
    d.admit(e); // L1
  },

  turnAway(d, _actor, cmd) {
    const s = d.s;
    const e = d.findLobby(cmd.participantId);
    if (!e) return reject('not_found', 'lobby.notFound');
    s.lobby = s.lobby.filter((x) => x.id !== e.id);
    s.barred.push(e.resumeHash); // L1
    if (e.connId !== null) d.emit({ type: 'connectionEnded', participantId: e.id, connId: e.connId, reason: 'turnedAway' });
    d.emit({ type: 'lobbyLeft', participantId: e.id, reason: 'left' });
  },

  removeParticipant(d, actor, cmd) {
    const t = d.member(cmd.participantId);
    if (t.id === actor.id) reject('conflict', 'remove.self');
    if (leads(t)) reject('conflict', 'remove.leader');
    // L2: no reason is stored; the seat cannot be resumed.
    const connId = t.connId;
    t.removed = true;
    t.checkIn = false;
    d.s.barred.push(t.resumeHash);
    if (t.present) d.depart(t, 'removed');
    else d.emit({ type: 'participantLeft', participantId: t.id, reason: 'removed' });
    if (connId !== null) d.emit({ type: 'connectionEnded', participantId: t.id, connId, reason: 'removed' });
  },
};
