/**
 * Opening and closing the meeting (rules C1-C5, S10): the start, the closing warning, extending,
 * closing, and the deadlines the tick fires. Tests: tests/unit/closing.test.ts.
 */
import { autoWarnAt } from '../lifecycle.ts';
import { reject, requirePhase, type Draft, type FamilyHandlers } from '../draft.ts';

export const closing: FamilyHandlers<'closing'> = {
  startMeeting(d) {
    const s = d.s;
    requirePhase(d, ['waiting'], s.phase === 'open' ? 'meeting.alreadyStarted' : 'meeting.ended');
    s.phase = 'open';
    s.startedAt = d.now;
    if (s.settings.durationMinutes !== null) s.plannedEndAt = d.now + s.settings.durationMinutes * 60_000; // C4
    d.emit({ type: 'meetingStarted' });
  },

  warnClosing(d, _actor, cmd) {
    const s = d.s;
    requirePhase(d, ['open'], 'meeting.notOpen');
    if (s.closing) reject('conflict', 'closing.alreadyWarned');
    warn(d, cmd.minutes ?? s.settings.closingWarningMinutes, false); // C1
  },

  extendMeeting(d, _actor, cmd) {
    const s = d.s;
    requirePhase(d, ['open'], 'meeting.notOpen');
    const add = Math.round(cmd.minutes * 60_000);
    let endsAt: number;
    if (s.closing) endsAt = s.closing.endsAt += add; // C3
    else if (s.plannedEndAt !== null) endsAt = s.plannedEndAt += add; // C4
    else return reject('conflict', 'closing.noEnd');
    d.emit({ type: 'meetingExtended', endsAt });
  },

  closeMeeting(d, _actor, cmd) {
    const s = d.s;
    requirePhase(d, ['waiting', 'open'], 'meeting.alreadyEnded');
    // C2: the product nudges the practice: warn a few minutes before closing, unless the
    // leader confirms. A meeting that never started may simply be called off.
    if (s.phase === 'open' && !s.closing && !cmd.force) reject('wrong_phase', 'closing.warnFirst');
    close(d, false);
  },
};

/** C3, C4: the deadlines of an open meeting, fired by the tick on any server. True when it closed. */
export function fireClosingDeadlines(d: Draft): boolean {
  const s = d.s;
  if (s.phase !== 'open') return false;
  const warnAt = autoWarnAt(s);
  if (!s.closing && warnAt !== null && s.plannedEndAt !== null && warnAt <= d.now) {
    warn(d, (s.plannedEndAt - d.now) / 60_000, true); // C4
  }
  if (s.closing && s.closing.endsAt <= d.now) {
    close(d, true); // C3
    return true;
  }
  return false;
}

/** C1: the closing warning: a deadline in the state, fired by the tick on any server. */
function warn(d: Draft, minutes: number, automatic: boolean): void {
  const endsAt = d.now + Math.max(0, Math.round(minutes * 60_000));
  d.s.closing = { warnedAt: d.now, endsAt };
  d.s.plannedEndAt = null;
  // C5: during the warning people who have not spoken yet are offered the stick first (the S4
  // order already puts them ahead; sorting again keeps it exact).
  d.sortQueue();
  d.emit({ type: 'closingWarned', endsAt, automatic });
}

/** S10, C3: closing ends the speaker's turn (it counts), empties the queue and the lobby. */
function close(d: Draft, automatic: boolean): void {
  const s = d.s;
  const previous = d.endTurn('spoke');
  if (previous !== null) d.emit({ type: 'stickPassed', holderId: null, previousHolderId: previous });
  s.queue = [];
  s.round = null;
  // Nobody can be let in any more: the lobby is told, without being barred.
  for (const e of s.lobby) {
    if (e.connId !== null) d.emit({ type: 'connectionEnded', participantId: e.id, connId: e.connId, reason: 'turnedAway' });
  }
  s.lobby = [];
  s.signs = [];
  s.phase = 'closed';
  s.closedAt = d.now;
  s.closing = null;
  s.plannedEndAt = null;
  d.emit({ type: 'meetingClosed', automatic });
}
