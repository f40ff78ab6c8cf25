/** Rules B1 and B2 (docs/rules.md, "Bounds of a meeting"): the state of a meeting stays bounded. */
import { describe, expect, it } from 'vitest';
import { MAX_DEPARTED, MAX_PARTICIPANTS, MAX_SEATS, nextDeadline, toSnapshot } from '../../server/src/room/index.ts';
import { attendanceCounts } from '../../server/src/app/record.ts';
import { configFromEnv } from '../../server/src/config.ts';
import { RateLimit } from '../../server/src/lib/rate-limit.ts';
import { DEFAULT_JOIN_LIMIT } from '../../server/src/transport/socket.ts';
import { TestRoom } from '../helpers/room.ts';

const GRACE = 60_000;

describe('B1 seats of people who are gone are pruned', () => {
  it('[B1] a seat that left is pruned one grace period later; until then "Go back in" restores it', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.ok('ann', { type: 'releaseStick' });
    r.ok('ann', { type: 'leave' });
    expect(r.p('ann').present).toBe(false);
    // The tick is due then: the store indexes the room by it.
    expect(nextDeadline(r.state)).toBe(r.now + GRACE);
    r.advance(GRACE - 1);
    r.tick();
    expect(r.has('ann')).toBe(true);
    r.resume('ann', 'participant');
    expect(r.p('ann')).toMatchObject({ present: true, turns: 1, leftAt: null });
    r.ok('ann', { type: 'leave' });
    r.advance(GRACE);
    r.tick();
    expect(r.has('ann')).toBe(false);
    // Pruned: the resume secret finds no seat (the page then takes a new one).
    const d = r.resume('ann', 'participant');
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.error.key).toBe('join.seatGone');
  });

  it('[B1] a seat dropped past the grace period is pruned by the tick that times it out', () => {
    const r = TestRoom.open(['ann']);
    r.drop('ann');
    r.advance(GRACE);
    r.tick();
    expect(r.has('ann')).toBe(false);
    expect(nextDeadline(r.state)).toBeNull();
  });

  it('[B1] a removed seat is pruned at the next tick; its secret stays refused', () => {
    const r = TestRoom.open(['ann']);
    r.ok('lead', { type: 'removeParticipant', participantId: 'ann' });
    expect(nextDeadline(r.state)).toBe(r.now);
    r.tick();
    expect(r.has('ann')).toBe(false);
    const d = r.resume('ann', 'participant');
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.error.code).toBe('forbidden');
  });

  it('[B1] seats that lead, asked for a check-in, agreed to the attendance list or hold notes are kept', () => {
    const r = TestRoom.open(['ann', 'bob', 'cat']);
    r.join('obs', 'observer');
    r.ok('bob', { type: 'askCheckIn', on: true });
    r.join('dan', 'participant', { inAttendance: true });
    r.ok('obs', { type: 'addNote', scales: { atmosphere: 4 }, text: '' });
    r.ok('lead', { type: 'setCoLeader', participantId: 'cat', on: true });
    for (const id of ['lead', 'bob', 'cat', 'dan', 'obs']) r.ok(id, { type: 'leave' });
    r.ok('ann', { type: 'leave' });
    r.advance(10 * GRACE);
    r.tick();
    expect(r.state.participants.map((p) => p.id).sort()).toEqual(['bob', 'cat', 'dan', 'lead', 'obs']);
  });

  it('[B1] at most MAX_DEPARTED seats wait for their grace period: the one that left longest ago goes first', () => {
    const r = TestRoom.open([]);
    const ids = Array.from({ length: MAX_DEPARTED + 5 }, (_, i) => `p${i}`);
    for (const id of ids) {
      r.join(id);
      r.advance(1);
      r.ok(id, { type: 'leave' });
    }
    expect(r.state.participants.filter((p) => !p.present).map((p) => p.id)).toEqual(ids.slice(5));
  });

  it('[B1] pruned people still count, anonymously: attendance, profiles, the closing picture and labels', () => {
    const r = TestRoom.open([]);
    const people = ['ann', 'bob', 'cat', 'dan', 'eve', 'fay'];
    for (const id of people) r.join(id, 'participant', { profile: 'lived-experience' });
    r.join('obs', 'observer');
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.advance(90_000);
    r.ok('ann', { type: 'releaseStick' });
    const before = attendanceCounts(r.state);
    for (const id of ['ann', 'bob', 'obs']) r.ok(id, { type: 'leave' });
    r.advance(GRACE);
    r.tick();
    expect(r.has('ann') || r.has('bob') || r.has('obs')).toBe(false);
    expect(attendanceCounts(r.state)).toEqual(before);
    // Only anonymous figures stay: no id, name or label of theirs anywhere in the state.
    const json = JSON.stringify(r.state.pruned);
    for (const gone of ['"ann"', '"bob"', '"obs"', '"P2"', '"P3"', '"O1"']) expect(json).not.toContain(gone);
    expect(r.state.pruned).toEqual({ spoke: [{ profile: 'lived-experience', speakingMs: 90_000, turns: 1 }], silent: { 'lived-experience': 1 }, observers: 1 });
    // A new seat gets the next label, never one given before.
    r.join('gus');
    r.join('obs2', 'observer');
    expect(r.p('gus').label).toBe('P8');
    expect(r.p('obs2').label).toBe('O2');
    r.ok('lead', { type: 'closeMeeting', force: true });
    const word = toSnapshot(r.state, r.now).end!.word;
    expect(word).toMatchObject({ shown: true, people: 8, totalMs: 90_000 });
  });

  it('[B1] a pruned seat leaves the round; the round keeps its place', () => {
    const r = TestRoom.open(['ann', 'bob', 'cat']);
    r.ok('lead', { type: 'startRound' });
    r.ok('lead', { type: 'releaseStick' });
    r.ok('ann', { type: 'releaseStick' });
    expect(r.holder).toBe('bob');
    r.ok('ann', { type: 'leave' });
    r.advance(GRACE);
    r.tick();
    expect(r.state.round?.order).toEqual(['lead', 'bob', 'cat']);
    expect(r.state.round?.order[r.state.round.index]).toBe('bob');
    r.ok('bob', { type: 'releaseStick' });
    expect(r.holder).toBe('cat');
  });

  it('[B1] nothing is pruned after the meeting closed', () => {
    const r = TestRoom.open(['ann']);
    r.ok('ann', { type: 'leave' });
    r.ok('lead', { type: 'closeMeeting', force: true });
    r.advance(10 * GRACE);
    r.tick();
    expect(r.has('ann')).toBe(true);
  });
});

describe('B2 a meeting holds at most MAX_SEATS seats', () => {
  /** A meeting whose kept seats (B1: they agreed to the attendance list) fill it up to `n`. */
  function filled(n: number): TestRoom {
    const r = TestRoom.open([]);
    for (let i = 0; r.state.participants.length < n; i++) {
      r.join(`k${i}`, 'participant', { inAttendance: true });
      r.ok(`k${i}`, { type: 'leave' });
    }
    return r;
  }

  it('[B2] past MAX_SEATS a new seat is refused with meeting.seatsFull, and nothing changes', () => {
    const r = filled(MAX_SEATS);
    r.refuses(null, { type: 'join', participantId: 'new', name: 'New', role: 'participant', resumeHash: 'resume-new', connId: 'n1:new' });
    const d = r.run(null, { type: 'join', participantId: 'new', name: 'New', role: 'participant', resumeHash: 'resume-new', connId: 'n1:new' });
    expect(d.ok ? null : [d.error.code, d.error.key]).toEqual(['conflict', 'meeting.seatsFull']);
    // Resuming a seat it holds is not a new seat.
    expect(r.resume('k3', 'participant').ok).toBe(true);
  });

  it('[B2] a full meeting first prunes seats that wait for their grace period', () => {
    const r = filled(MAX_SEATS - 1);
    r.join('ann');
    r.ok('ann', { type: 'leave' });
    expect(r.state.participants).toHaveLength(MAX_SEATS);
    r.join('bob');
    expect(r.has('ann')).toBe(false);
    expect(r.p('bob').present).toBe(true);
  });

  it('[B2] a thousand people joining and leaving keep the state bounded, the snapshot small', () => {
    const r = TestRoom.open(Array.from({ length: 49 }, (_, i) => `p${i}`));
    const size = () => JSON.stringify(toSnapshot(r.state, r.now, 'leader')).length;
    const start = size();
    for (let i = 0; i < 1000; i++) {
      r.join(`f${i}`, 'participant', { profile: 'other' });
      r.advance(50);
      r.ok(`f${i}`, { type: 'leave' });
    }
    expect(r.state.participants.length).toBeLessThanOrEqual(50 + MAX_DEPARTED);
    expect(size()).toBeLessThan(start * 1.6);
    // They all still count, as one number per profile.
    expect(attendanceCounts(r.state).attended).toBe(1050);
    expect(MAX_SEATS).toBeGreaterThan(MAX_PARTICIPANTS);
  });
});

describe('B3 new seats per client address', () => {
  it('[B3] 30 new seats per address a minute by default; a limit that is not a positive number is refused at start', () => {
    const c = configFromEnv({});
    expect([c.JOIN_LIMIT_PER_ADDRESS, c.JOIN_LIMIT_WINDOW_SECONDS]).toEqual([DEFAULT_JOIN_LIMIT.perAddress, DEFAULT_JOIN_LIMIT.windowMs / 1000]);
    expect(configFromEnv({ JOIN_LIMIT_PER_ADDRESS: '500', JOIN_LIMIT_WINDOW_SECONDS: '10' })).toMatchObject({ JOIN_LIMIT_PER_ADDRESS: 500, JOIN_LIMIT_WINDOW_SECONDS: 10 });
    expect(() => configFromEnv({ JOIN_LIMIT_PER_ADDRESS: '0' })).toThrow(/JOIN_LIMIT_PER_ADDRESS/);
    expect(() => configFromEnv({ JOIN_LIMIT_WINDOW_SECONDS: 'soon' })).toThrow(/JOIN_LIMIT_WINDOW_SECONDS/);
  });

  it('[B3] a budget is per key: one address spending its own leaves every other one whole', async () => {
    const limit = new RateLimit(3, 60_000);
    const spent = [];
    for (let i = 0; i < 4; i++) spent.push(await limit.take('203.0.113.7'));
    expect(spent).toEqual([true, true, true, false]);
    expect(await limit.take('198.51.100.4')).toBe(true);
  });
});
