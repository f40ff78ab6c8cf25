/** Who is heard (media follows the domain): rules O1 and F7 on the audio side. */
import { describe, expect, it } from 'vitest';
import { heardParticipantIds } from '@peer-circle/shared';
import { toSnapshot } from '../../server/src/room/index.ts';
import { TestRoom } from '../helpers/room.ts';

const heard = (r: TestRoom) => [...heardParticipantIds(toSnapshot(r.state, r.now))].sort();

describe('who is heard', () => {
  it('[O1] an observer is never heard, not even when the leader tries to pass the stick', () => {
    const r = TestRoom.open(['ann'], { leaderAlwaysHeard: false });
    r.join('oli', 'observer');
    r.rejects('lead', { type: 'passStick', to: 'oli' }, 'conflict');
    expect(heard(r)).toEqual([]);
    r.ok('lead', { type: 'passStick', to: 'ann' });
    expect(heard(r)).toEqual(['ann']);
  });

  it('[F7] a co-leader facilitates like the leader when the leader is always heard; not after the role is taken back', () => {
    const r = TestRoom.open(['ann', 'bob'], { leaderAlwaysHeard: true });
    expect(heard(r)).toEqual(['lead']);
    r.ok('lead', { type: 'setCoLeader', participantId: 'bob', on: true });
    expect(heard(r)).toEqual(['bob', 'lead']);
    r.ok('lead', { type: 'setCoLeader', participantId: 'bob', on: false });
    expect(heard(r)).toEqual(['lead']);
  });

  it('[F7] after a hand-over the new leader facilitates and the old one is heard only with the stick', () => {
    const r = TestRoom.open(['ann'], { leaderAlwaysHeard: true });
    r.ok('lead', { type: 'handOver', to: 'ann' });
    expect(heard(r)).toEqual(['ann']);
  });
});
