/**
 * What a person may do next comes in their audience's snapshot (server/src/room/views.ts): the
 * leader's "pass to next" and pass targets, the holder's "come back to me". Each is checked
 * against what decide() actually does with the command it stands for, so the two cannot drift.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { NextTurn, ParticipantId } from '@peer-circle/shared';
import { decide, isLeaderAway, leads, mayDefer, nextTurn, passTargets, type Command, type RoomState } from '../../server/src/room/index.ts';
import { TestRoom } from '../helpers/room.ts';

/** A leader or co-leader who could send a command now (present, with a live connection). */
function actingLeader(s: RoomState): ParticipantId | null {
  return s.participants.find((p) => p.present && p.connId !== null && leads(p))?.id ?? null;
}

/** What passStick without `to` really does, read from decide(). */
function passNextDoes(s: RoomState, now: number, leader: ParticipantId): NextTurn {
  const d = decide(s, { type: 'passStick' }, { now, actor: { kind: 'member', participantId: leader } });
  if (!d.ok) return { kind: 'nobody' };
  if (d.events.some((e) => e.type === 'roundEnded' && e.completed)) return { kind: 'roundEnd' };
  const holder = d.state.stick.holderId;
  return holder === null ? { kind: 'nobody' } : { kind: 'person', id: holder };
}

/** Whether `id` could say "come back to me" now, asked of decide(). */
function deferAccepted(s: RoomState, now: number, id: ParticipantId): boolean {
  return decide(s, { type: 'deferTurn' }, { now, actor: { kind: 'member', participantId: id } }).ok;
}

function passToAccepted(s: RoomState, now: number, leader: ParticipantId, to: ParticipantId): boolean {
  return decide(s, { type: 'passStick', to }, { now, actor: { kind: 'member', participantId: leader } }).ok;
}

/** The leaders' snapshot says what "pass to next" does, and it is what passStick without `to` does. */
function expectNext(r: TestRoom, expected: NextTurn): void {
  expect(r.snap('leader').leader?.next).toEqual(expected);
  expect(passNextDoes(r.state, r.now, 'lead')).toEqual(expected);
}

describe('"pass to next" in the leaders\' snapshot', () => {
  it('[S4] outside a round it names the head of the queue: who has not spoken yet goes ahead of who has', () => {
    const r = TestRoom.open(['ann', 'bob', 'cat']);
    expectNext(r, { kind: 'nobody' });
    r.ok('ann', { type: 'raiseHand' });
    r.ok('lead', { type: 'passStick' });
    r.ok('ann', { type: 'releaseStick' });
    r.ok('ann', { type: 'raiseHand' });
    r.ok('bob', { type: 'raiseHand' });
    // ann raised first but has spoken; bob has not.
    expectNext(r, { kind: 'person', id: 'bob' });
    r.ok('cat', { type: 'raiseHand' });
    expectNext(r, { kind: 'person', id: 'bob' });
    r.ok('bob', { type: 'lowerHand' });
    expectNext(r, { kind: 'person', id: 'cat' });
  });

  it('[S4][S7] someone who passed has not spoken: they keep their place ahead of who has', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('bob', { type: 'raiseHand' });
    r.ok('lead', { type: 'passStick' });
    r.ok('bob', { type: 'releaseStick' });
    r.ok('ann', { type: 'raiseHand' });
    r.ok('lead', { type: 'passStick' });
    r.ok('ann', { type: 'declineStick' });
    r.ok('bob', { type: 'raiseHand' });
    r.ok('ann', { type: 'raiseHand' });
    expectNext(r, { kind: 'person', id: 'ann' });
  });

  it('[S8] in a round it names the next person in circle order, past the holder', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('ann', { type: 'raiseHand' });
    r.ok('lead', { type: 'startRound' });
    expect(r.holder).toBe('lead');
    // The round goes first, the raised hand waits.
    expectNext(r, { kind: 'person', id: 'ann' });
    r.ok('lead', { type: 'passStick' });
    expectNext(r, { kind: 'person', id: 'bob' });
  });

  it('[S8] after a pass outside the round order it names whose turn it was', () => {
    const r = TestRoom.open(['ann', 'bob', 'cat']);
    r.ok('lead', { type: 'startRound' });
    r.ok('lead', { type: 'passStick', to: 'cat' });
    expectNext(r, { kind: 'person', id: 'lead' });
  });

  it('[S8][S9] it skips people who left and names late arrivals at the end of the round', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'startRound' });
    r.ok('ann', { type: 'leave' });
    expectNext(r, { kind: 'person', id: 'bob' });
    r.ok('lead', { type: 'passStick' });
    expectNext(r, { kind: 'roundEnd' });
    r.join('dan');
    expectNext(r, { kind: 'person', id: 'dan' });
  });

  it('[S8][S5] at the end of the round it says the round is complete, with or without auto pass', () => {
    for (const autoPass of [false, true]) {
      const r = TestRoom.open(['ann'], { autoPass });
      r.ok('lead', { type: 'startRound' });
      r.ok('lead', { type: 'releaseStick' });
      r.ok('lead', { type: 'raiseHand' });
      expectNext(r, { kind: 'roundEnd' });
      r.ok('lead', { type: 'passStick' });
      expect(r.state.round).toBeNull();
      expectNext(r, autoPass ? { kind: 'nobody' } : { kind: 'person', id: 'lead' });
    }
  });

  it('[F2] after "come back to me" it names the person who deferred last', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'startRound' });
    r.ok('lead', { type: 'passStick' });
    r.ok('ann', { type: 'deferTurn' });
    expect(r.holder).toBe('bob');
    expectNext(r, { kind: 'person', id: 'ann' });
  });

  it('[S10] before the start and after the end there is nobody to pass to', () => {
    const r = new TestRoom();
    r.join('lead', 'leader');
    r.join('ann');
    expectNext(r, { kind: 'nobody' });
    expect(r.snap('leader').leader?.passTargets).toEqual([]);
    r.ok('lead', { type: 'startMeeting' });
    r.ok('ann', { type: 'raiseHand' });
    r.ok('lead', { type: 'closeMeeting', force: true });
    expectNext(r, { kind: 'nobody' });
  });

  it('[O5] only the leaders\' snapshot carries it', () => {
    const r = TestRoom.open(['ann']);
    r.join('oli', 'observer');
    expect(r.snap('participant').leader).toBeNull();
    expect(r.snap('observer').leader).toBeNull();
  });
});

describe('pass targets in the leaders\' snapshot', () => {
  it('[S1][S6] everyone present who may speak but the holder, in circle order; never observers', () => {
    const r = TestRoom.open(['ann', 'bob', 'cat']);
    r.join('oli', 'observer');
    r.ok('lead', { type: 'passStick', to: 'bob' });
    expect(r.snap('leader').leader?.passTargets).toEqual(['lead', 'ann', 'cat']);
    r.ok('cat', { type: 'leave' });
    expect(r.snap('leader').leader?.passTargets).toEqual(['lead', 'ann']);
  });
});

describe('"come back to me" in every audience\'s snapshot', () => {
  it('[F2] names the holder while the round offers them the stick, once per round', () => {
    const r = TestRoom.open(['ann', 'bob']);
    expect(r.snap('participant').round).toBeNull();
    r.ok('lead', { type: 'startRound' });
    expect(r.snap('participant').round?.mayDefer).toBe('lead');
    r.ok('lead', { type: 'passStick' });
    for (const audience of ['leader', 'participant', 'observer'] as const) expect(r.snap(audience).round?.mayDefer).toBe('ann');
    r.ok('ann', { type: 'deferTurn' });
    expect(r.snap('participant').round?.mayDefer).toBe('bob');
    r.ok('bob', { type: 'releaseStick' });
    // ann is offered the stick again at the end of the round: she has deferred once already.
    expect(r.holder).toBe('ann');
    expect(r.snap('participant').round?.mayDefer).toBeNull();
    expect(deferAccepted(r.state, r.now, 'ann')).toBe(false);
  });

  it('[F2] nobody may defer when the leader passed outside the round order', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'startRound' });
    r.ok('lead', { type: 'passStick', to: 'bob' });
    expect(r.snap('participant').round?.mayDefer).toBeNull();
    expect(deferAccepted(r.state, r.now, 'bob')).toBe(false);
  });
});

const PEOPLE = ['lead', 'ann', 'bob', 'cat', 'obs'] as const;
const who = fc.constantFrom(...PEOPLE);
const step = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      actor: who,
      cmd: fc.constantFrom<Command>(
        { type: 'raiseHand' }, { type: 'lowerHand' }, { type: 'releaseStick' }, { type: 'declineStick' }, { type: 'passStick' },
        { type: 'takeStick' }, { type: 'startRound' }, { type: 'endRound' }, { type: 'deferTurn' }, { type: 'leave' },
        { type: 'warnClosing' }, { type: 'closeMeeting', force: true },
      ),
    }),
  },
  { weight: 4, arbitrary: fc.record({ actor: who, cmd: who.map((to): Command => ({ type: 'passStick', to })) }) },
  { weight: 1, arbitrary: fc.record({ actor: who, cmd: who.map((participantId): Command => ({ type: 'setCoLeader', participantId, on: true })) }) },
  { weight: 2, arbitrary: fc.record({ actor: fc.constant(null), cmd: who.map((p): Command => ({ type: 'disconnect', participantId: p, connId: `n1:${p}` })) }) },
  { weight: 2, arbitrary: fc.record({ actor: fc.constant(null), cmd: fc.constant<Command>({ type: 'tick' }) }) },
);

describe('the snapshot and the rules agree over random meetings', () => {
  it('[S4][S6][S8][F2] "pass to next", the pass targets and "come back to me" are what decide() does, after every step', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(step, fc.integer({ min: 0, max: 40_000 })), { maxLength: 50 }), fc.boolean(), (steps, autoPass) => {
        const r = TestRoom.open(['ann', 'bob', 'cat'], { autoPass });
        r.join('obs', 'observer');
        for (const [{ actor, cmd }, dt] of steps) {
          r.advance(dt);
          r.run(actor, cmd);
          const s = r.state;
          for (const id of PEOPLE) expect(mayDefer(s) === id, `${id} may defer`).toBe(deferAccepted(s, r.now, id));
          const leader = actingLeader(s);
          // Only a leader or co-leader with a live connection can pass; then nobody is "away" (F7).
          if (leader === null || isLeaderAway(s)) continue;
          expect(nextTurn(s)).toEqual(passNextDoes(s, r.now, leader));
          for (const id of PEOPLE) expect(passTargets(s).includes(id), `${id} is a pass target`).toBe(passToAccepted(s, r.now, leader, id));
        }
      }),
      { numRuns: 200, seed: 20261202 },
    );
  });
});
