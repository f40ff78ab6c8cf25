/**
 * The client's room views (client/src/lib/room/views.ts), run on snapshots the real server core
 * makes: they only look up and shape what the audience's snapshot says, never re-decide a rule.
 */
import { describe, expect, it } from 'vitest';
import type { ParticipantView, RoomSnapshot } from '@peer-circle/shared';
import {
  canDefer,
  closingNow,
  countdownEnd,
  leadsNow,
  lookUp,
  msUntil,
  nextStep,
  notHeardYet,
  passTargets,
  peopleById,
  presentPeople,
  queuePosition,
  roundProgress,
  splitCircle,
} from '../../client/src/lib/room/views.ts';
import { extensionAmount, minutesLeft, speakMode } from '../../client/src/features/room/view.ts';
import { TestRoom } from '../helpers/room.ts';

const MIN = 60_000;
const ids = (people: readonly ParticipantView[]) => people.map((p) => p.id);

describe('people in the room', () => {
  it('[S9][O1] the circle is who is present and may speak, in seat order; observers listen apart', () => {
    const r = TestRoom.open(['ann', 'bob', 'cat']);
    r.join('oli', 'observer');
    r.ok('bob', { type: 'leave' });
    const s = r.snap('participant');
    const { circle, observers } = splitCircle(presentPeople(s));
    expect(ids(circle)).toEqual(['lead', 'ann', 'cat']);
    expect(ids(observers)).toEqual(['oli']);
    // Someone who left is still known by id (their past turns), just not in the circle.
    expect(peopleById(s).get('bob')?.present).toBe(false);
    expect(presentPeople(null)).toEqual([]);
  });

  it('[S4] the queue and my place in it are the server\'s order, looked up', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('ann', { type: 'raiseHand' });
    r.ok('lead', { type: 'passStick' });
    r.ok('ann', { type: 'releaseStick' });
    r.ok('ann', { type: 'raiseHand' });
    r.ok('bob', { type: 'raiseHand' });
    const s = r.snap('participant');
    expect(ids(lookUp(s.queue, peopleById(s)))).toEqual(['bob', 'ann']);
    expect(queuePosition(s, 'bob')).toBe(1);
    expect(queuePosition(s, 'ann')).toBe(2);
    expect(queuePosition(s, 'lead')).toBeNull();
    expect(queuePosition(s, null)).toBeNull();
    expect(queuePosition(null, 'ann')).toBeNull();
  });

  it('[F7] the leader\'s tools go to the leaders\' audience, the leader and co-leaders', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'setCoLeader', participantId: 'ann', on: true });
    const leaders = r.snap('leader');
    const participants = r.snap('participant');
    const byId = peopleById(participants);
    expect(leadsNow(leaders, 'participant', null)).toBe(true);
    expect(leadsNow(participants, 'participant', byId.get('ann')!)).toBe(true);
    expect(leadsNow(participants, 'leader', byId.get('lead')!)).toBe(true);
    expect(leadsNow(participants, 'participant', byId.get('bob')!)).toBe(false);
    expect(leadsNow(null, null, null)).toBe(false);
  });

  it('[C5] the leader\'s "not heard yet" aid: the circle without a turn, not me; nobody else sees it', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.join('oli', 'observer');
    r.ok('ann', { type: 'raiseHand' });
    r.ok('lead', { type: 'passStick' });
    r.ok('ann', { type: 'releaseStick' });
    const { circle } = splitCircle(presentPeople(r.snap('leader')));
    expect(ids(notHeardYet(circle, 'lead', true))).toEqual(['bob']);
    expect(notHeardYet(circle, 'bob', false)).toEqual([]);
  });
});

describe('what I may do next comes from the snapshot', () => {
  it('[S8] "pass to next" names the person the leaders\' snapshot names', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'startRound' });
    const s = r.snap('leader');
    const next = nextStep(s, peopleById(s));
    expect(next.kind === 'person' && next.person.id).toBe('ann');
    // Participants' snapshots carry no leader's choice: nothing to name.
    const p = r.snap('participant');
    expect(nextStep(p, peopleById(p))).toEqual({ kind: 'nobody' });
    expect(nextStep(null, new Map())).toEqual({ kind: 'nobody' });
  });

  it('[S8] at the end of a round it says the round will be complete; with no raised hand, nobody', () => {
    const r = TestRoom.open(['ann']);
    r.ok('lead', { type: 'startRound' });
    r.ok('lead', { type: 'passStick' });
    let s = r.snap('leader');
    expect(nextStep(s, peopleById(s))).toEqual({ kind: 'roundEnd' });
    r.ok('lead', { type: 'endRound' });
    s = r.snap('leader');
    expect(nextStep(s, peopleById(s))).toEqual({ kind: 'nobody' });
  });

  it('[S8] a name the snapshot no longer lists is not shown', () => {
    const r = TestRoom.open(['ann']);
    r.ok('ann', { type: 'raiseHand' });
    const s = r.snap('leader');
    const stale: RoomSnapshot = { ...s, participants: s.participants.filter((p) => p.id !== 'ann') };
    expect(nextStep(stale, peopleById(stale))).toEqual({ kind: 'nobody' });
  });

  it('[S6] the pass targets are the leaders\' snapshot\'s, looked up', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'passStick', to: 'ann' });
    const s = r.snap('leader');
    expect(ids(passTargets(s, peopleById(s)))).toEqual(['lead', 'bob']);
    const p = r.snap('participant');
    expect(passTargets(p, peopleById(p))).toEqual([]);
  });

  it('[F2] "come back to me" is offered to the person the snapshot names, and only to them', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'startRound' });
    r.ok('lead', { type: 'passStick' });
    const s = r.snap('participant');
    expect(canDefer(s, 'ann')).toBe(true);
    expect(canDefer(s, 'bob')).toBe(false);
    expect(canDefer(s, null)).toBe(false);
    r.ok('ann', { type: 'deferTurn' });
    expect(canDefer(r.snap('participant'), 'ann')).toBe(false);
    expect(canDefer(r.snap('participant'), 'bob')).toBe(true);
    r.ok('lead', { type: 'endRound' });
    expect(canDefer(r.snap('participant'), 'bob')).toBe(false);
  });

  it('[F2] round progress counts from 1 and never passes the end', () => {
    expect(roundProgress(null)).toBeNull();
    expect(roundProgress({ order: ['a', 'b', 'c'], index: 0, deferred: [], mayDefer: null })).toEqual({ current: 1, total: 3 });
    expect(roundProgress({ order: ['a', 'b', 'c'], index: 3, deferred: [], mayDefer: null })).toEqual({ current: 3, total: 3 });
  });
});

describe('countdowns', () => {
  it('[C1][C3] the closing warning shows while open, and counts down to its end, never below zero', () => {
    const r = TestRoom.open(['ann']);
    expect(closingNow('open', r.snap('participant'))).toBeNull();
    r.ok('lead', { type: 'warnClosing', minutes: 5 });
    const s = r.snap('participant');
    const closing = closingNow('open', s);
    expect(closing?.endsAt).toBe(r.now + 5 * MIN);
    expect(msUntil(closing!.endsAt, r.now + MIN)).toBe(4 * MIN);
    expect(msUntil(closing!.endsAt, r.now + 6 * MIN)).toBe(0);
    expect(msUntil(null, r.now)).toBeNull();
    // A meeting that ended while we were away shows no warning.
    expect(closingNow('closed', s)).toBeNull();
    expect(countdownEnd(s, false)).toBe(r.now + 5 * MIN);
    expect(countdownEnd(s, true)).toBeNull();
  });

  it('[C4] a planned meeting counts down to the planned end until the warning comes by itself', () => {
    const r = TestRoom.open(['ann'], { durationMinutes: 30, closingWarningMinutes: 5 });
    const s = r.snap('participant');
    expect(s.autoWarningAt).toBe(r.now + 25 * MIN);
    expect(countdownEnd(s, false)).toBe(r.now + 30 * MIN);
    r.advance(25 * MIN);
    r.tick();
    const warned = r.snap('participant');
    expect(warned.autoWarningAt).toBeNull();
    expect(countdownEnd(warned, false)).toBe(r.now + 5 * MIN);
  });

  it('[S10] nothing counts down before the start', () => {
    const r = new TestRoom({ durationMinutes: 30 });
    r.join('lead', 'leader');
    expect(countdownEnd(r.snap('leader'), false)).toBeNull();
    expect(r.snap('leader').autoWarningAt).toBeNull();
  });
});

describe('my speaking controls and the words for time', () => {
  it('[S1][S2][S3][S10] observers listen; before the start and after the end nobody speaks; the holder has the stick\'s choices, a raised hand its place', () => {
    const base = { phase: 'open' as const, holding: false, queued: false };
    expect(speakMode({ ...base, role: 'observer' })).toBe('observer');
    expect(speakMode({ ...base, role: 'participant', phase: 'waiting' })).toBe('waiting');
    expect(speakMode({ ...base, role: 'participant', phase: null })).toBe('waiting');
    expect(speakMode({ ...base, role: 'leader', phase: 'closed' })).toBe('closed');
    expect(speakMode({ ...base, role: 'participant', holding: true, queued: true })).toBe('holding');
    expect(speakMode({ ...base, role: 'participant', queued: true })).toBe('queued');
    expect(speakMode({ ...base, role: 'leader' })).toBe('idle');
  });

  it('[C1][C3][F3] minutes as people say them, extensions in minutes or seconds', () => {
    expect(minutesLeft(4.5 * MIN)).toBe(5);
    expect(minutesLeft(59_999)).toBeNull();
    expect(extensionAmount(5 * MIN)).toEqual({ unit: 'minutes', count: 5 });
    expect(extensionAmount(30_000)).toEqual({ unit: 'seconds', count: 30 });
  });
});
