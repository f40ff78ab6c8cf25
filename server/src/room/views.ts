/**
 * What a person may do next, worked out on the server and sent in their audience's snapshot, so
 * the client shows it and never keeps a copy of a room rule (CONVENTIONS rule 9).
 *
 * Pure functions of the state, like decide(). tests/unit/views.test.ts checks each one against
 * what decide() actually does with the command it stands for, in many situations (rule ids there).
 */
import type { NextTurn, ParticipantId } from '@peer-circle/shared';
import type { Participant, RoomState } from './state.ts';

/** Could hold the stick now (S1: observers never do; S9: only people in the meeting). */
const canHold = (p: Participant | undefined): p is Participant => p !== undefined && p.present && p.role !== 'observer';

/**
 * What "pass to next" (passStick without `to`) does now (S4, S8): in a round, the stick goes to
 * the first present person from the round's place on (past the holder when the holder is the
 * round's current person), or the round is complete; outside a round, to the head of the queue
 * (kept in S4 order), or nobody is waiting and the command is refused.
 */
export function nextTurn(state: RoomState): NextTurn {
  if (state.phase !== 'open') return { kind: 'nobody' };
  const round = state.round;
  if (round) {
    const holderId = state.stick.holderId;
    const start = holderId !== null && round.order[round.index] === holderId ? round.index + 1 : round.index;
    const byId = new Map(state.participants.map((p) => [p.id, p]));
    for (let i = start; i < round.order.length; i++) {
      const id = round.order[i]!;
      if (canHold(byId.get(id))) return { kind: 'person', id };
    }
    return { kind: 'roundEnd' };
  }
  const head = state.queue[0];
  return head ? { kind: 'person', id: head.id } : { kind: 'nobody' };
}

/**
 * Who may say "come back to me" now (F2): the holder, while the round is offering them the stick
 * and they have not deferred in this round yet. Nobody else ever may, so one id says it for
 * every audience without telling anyone anything private.
 */
export function mayDefer(state: RoomState): ParticipantId | null {
  const round = state.round;
  const holderId = state.stick.holderId;
  if (state.phase !== 'open' || !round || holderId === null) return null;
  if (round.order[round.index] !== holderId || round.deferred.includes(holderId)) return null;
  return holderId;
}

/** Whom the leader may hand the stick to directly (S6): anyone present who may speak, but the holder; in circle order. */
export function passTargets(state: RoomState): ParticipantId[] {
  if (state.phase !== 'open') return [];
  return state.participants.filter((p) => canHold(p) && p.id !== state.stick.holderId).map((p) => p.id);
}
