/**
 * The talking stick (rules S1-S8, S10 of docs/rules.md): hands, releasing and declining, the
 * leader passing or taking back the stick, rounds. Tests: tests/unit/rules.test.ts.
 */
import { STICK_CLOSED, reject, requirePhase, type FamilyHandlers } from '../draft.ts';

export const stick: FamilyHandlers<'stick'> = {
  raiseHand(d, actor) {
    const s = d.s;
    requirePhase(d, ['open'], STICK_CLOSED); // S10
    if (s.stick.holderId === actor.id) reject('conflict', 'stick.alreadyHolding'); // S2
    if (d.isQueued(actor.id)) return; // S3
    s.counter += 1;
    s.queue.push({ id: actor.id, seq: s.counter, since: d.now });
    d.sortQueue();
    d.emit({ type: 'handRaised', participantId: actor.id });
  },

  lowerHand(d, actor) {
    requirePhase(d, ['open'], STICK_CLOSED);
    if (d.dequeue(actor.id)) d.emit({ type: 'handLowered', participantId: actor.id }); // S3
  },

  releaseStick(d, actor) {
    requirePhase(d, ['open'], STICK_CLOSED);
    if (d.s.stick.holderId !== actor.id) reject('conflict', 'stick.notHolder');
    d.finishTurn('spoke'); // S5
  },

  declineStick(d, actor) {
    requirePhase(d, ['open'], STICK_CLOSED);
    if (d.s.stick.holderId !== actor.id) reject('conflict', 'stick.notHolder');
    d.finishTurn('passed'); // S5, S7: a pass, never a failure
  },

  passStick(d, _actor, cmd) {
    const s = d.s;
    requirePhase(d, ['open'], STICK_CLOSED);
    if (cmd.to === undefined) {
      if (s.round) {
        // "Next" in a round moves the round on, as if the holder had finished.
        if (s.stick.holderId !== null) d.finishTurn('spoke');
        else d.offerRound(s.round.index, null);
        return;
      }
      const head = s.queue[0];
      if (!head) return reject('conflict', 'stick.nobodyWaiting');
      d.give(head.id);
      return;
    }
    const target = d.find(cmd.to);
    if (!target) return reject('not_found', 'person.notFound');
    if (target.role === 'observer') reject('conflict', 'stick.observer'); // S1
    if (!target.present) reject('conflict', 'person.notPresent'); // S6
    if (s.stick.holderId === target.id) reject('conflict', 'stick.alreadyHeld');
    d.give(target.id); // S6
  },

  takeStick(d) {
    requirePhase(d, ['open'], STICK_CLOSED);
    if (d.s.stick.holderId === null) reject('conflict', 'stick.inCentre');
    const previous = d.endTurn('spoke');
    d.emit({ type: 'stickPassed', holderId: null, previousHolderId: previous }); // S6
  },

  startRound(d) {
    const s = d.s;
    requirePhase(d, ['open'], STICK_CLOSED);
    if (s.round) reject('conflict', 'round.alreadyGoing');
    const order = [...s.participants].sort((a, b) => a.seat - b.seat).filter((p) => d.canHold(p)).map((p) => p.id);
    if (order.length === 0) reject('conflict', 'round.nobody');
    s.round = { order, index: 0, deferred: [] };
    d.emit({ type: 'roundStarted', order: [...order] });
    d.offerRound(0, s.stick.holderId); // S8
  },

  endRound(d) {
    const s = d.s;
    requirePhase(d, ['open'], STICK_CLOSED);
    if (!s.round) reject('conflict', 'round.none');
    // The person speaking keeps the stick: nobody is cut off.
    s.round = null;
    d.emit({ type: 'roundEnded', completed: false });
  },
};
