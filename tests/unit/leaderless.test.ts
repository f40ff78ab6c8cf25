/**
 * A group that never freezes (F11, F12), one leader seat per leader link (S12), and going back in
 * after leaving (S13). Pure core, fake clock: tests/helpers/room.ts.
 */
import { describe, expect, it } from 'vitest';
import { TestRoom } from '../helpers/room.ts';

const GRACE = 60_000;

/** The leader joins with their leader link (hash `link-lead`), as the service does. */
function leaderJoin(r: TestRoom, id = 'lead', connId = `n1:${id}`, resumeHash = `resume-${id}`) {
  return r.run(null, { type: 'join', participantId: id, name: id, role: 'leader', resumeHash, connId, linkHash: 'link-lead' });
}

/** Leader (through the leader link) and people, meeting open. */
function open(names: string[], settings = {}): TestRoom {
  const r = new TestRoom(settings);
  leaderJoin(r);
  for (const n of names) r.join(n);
  r.ok('lead', { type: 'startMeeting' });
  return r;
}

/** The leader's connection drops and the grace period ends: the meeting is leaderless. */
function leaderGone(r: TestRoom): void {
  r.drop('lead');
  r.advance(GRACE + 1);
  r.tick();
}

describe('F11 a leaderless group carries on by itself', () => {
  it('[F11] within the grace period the meeting still waits for the leader; after it, it is leaderless and the head of the queue gets the stick', () => {
    const r = open(['ann', 'bob', 'cat']);
    r.ok('ann', { type: 'raiseHand' });
    r.ok('bob', { type: 'raiseHand' });
    r.drop('lead');
    expect(r.snap('participant').leaderAway).toBe(true);
    expect(r.snap('participant').leaderless).toBe(false);
    expect(r.holder).toBeNull();
    r.advance(GRACE + 1);
    r.tick();
    expect(r.p('lead').present).toBe(false);
    expect(r.events).toContainEqual({ type: 'leaderlessBegan' });
    expect(r.snap('participant').leaderless).toBe(true);
    expect(r.snap('observer').leaderless).toBe(true);
    expect(r.holder).toBe('ann');
    expect(r.queue).toEqual(['bob']);
  });

  it('[F11] the stick goes to the head of the queue when the holder is done, whatever the autoPass setting', () => {
    const r = open(['ann', 'bob', 'cat'], { autoPass: false });
    leaderGone(r);
    r.ok('ann', { type: 'raiseHand' });
    expect(r.holder).toBe('ann'); // the stick lay in the centre: the first hand gets it
    r.ok('bob', { type: 'raiseHand' });
    r.ok('cat', { type: 'raiseHand' });
    r.ok('ann', { type: 'releaseStick' });
    expect(r.holder).toBe('bob');
    expect(r.p('ann').turns).toBe(1);
    r.ok('bob', { type: 'declineStick' });
    expect(r.holder).toBe('cat');
    expect(r.p('bob').passes).toBe(1);
    r.ok('cat', { type: 'releaseStick' });
    expect(r.holder).toBeNull(); // nobody waits: the stick rests in the centre
  });

  it('[F11] people can still raise and lower hands, pass and leave; the holder leaving passes the stick on', () => {
    const r = open(['ann', 'bob', 'cat']);
    leaderGone(r);
    r.ok('ann', { type: 'raiseHand' });
    r.ok('bob', { type: 'raiseHand' });
    r.ok('cat', { type: 'raiseHand' });
    r.ok('cat', { type: 'lowerHand' });
    expect(r.queue).toEqual(['bob']);
    r.ok('ann', { type: 'leave' });
    expect(r.holder).toBe('bob');
    expect(r.p('ann').turns).toBe(1);
  });

  it('[F11] the leader leaving on purpose makes the meeting leaderless at once: the speaker keeps the stick', () => {
    const r = open(['ann', 'bob']);
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.ok('bob', { type: 'raiseHand' });
    r.ok('lead', { type: 'leave' });
    expect(r.snap('participant').leaderless).toBe(true);
    expect(r.holder).toBe('ann');
    r.ok('ann', { type: 'releaseStick' });
    expect(r.holder).toBe('bob');
  });

  it('[F11] a round waiting for the leader goes on once the grace period ends, and the queue after it', () => {
    const r = open(['ann', 'bob']);
    r.ok('lead', { type: 'startRound' });
    r.ok('lead', { type: 'releaseStick' });
    expect(r.holder).toBe('ann');
    r.drop('lead');
    expect(r.holder).toBeNull();
    r.advance(GRACE + 1);
    r.tick();
    // Ann's turn ended when the leader dropped (F7); the round goes on with Bob.
    expect(r.holder).toBe('bob');
    r.ok('ann', { type: 'raiseHand' });
    r.ok('bob', { type: 'releaseStick' });
    // The leader left the round; it completes and the queue goes on.
    expect(r.state.round).toBeNull();
    expect(r.holder).toBe('ann');
  });

  it('[F11] a co-leader still in the meeting (within their grace period) keeps it waiting, not leaderless', () => {
    const r = open(['ann', 'bob']);
    r.ok('lead', { type: 'setCoLeader', participantId: 'ann', on: true });
    r.ok('bob', { type: 'raiseHand' });
    r.drop('lead');
    r.advance(30_000);
    r.drop('ann');
    r.advance(GRACE - 30_000 + 1);
    r.tick(); // the leader's grace ended, the co-leader's has not
    expect(r.p('lead').present).toBe(false);
    expect(r.snap('participant').leaderless).toBe(false);
    expect(r.holder).toBeNull();
    r.advance(30_000);
    r.tick();
    expect(r.snap('participant').leaderless).toBe(true);
    expect(r.holder).toBe('bob');
  });

  it('[F11] nothing repeats: a command that changes nothing in a leaderless meeting changes nothing (S3)', () => {
    const r = open(['ann', 'bob']);
    leaderGone(r);
    r.ok('ann', { type: 'raiseHand' });
    const v = r.state.version;
    r.ok('bob', { type: 'lowerHand' });
    expect(r.changed).toBe(false);
    r.tick();
    expect(r.state.version).toBe(v);
  });
});

describe('F12 keeping the circle', () => {
  it('[F12] while leaderless a participant offers to keep the circle: shown to all, with a co-leader\'s commands', () => {
    const r = open(['ann', 'bob', 'cat']);
    r.join('obs', 'observer');
    leaderGone(r);
    r.ok('ann', { type: 'keepCircle', on: true });
    expect(r.events).toContainEqual({ type: 'keeperChanged', keeperId: 'ann' });
    for (const a of ['participant', 'observer', 'leader'] as const) expect(r.snap(a).keeper).toBe('ann');
    const mine = r.snapFor('ann');
    expect(mine.audience).toBe('leader');
    expect(mine.leader?.passTargets).toEqual(['ann', 'bob', 'cat']);
    r.ok('bob', { type: 'raiseHand' });
    r.ok('cat', { type: 'raiseHand' });
    r.ok('ann', { type: 'passStick', to: 'cat' });
    expect(r.holder).toBe('cat');
    r.ok('ann', { type: 'startRound' });
    r.ok('ann', { type: 'endRound' });
    // Not the role itself: that stays with the leader.
    r.rejects('ann', { type: 'handOver', to: 'bob' }, 'forbidden');
    r.rejects('ann', { type: 'setCoLeader', participantId: 'bob', on: true }, 'forbidden');
    expect(r.snapFor('bob').audience).toBe('participant');
  });

  it('[F12] the keeper does not read what was entrusted to the leader: check-ins, concerns, feedback', () => {
    const r = open(['ann', 'bob']);
    r.ok('bob', { type: 'askCheckIn', on: true });
    r.ok('bob', { type: 'raiseConcern', text: 'something private' });
    leaderGone(r);
    r.ok('ann', { type: 'keepCircle', on: true });
    const panel = r.snapFor('ann').leader!;
    expect(panel.checkIns).toEqual([]);
    expect(panel.concerns).toEqual([]);
    expect(panel.feedback.texts).toEqual([]);
    expect(JSON.stringify(r.snapFor('ann'))).not.toContain('something private');
  });

  it('[F12] only while leaderless, one keeper at a time; observers never; a keeper whose connection dropped may be relieved', () => {
    const r = open(['ann', 'bob']);
    r.join('obs', 'observer');
    r.rejects('ann', { type: 'keepCircle', on: true }, 'conflict'); // the leader is here
    r.drop('lead');
    r.rejects('ann', { type: 'keepCircle', on: true }, 'conflict'); // still within the grace period
    r.advance(GRACE + 1);
    r.tick();
    r.rejects('obs', { type: 'keepCircle', on: true }, 'forbidden');
    r.ok('ann', { type: 'keepCircle', on: true });
    r.ok('ann', { type: 'keepCircle', on: true });
    expect(r.changed).toBe(false);
    r.rejects('bob', { type: 'keepCircle', on: true }, 'conflict');
    r.drop('ann');
    r.ok('bob', { type: 'keepCircle', on: true });
    expect(r.state.keeper).toBe('bob');
  });

  it('[F12] the keeper steps down, or leaves, or times out: nobody keeps the circle, the group still carries on', () => {
    const r = open(['ann', 'bob', 'cat']);
    leaderGone(r);
    r.ok('ann', { type: 'keepCircle', on: true });
    r.ok('ann', { type: 'keepCircle', on: false });
    expect(r.state.keeper).toBeNull();
    r.ok('bob', { type: 'keepCircle', on: false });
    expect(r.changed).toBe(false);
    r.ok('bob', { type: 'keepCircle', on: true });
    r.ok('bob', { type: 'leave' });
    expect(r.state.keeper).toBeNull();
    r.ok('cat', { type: 'keepCircle', on: true });
    r.drop('cat');
    expect(r.state.keeper).toBe('cat'); // within the grace period the role waits
    r.advance(GRACE + 1);
    r.tick();
    expect(r.state.keeper).toBeNull();
    r.ok('ann', { type: 'raiseHand' });
    expect(r.holder).toBe('ann');
  });

  it('[F12] with a keeper connected the keeper passes; the stick still moves on by itself when the holder is done', () => {
    const r = open(['ann', 'bob', 'cat']);
    leaderGone(r);
    r.ok('ann', { type: 'keepCircle', on: true });
    r.ok('bob', { type: 'raiseHand' });
    expect(r.holder).toBeNull(); // the keeper passes, as a leader would
    r.ok('ann', { type: 'passStick' });
    expect(r.holder).toBe('bob');
    r.ok('cat', { type: 'raiseHand' });
    r.ok('bob', { type: 'releaseStick' });
    expect(r.holder).toBe('cat');
    // The keeper drops: the group carries on by itself again.
    r.ok('bob', { type: 'raiseHand' });
    r.ok('ann', { type: 'takeStick' });
    expect(r.holder).toBeNull();
    r.drop('ann');
    expect(r.holder).toBe('bob');
  });

  it('[F12] the leader returns: the leader gets everything back and the interim role ends', () => {
    const r = open(['ann', 'bob']);
    leaderGone(r);
    r.ok('ann', { type: 'keepCircle', on: true });
    r.ok('bob', { type: 'raiseHand' });
    r.ok('ann', { type: 'passStick' });
    expect(r.resume('lead', 'leader').ok).toBe(true);
    expect(r.events).toContainEqual({ type: 'keeperChanged', keeperId: null });
    expect(r.state.keeper).toBeNull();
    expect(r.snap('participant').leaderless).toBe(false);
    expect(r.snap('participant').leaderAway).toBe(false);
    expect(r.snapFor('lead').audience).toBe('leader');
    expect(r.snapFor('ann').audience).toBe('participant');
    expect(r.holder).toBe('bob'); // nobody is cut off
    r.rejects('ann', { type: 'takeStick' }, 'forbidden');
    r.ok('lead', { type: 'takeStick' });
  });

  it('[F12] the leader coming back from a fresh device with the leader link also ends the interim role', () => {
    const r = open(['ann']);
    leaderGone(r);
    r.ok('ann', { type: 'keepCircle', on: true });
    expect(leaderJoin(r, 'new-id', 'n3:phone', 'resume-phone').ok).toBe(true);
    expect(r.state.keeper).toBeNull();
    expect(r.has('new-id')).toBe(false);
    expect(r.p('lead').connId).toBe('n3:phone');
  });
});

describe('S12 one leader seat per leader link', () => {
  it('[S12] the leader link opened again without the secret gives the same seat back; the old connection is superseded', () => {
    const r = open(['ann']);
    r.ok('lead', { type: 'raiseHand' });
    const d = leaderJoin(r, 'other-id', 'n2:tablet', 'resume-tablet');
    expect(d.ok).toBe(true);
    expect(r.events).toContainEqual({ type: 'connectionSuperseded', participantId: 'lead', connId: 'n1:lead' });
    expect(r.events).toContainEqual({ type: 'participantResumed', participantId: 'lead', role: 'leader' });
    expect(r.state.participants.filter((p) => p.role === 'leader')).toHaveLength(1);
    expect(r.has('other-id')).toBe(false);
    expect(r.p('lead').connId).toBe('n2:tablet');
    expect(r.queue).toEqual(['lead']); // still in the meeting: nothing lost
    // The new secret is the seat's now; the old device cannot take it back silently.
    expect(r.p('lead').resumeHash).toBe('resume-tablet');
  });

  it('[S12] after a hand-over the old leader link restores that seat with the role it has now: it cannot hand the role back', () => {
    const r = open(['ann', 'bob']);
    r.ok('lead', { type: 'handOver', to: 'ann' });
    expect(leaderJoin(r, 'again', 'n2:laptop', 'resume-laptop').ok).toBe(true);
    expect(r.events).toContainEqual({ type: 'participantResumed', participantId: 'lead', role: 'participant' });
    expect(r.p('lead').role).toBe('participant');
    expect(r.p('ann').role).toBe('leader');
    expect(r.snapFor('lead').audience).toBe('participant');
    r.rejects('lead', { type: 'handOver', to: 'lead' }, 'forbidden');
    r.rejects('lead', { type: 'passStick', to: 'bob' }, 'forbidden');
  });

  it('[S12] the old device reconnecting with its replaced secret does not take the seat back: it is told the seat is elsewhere', () => {
    const r = open(['ann']);
    leaderJoin(r, 'x', 'n2:phone', 'resume-phone'); // the phone took the seat
    const before = structuredClone(r.state);
    const d = r.run(null, { type: 'resume', resumeHash: 'resume-lead', role: 'leader', connId: 'n3:laptop', linkHash: 'link-lead' });
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.error).toMatchObject({ code: 'not_found', key: 'join.seatElsewhere' });
    expect(r.state).toEqual(before);
    // Opening the link there again (no secret) takes it back, on purpose.
    expect(leaderJoin(r, 'z', 'n3:laptop', 'resume-laptop').ok).toBe(true);
    expect(r.p('lead').connId).toBe('n3:laptop');
    // Without a leader link, an unknown secret is just unknown.
    const other = r.run(null, { type: 'resume', resumeHash: 'resume-nobody', role: 'participant', connId: 'n3:x' });
    expect(!other.ok && other.error.key).toBe('join.seatGone');
  });

  it('[S12] another leader link (a facilitator\'s, a group\'s) is another seat; participant links stay shared', () => {
    const r = open(['ann']);
    expect(r.run(null, { type: 'join', participantId: 'fac', name: 'fac', role: 'leader', resumeHash: 'resume-fac', connId: 'n1:fac', linkHash: 'link-fac' }).ok).toBe(true);
    expect(r.has('fac')).toBe(true);
    r.sys({ type: 'join', participantId: 'p2', name: 'p2', role: 'participant', resumeHash: 'r2', connId: 'n1:p2', linkHash: 'link-p' });
    r.sys({ type: 'join', participantId: 'p3', name: 'p3', role: 'participant', resumeHash: 'r3', connId: 'n1:p3', linkHash: 'link-p' });
    expect(r.has('p2') && r.has('p3')).toBe(true);
  });

  it('[S12] a seat that was removed stays removed: its leader link is refused', () => {
    const r = open(['ann']);
    r.ok('lead', { type: 'handOver', to: 'ann' });
    r.ok('ann', { type: 'removeParticipant', participantId: 'lead' });
    const before = structuredClone(r.state);
    const d = leaderJoin(r, 'back', 'n2:x', 'resume-x');
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.error.code).toBe('forbidden');
    expect(r.state).toEqual(before);
  });

  it('[S12] after the leader timed out, the leader link brings the seat (and the role) back', () => {
    const r = open(['ann']);
    leaderGone(r);
    expect(leaderJoin(r, 'y', 'n2:new', 'resume-new').ok).toBe(true);
    expect(r.p('lead').present).toBe(true);
    expect(r.snap('participant').leaderless).toBe(false);
    expect(r.state.participants).toHaveLength(2);
  });
});

describe('S13 going back in after leaving', () => {
  it('[S13] within the grace period going back in restores the seat and the queue place', () => {
    const r = open(['ann', 'bob', 'cat']);
    r.ok('ann', { type: 'raiseHand' });
    r.ok('bob', { type: 'raiseHand' });
    r.ok('cat', { type: 'raiseHand' });
    r.ok('ann', { type: 'leave' });
    expect(r.queue).toEqual(['bob', 'cat']);
    r.advance(GRACE - 1000);
    expect(r.resume('ann', 'participant').ok).toBe(true);
    expect(r.queue).toEqual(['ann', 'bob', 'cat']);
    expect(r.p('ann').present).toBe(true);
  });

  it('[S13] after the grace period the seat comes back but not the queue place', () => {
    const r = open(['ann', 'bob']);
    r.ok('ann', { type: 'raiseHand' });
    r.ok('bob', { type: 'raiseHand' });
    r.ok('ann', { type: 'leave' });
    r.advance(GRACE);
    expect(r.resume('ann', 'participant').ok).toBe(true);
    expect(r.p('ann').present).toBe(true);
    expect(r.queue).toEqual(['bob']);
  });

  it('[S13] someone who held the stick and left does not get the stick back, only their place if they were waiting', () => {
    const r = open(['ann', 'bob']);
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.ok('ann', { type: 'leave' });
    expect(r.p('ann').turns).toBe(1);
    r.resume('ann', 'participant');
    expect(r.holder).toBeNull();
    expect(r.queue).toEqual([]);
  });

  it('[S13] the place is kept in S4 order: people who spoke since do not lose theirs either', () => {
    const r = open(['ann', 'bob', 'cat']);
    r.ok('bob', { type: 'raiseHand' });
    r.ok('ann', { type: 'raiseHand' });
    r.ok('bob', { type: 'leave' });
    r.ok('cat', { type: 'raiseHand' });
    r.resume('bob', 'participant');
    expect(r.queue).toEqual(['bob', 'ann', 'cat']);
  });

  it('[S13] after the meeting closed nobody goes back in', () => {
    const r = open(['ann']);
    r.ok('ann', { type: 'raiseHand' });
    r.ok('ann', { type: 'leave' });
    r.ok('lead', { type: 'closeMeeting', force: true });
    expect(r.resume('ann', 'participant').ok).toBe(false);
  });
});
