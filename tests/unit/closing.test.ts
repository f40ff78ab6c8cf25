import { describe, expect, it } from 'vitest';
import { TestRoom } from '../helpers/room.ts';
import { nextDeadline } from '../../server/src/room/index.ts';

const MIN = 60_000;

describe('C1 the closing warning', () => {
  it('[C1] the leader warns with the meeting\'s default minutes; the end is data in the state', () => {
    const r = TestRoom.open(['ann'], { closingWarningMinutes: 5 });
    r.ok('lead', { type: 'warnClosing' });
    expect(r.state.closing).toEqual({ warnedAt: r.now, endsAt: r.now + 5 * MIN });
    expect(nextDeadline(r.state)).toBe(r.now + 5 * MIN);
  });
  it('[C1] the leader may choose the minutes; a second warning is refused', () => {
    const r = TestRoom.open(['ann']);
    r.ok('lead', { type: 'warnClosing', minutes: 3 });
    expect(r.state.closing?.endsAt).toBe(r.now + 3 * MIN);
    r.rejects('lead', { type: 'warnClosing' }, 'conflict');
  });
  it('[C1] only the leader warns, and only in an open meeting', () => {
    const r = TestRoom.open(['ann']);
    r.rejects('ann', { type: 'warnClosing' }, 'forbidden');
    const w = new TestRoom();
    w.join('lead', 'leader');
    w.rejects('lead', { type: 'warnClosing' }, 'wrong_phase');
  });
});

describe('C2 closing needs a warning first', () => {
  it('[C2] closing an open meeting without a warning is refused unless forced', () => {
    const r = TestRoom.open(['ann']);
    r.rejects('lead', { type: 'closeMeeting' }, 'wrong_phase');
    r.ok('lead', { type: 'closeMeeting', force: true });
    expect(r.state.phase).toBe('closed');
  });
  it('[C2] after the warning the leader may close early', () => {
    const r = TestRoom.open(['ann']);
    r.ok('lead', { type: 'warnClosing' });
    r.advance(MIN);
    r.ok('lead', { type: 'closeMeeting' });
    expect(r.state).toMatchObject({ phase: 'closed', closing: null, closedAt: r.now });
  });
  it('[C2] a meeting that never started can be called off without a warning', () => {
    const r = new TestRoom();
    r.join('lead', 'leader');
    r.ok('lead', { type: 'closeMeeting' });
    expect(r.state.phase).toBe('closed');
  });
});

describe('C3 the meeting closes by itself at the end', () => {
  it('[C3] a tick before the end changes nothing; at the end the meeting closes, the speaker\'s turn counts', () => {
    const r = TestRoom.open(['ann']);
    r.ok('lead', { type: 'warnClosing', minutes: 2 });
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.advance(2 * MIN - 1);
    expect(r.sys({ type: 'tick' }).ok && r.last?.ok && r.last.changed).toBe(false);
    r.advance(1);
    r.sys({ type: 'tick' });
    expect(r.state.phase).toBe('closed');
    expect(r.holder).toBeNull();
    expect(r.p('ann').turns).toBe(1);
    expect(nextDeadline(r.state)).toBeNull();
  });
  it('[C3] extending moves the end; the tick then waits for the new end', () => {
    const r = TestRoom.open(['ann']);
    r.ok('lead', { type: 'warnClosing', minutes: 2 });
    r.ok('lead', { type: 'extendMeeting', minutes: 5 });
    expect(r.state.closing?.endsAt).toBe(r.now + 7 * MIN);
    r.advance(3 * MIN);
    r.sys({ type: 'tick' });
    expect(r.state.phase).toBe('open');
    r.advance(4 * MIN);
    r.sys({ type: 'tick' });
    expect(r.state.phase).toBe('closed');
  });
  it('[C3] extending a meeting with no end set is refused', () => {
    const r = TestRoom.open(['ann']);
    r.rejects('lead', { type: 'extendMeeting', minutes: 5 }, 'conflict');
    r.rejects('ann', { type: 'extendMeeting', minutes: 5 }, 'forbidden');
  });
});

describe('C4 meetings with a planned duration warn by themselves', () => {
  it('[C4] the warning comes closingWarningMinutes before the planned end, then the meeting closes', () => {
    const r = TestRoom.open(['ann'], { durationMinutes: 60, closingWarningMinutes: 5 });
    const start = r.now;
    expect(r.state.plannedEndAt).toBe(start + 60 * MIN);
    expect(nextDeadline(r.state)).toBe(start + 55 * MIN);
    r.advance(55 * MIN);
    r.sys({ type: 'tick' });
    expect(r.state.closing).toEqual({ warnedAt: r.now, endsAt: start + 60 * MIN });
    expect(r.last?.ok && r.last.events).toContainEqual({ type: 'closingWarned', endsAt: start + 60 * MIN, automatic: true });
    r.advance(5 * MIN);
    r.sys({ type: 'tick' });
    expect(r.state.phase).toBe('closed');
  });
  it('[C4] extending before the warning moves the planned end', () => {
    const r = TestRoom.open(['ann'], { durationMinutes: 30, closingWarningMinutes: 5 });
    const start = r.now;
    r.ok('lead', { type: 'extendMeeting', minutes: 10 });
    expect(r.state.plannedEndAt).toBe(start + 40 * MIN);
  });
});

describe('C5 during the warning, people who have not spoken come first', () => {
  it('[C5] the queue puts those who have not spoken ahead during the warning', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.ok('ann', { type: 'releaseStick' });
    r.ok('ann', { type: 'raiseHand' });
    r.ok('lead', { type: 'warnClosing' });
    r.ok('bob', { type: 'raiseHand' });
    expect(r.queue).toEqual(['bob', 'ann']);
  });
});
