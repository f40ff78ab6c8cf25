/** "Can anyone hear me?": the leader-always-heard setting (F10) and connection reports (F13). */
import { describe, expect, it } from 'vitest';
import { CreateMeetingBody, heardParticipantIds, parseCommand } from '@peer-circle/shared';
import { toSnapshot } from '../../server/src/room/index.ts';
import { TestRoom } from '../helpers/room.ts';

const heard = (r: TestRoom) => [...heardParticipantIds(toSnapshot(r.state, r.now))].sort();

describe('F10 the leader may be heard without the stick', () => {
  it('[F10] the leader switches leaderAlwaysHeard off and on; who is heard follows the next snapshot', () => {
    const r = TestRoom.open(['ann'], { leaderAlwaysHeard: true });
    expect(heard(r)).toEqual(['lead']);
    r.ok('lead', { type: 'updateSettings', leaderAlwaysHeard: false });
    expect(r.events).toContainEqual({ type: 'settingsChanged' });
    expect(r.state.settings.leaderAlwaysHeard).toBe(false);
    expect(r.snap('participant').settings.leaderAlwaysHeard).toBe(false);
    expect(heard(r)).toEqual([]);
    r.ok('lead', { type: 'passStick', to: 'ann' });
    expect(heard(r)).toEqual(['ann']);
    r.ok('lead', { type: 'updateSettings', leaderAlwaysHeard: true });
    expect(heard(r)).toEqual(['ann', 'lead']);
  });

  it('[F10] the same value again is no change; other settings are kept', () => {
    const r = TestRoom.open(['ann'], { leaderAlwaysHeard: true, autoPass: true });
    r.ok('lead', { type: 'updateSettings', leaderAlwaysHeard: true });
    expect(r.changed).toBe(false);
    r.ok('lead', { type: 'updateSettings', leaderAlwaysHeard: false });
    expect(r.state.settings.autoPass).toBe(true);
  });

  it('[F10] a co-leader may change it; a participant may not; not after the close', () => {
    const r = TestRoom.open(['ann', 'bob'], { leaderAlwaysHeard: true });
    r.rejects('ann', { type: 'updateSettings', leaderAlwaysHeard: false }, 'forbidden');
    r.ok('lead', { type: 'setCoLeader', participantId: 'bob', on: true });
    r.ok('bob', { type: 'updateSettings', leaderAlwaysHeard: false });
    expect(heard(r)).toEqual([]);
    r.ok('lead', { type: 'closeMeeting', force: true });
    r.rejects('lead', { type: 'updateSettings', leaderAlwaysHeard: true }, 'wrong_phase');
  });

  it('[F10] only a boolean is accepted, in the command and in the create form', () => {
    expect(parseCommand('updateSettings', { leaderAlwaysHeard: false }).ok).toBe(true);
    expect(parseCommand('updateSettings', { leaderAlwaysHeard: 'no' }).ok).toBe(false);
    expect(parseCommand('updateSettings', { leaderAlwaysHeard: null }).ok).toBe(false);
    expect(CreateMeetingBody.safeParse({ title: 'Tuesday', leaderAlwaysHeard: false }).success).toBe(true);
    expect(CreateMeetingBody.safeParse({ title: 'Tuesday', leaderAlwaysHeard: 1 }).success).toBe(false);
  });
});

describe('F13 connection quality reports', () => {
  it('[F13] a poor report shows only in leaders\' snapshots, and a good one clears it', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.join('obs', 'observer');
    r.ok('ann', { type: 'reportConnection', quality: 'poor' });
    expect(r.events).toContainEqual({ type: 'connectionReported' });
    expect(r.snap('leader').leader?.poorConnections).toEqual(['ann']);
    expect(r.snap('participant').leader).toBeNull();
    expect(JSON.stringify(r.snap('participant'))).not.toMatch(/poor/i);
    expect(JSON.stringify(r.snap('observer'))).not.toMatch(/poor/i);
    r.ok('obs', { type: 'reportConnection', quality: 'poor' });
    expect(r.snap('leader').leader?.poorConnections).toEqual(['ann', 'obs']);
    r.ok('ann', { type: 'reportConnection', quality: 'good' });
    expect(r.snap('leader').leader?.poorConnections).toEqual(['obs']);
  });

  it('[F13] the same level again is no change', () => {
    const r = TestRoom.open(['ann']);
    r.ok('ann', { type: 'reportConnection', quality: 'good' });
    expect(r.changed).toBe(false);
    r.ok('ann', { type: 'reportConnection', quality: 'poor' });
    expect(r.changed).toBe(true);
    r.ok('ann', { type: 'reportConnection', quality: 'poor' });
    expect(r.changed).toBe(false);
  });

  it('[F13] someone disconnected is not listed', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('ann', { type: 'reportConnection', quality: 'poor' });
    r.drop('ann');
    expect(r.snap('leader').leader?.poorConnections).toEqual([]);
  });

  it('[F13] only "good" or "poor" are accepted', () => {
    expect(parseCommand('reportConnection', { quality: 'poor' }).ok).toBe(true);
    expect(parseCommand('reportConnection', { quality: 'bad' }).ok).toBe(false);
    expect(parseCommand('reportConnection', { quality: 'poor', rtt: 3 }).ok).toBe(false);
    expect(parseCommand('reportConnection', {}).ok).toBe(false);
  });
});
