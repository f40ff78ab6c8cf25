/**
 * The end of the meeting (rules E2, E3): anonymous feedback and anonymous concerns. What the
 * end screen shows (E1) is built in state.ts. Tests: tests/unit/observe.test.ts (E rules).
 */
import { LIMITS } from '@peer-circle/shared';
import { reject, requirePhase, type FamilyHandlers } from '../draft.ts';

export const end: FamilyHandlers<'end'> = {
  giveFeedback(d, actor, cmd) {
    requirePhase(d, ['closed'], 'feedback.notYet');
    if (actor.feedbackGiven) reject('conflict', 'feedback.already');
    if (cmd.safe === undefined && cmd.heard === undefined && cmd.useful === undefined && !cmd.text) reject('invalid_payload', 'feedback.empty');
    // E2: only sums and counts; texts kept sorted so their order links nobody.
    const f = d.s.feedback;
    for (const k of ['safe', 'heard', 'useful'] as const) {
      const v = cmd[k];
      if (v !== undefined) f[k] = { sum: f[k].sum + v, n: f[k].n + 1 };
    }
    if (cmd.text) f.texts = [...f.texts, cmd.text].sort();
    f.count += 1;
    actor.feedbackGiven = true;
    d.emit({ type: 'feedbackGiven' });
  },

  raiseConcern(d, actor, cmd) {
    if (actor.concernsSent >= LIMITS.concernsPerPerson) reject('conflict', 'concern.limit');
    actor.concernsSent += 1;
    // E3: no author, no time; the id is only a position.
    d.s.concerns.push({ id: `c${d.s.concerns.length + 1}`, text: cmd.text });
    d.emit({ type: 'concernRaised' });
  },
};
