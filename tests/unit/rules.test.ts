import { describe, expect, it } from 'vitest';
import { TestRoom } from '../helpers/room.ts';

describe('S1 observers listen', () => {
  it('[S1] an observer cannot raise a hand', () => {
    const r = TestRoom.open(['ann']);
    r.join('obs', 'observer');
    r.rejects('obs', { type: 'raiseHand' }, 'forbidden');
  });
  it('[S1] the leader cannot pass the stick to an observer', () => {
    const r = TestRoom.open(['ann']);
    r.join('obs', 'observer');
    r.rejects('lead', { type: 'passStick', to: 'obs' }, 'conflict');
  });
  it('[S1] observers are never offered the stick in a round', () => {
    const r = TestRoom.open(['ann']);
    r.join('obs', 'observer');
    r.ok('lead', { type: 'startRound' });
    expect(r.state.round?.order).toEqual(['lead', 'ann']);
  });
});

describe('S2 one holder, never queued, never twice', () => {
  it('[S2] the holder cannot raise a hand', () => {
    const r = TestRoom.open(['ann']);
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.rejects('ann', { type: 'raiseHand' }, 'conflict');
  });
  it('[S2] receiving the stick takes you out of the queue', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('ann', { type: 'raiseHand' });
    r.ok('bob', { type: 'raiseHand' });
    r.ok('lead', { type: 'passStick', to: 'bob' });
    expect(r.holder).toBe('bob');
    expect(r.queue).toEqual(['ann']);
  });
  it('[S2] passing to someone else ends the current turn: one holder at most', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.ok('lead', { type: 'passStick', to: 'bob' });
    expect(r.holder).toBe('bob');
    expect(r.p('ann').turns).toBe(1);
  });
});

describe('S3 hands are idempotent', () => {
  it('[S3] raising a hand twice queues once and changes nothing the second time', () => {
    const r = TestRoom.open(['ann']);
    r.ok('ann', { type: 'raiseHand' });
    const v = r.state.version;
    const d = r.ok('ann', { type: 'raiseHand' });
    expect(d.ok && d.changed).toBe(false);
    expect(r.state.version).toBe(v);
    expect(r.queue).toEqual(['ann']);
  });
  it('[S3] lowering a hand that is not raised changes nothing', () => {
    const r = TestRoom.open(['ann']);
    const d = r.ok('ann', { type: 'lowerHand' });
    expect(d.ok && d.changed).toBe(false);
  });
});

describe('S4 queue order', () => {
  it('[S4] someone who has not spoken yet goes ahead of someone who has', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.ok('ann', { type: 'releaseStick' });
    r.ok('ann', { type: 'raiseHand' });
    r.ok('bob', { type: 'raiseHand' });
    expect(r.queue).toEqual(['bob', 'ann']);
  });
  it('[S4] fewer turns go first, then first come first served', () => {
    const r = TestRoom.open(['ann', 'bob', 'cat']);
    for (const who of ['ann', 'ann', 'bob']) {
      r.ok('lead', { type: 'passStick', to: who });
      r.ok(who, { type: 'releaseStick' });
    }
    r.ok('ann', { type: 'raiseHand' });
    r.ok('bob', { type: 'raiseHand' });
    r.ok('cat', { type: 'raiseHand' });
    r.ok('lead', { type: 'raiseHand' });
    expect(r.queue).toEqual(['cat', 'lead', 'bob', 'ann']);
  });
  it('[S4] a pass is not a turn: someone who only passed still counts as not yet spoken', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'passStick', to: 'bob' });
    r.ok('bob', { type: 'releaseStick' });
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.ok('ann', { type: 'declineStick' });
    r.ok('bob', { type: 'raiseHand' });
    r.ok('ann', { type: 'raiseHand' });
    expect(r.queue).toEqual(['ann', 'bob']);
  });
});

describe('S5 after a turn', () => {
  it('[S5] releasing returns the stick to the centre', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('bob', { type: 'raiseHand' });
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.ok('ann', { type: 'releaseStick' });
    expect(r.holder).toBeNull();
    expect(r.queue).toEqual(['bob']);
  });
  it('[S5] with autoPass the stick goes straight to the head of the queue', () => {
    const r = TestRoom.open(['ann', 'bob'], { autoPass: true });
    r.ok('bob', { type: 'raiseHand' });
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.ok('ann', { type: 'declineStick' });
    expect(r.holder).toBe('bob');
    expect(r.queue).toEqual([]);
  });
  it('[S5] only the holder can release', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.rejects('bob', { type: 'releaseStick' }, 'conflict');
  });
});

describe('S6 leader passes and takes back', () => {
  it('[S6] the leader passes to the head of the queue', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('bob', { type: 'raiseHand' });
    r.ok('ann', { type: 'raiseHand' });
    r.ok('lead', { type: 'passStick' });
    expect(r.holder).toBe('bob');
  });
  it('[S6] passing to the head of an empty queue is refused', () => {
    const r = TestRoom.open(['ann']);
    r.rejects('lead', { type: 'passStick' }, 'conflict');
  });
  it('[S6] the leader may pass to anyone present, including someone not queued', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'passStick', to: 'bob' });
    expect(r.holder).toBe('bob');
  });
  it('[S6] passing to someone who is not present, or unknown, is refused', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('bob', { type: 'leave' });
    r.rejects('lead', { type: 'passStick', to: 'bob' }, 'conflict');
    r.rejects('lead', { type: 'passStick', to: 'zed' }, 'not_found');
  });
  it('[S6] the leader takes the stick back to the centre; the turn counts', () => {
    const r = TestRoom.open(['ann']);
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.ok('lead', { type: 'takeStick' });
    expect(r.holder).toBeNull();
    expect(r.p('ann').turns).toBe(1);
    r.rejects('lead', { type: 'takeStick' }, 'conflict');
  });
  it('[S6] participants cannot pass, take back, run rounds, start or close', () => {
    const r = TestRoom.open(['ann', 'bob']);
    for (const type of ['passStick', 'takeStick', 'startRound', 'endRound', 'closeMeeting'] as const) {
      r.rejects('ann', { type }, 'forbidden');
    }
  });
});

describe('S7 passing is a right', () => {
  it('[S7] declining is always allowed to the holder and counts as a pass, not a turn', () => {
    const r = TestRoom.open(['ann']);
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.ok('ann', { type: 'declineStick' });
    expect(r.p('ann').passes).toBe(1);
    expect(r.p('ann').turns).toBe(0);
    expect(r.last?.ok && r.last.events.some((e) => e.type === 'turnEnded' && e.end === 'passed')).toBe(true);
  });
});

describe('S8 rounds', () => {
  it('[S8] a round offers the stick to every present participant once, in circle order', () => {
    const r = TestRoom.open(['ann', 'bob', 'cat']);
    r.ok('lead', { type: 'startRound' });
    const seen: string[] = [];
    while (r.holder) {
      seen.push(r.holder);
      r.ok(r.holder, { type: seen.length % 2 ? 'releaseStick' : 'declineStick' });
    }
    expect(seen).toEqual(['lead', 'ann', 'bob', 'cat']);
    expect(r.state.round).toBeNull();
  });
  it('[S8] someone who left is skipped; late arrivals join the end of the round', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'startRound' });
    r.ok('ann', { type: 'leave' });
    r.join('dan');
    const seen: string[] = [];
    while (r.holder) {
      seen.push(r.holder);
      r.ok(r.holder, { type: 'releaseStick' });
    }
    expect(seen).toEqual(['lead', 'bob', 'dan']);
  });
  it('[S8] if the leader passes outside the round order, the round comes back to whose turn it was', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'startRound' });
    r.ok('lead', { type: 'passStick', to: 'bob' });
    r.ok('bob', { type: 'releaseStick' });
    expect(r.holder).toBe('lead');
  });
  it('[S8] ending a round leaves the speaker holding the stick', () => {
    const r = TestRoom.open(['ann']);
    r.ok('lead', { type: 'startRound' });
    r.ok('lead', { type: 'releaseStick' });
    r.ok('lead', { type: 'endRound' });
    expect(r.holder).toBe('ann');
    expect(r.state.round).toBeNull();
    r.rejects('lead', { type: 'endRound' }, 'conflict');
  });
  it('[S8] "pass to next" in a round moves the round on', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'startRound' });
    r.ok('lead', { type: 'passStick' });
    expect(r.holder).toBe('ann');
  });
});

describe('S9 leaving and dropped connections', () => {
  it('[S9] someone who leaves leaves the queue; if they held the stick it returns to the centre', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('ann', { type: 'raiseHand' });
    r.ok('lead', { type: 'passStick', to: 'bob' });
    r.ok('ann', { type: 'leave' });
    r.ok('bob', { type: 'leave' });
    expect(r.queue).toEqual([]);
    expect(r.holder).toBeNull();
  });
  it('[S9] a dropped connection keeps its place during the grace period, then leaves the queue', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('ann', { type: 'raiseHand' });
    r.ok('lead', { type: 'passStick', to: 'bob' });
    r.sys({ type: 'disconnect', participantId: 'ann', connId: 'n1:ann' });
    r.sys({ type: 'disconnect', participantId: 'bob', connId: 'n1:bob' });
    r.advance(59_000);
    r.sys({ type: 'tick' });
    expect(r.queue).toEqual(['ann']);
    expect(r.holder).toBe('bob');
    r.advance(1_000);
    r.sys({ type: 'tick' });
    expect(r.queue).toEqual([]);
    expect(r.holder).toBeNull();
    // B1: past the grace period the seat is pruned from the state.
    expect(r.has('ann')).toBe(false);
  });
  it('[S9] the tick is idempotent', () => {
    const r = TestRoom.open(['ann']);
    r.sys({ type: 'disconnect', participantId: 'ann', connId: 'n1:ann' });
    r.advance(61_000);
    r.sys({ type: 'tick' });
    const d = r.sys({ type: 'tick' });
    expect(d.ok && d.changed).toBe(false);
  });
  it('[S9] resuming within the grace period restores seat, turns and queue place', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.ok('ann', { type: 'releaseStick' });
    r.ok('ann', { type: 'raiseHand' });
    r.ok('bob', { type: 'raiseHand' });
    const seat = r.p('ann').seat;
    r.sys({ type: 'disconnect', participantId: 'ann', connId: 'n1:ann' });
    r.advance(30_000);
    r.sys({ type: 'resume', resumeHash: 'resume-ann', role: 'participant', connId: 'n2:ann' });
    r.sys({ type: 'tick' });
    expect(r.queue).toEqual(['bob', 'ann']);
    expect(r.p('ann')).toMatchObject({ seat, turns: 1, present: true, connId: 'n2:ann', disconnectedAt: null });
  });
  it('[S9] a resume secret never grants another role', () => {
    const r = TestRoom.open(['ann']);
    const before = structuredClone(r.state);
    const d = r.run(null, { type: 'resume', resumeHash: 'resume-ann', role: 'leader', connId: 'x:1' });
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.error.code).toBe('forbidden');
    expect(r.state).toEqual(before);
  });
  it('[S9] an old connection dropping after a newer one took the seat changes nothing', () => {
    const r = TestRoom.open(['ann']);
    r.sys({ type: 'resume', resumeHash: 'resume-ann', role: 'participant', connId: 'n2:ann' });
    expect(r.last?.ok && r.last.events.some((e) => e.type === 'connectionSuperseded')).toBe(true);
    const d = r.sys({ type: 'disconnect', participantId: 'ann', connId: 'n1:ann' });
    expect(d.ok && d.changed).toBe(false);
    expect(r.p('ann').connId).toBe('n2:ann');
  });
  it('[S9] connections of a lost server process start their grace period', () => {
    const r = TestRoom.open(['ann']);
    r.sys({ type: 'nodeLost', nodeId: 'n1' });
    expect(r.p('ann').connId).toBeNull();
    expect(r.p('ann').disconnectedAt).toBe(r.now);
  });
});

describe('S10 the stick moves only while the meeting is open', () => {
  it('[S10] before the start and after the close, stick commands are refused', () => {
    const r = new TestRoom();
    r.join('lead', 'leader');
    r.join('ann');
    r.rejects('ann', { type: 'raiseHand' }, 'wrong_phase');
    r.rejects('lead', { type: 'passStick', to: 'ann' }, 'wrong_phase');
    r.rejects('lead', { type: 'startRound' }, 'wrong_phase');
    r.ok('lead', { type: 'startMeeting' });
    r.ok('ann', { type: 'raiseHand' });
    r.ok('lead', { type: 'closeMeeting', force: true });
    expect(r.queue).toEqual([]);
    r.rejects('ann', { type: 'raiseHand' }, 'wrong_phase');
    r.rejects('lead', { type: 'closeMeeting', force: true }, 'wrong_phase');
    r.rejects('lead', { type: 'startMeeting' }, 'wrong_phase');
  });
  it('[S10] nobody can join a closed meeting', () => {
    const r = TestRoom.open(['ann']);
    r.ok('lead', { type: 'closeMeeting', force: true });
    expect(r.run(null, { type: 'join', participantId: 'z', name: 'z', role: 'participant', resumeHash: 'h', connId: 'c' }).ok).toBe(false);
  });
});

describe('the core is pure', () => {
  it('never modifies the state it is given', () => {
    const r = TestRoom.open(['ann']);
    const frozen = structuredClone(r.state);
    const copy = r.state;
    r.ok('ann', { type: 'raiseHand' });
    expect(copy).toEqual(frozen);
  });
  it('counts a version step for every change and none for no change', () => {
    const r = TestRoom.open(['ann']);
    const v = r.state.version;
    r.ok('ann', { type: 'raiseHand' });
    expect(r.state.version).toBe(v + 1);
  });
});
