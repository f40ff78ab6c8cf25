import { describe, expect, it } from 'vitest';
import { SIGN_FADE_MS } from '@peer-circle/shared';
import { TestRoom } from '../helpers/room.ts';
import { nextDeadline } from '../../server/src/room/index.ts';

const MIN = 60_000;

/** Everyone present in a round in circle order: lead, ann, bob, cat. Lead holds the stick. */
function roundOf(names = ['ann', 'bob', 'cat'], settings = {}): TestRoom {
  const r = TestRoom.open(names, settings);
  r.ok('lead', { type: 'startRound' });
  return r;
}

const progress = (r: TestRoom) => `${r.state.round!.index + 1} of ${r.state.round!.order.length}`;

describe('F2 "come back to me"', () => {
  it('[F2] the person offered the stick defers: the stick moves on and they go to the end of the round', () => {
    const r = roundOf();
    r.ok('lead', { type: 'releaseStick' });
    expect(r.holder).toBe('ann');
    r.ok('ann', { type: 'deferTurn' });
    expect(r.events).toContainEqual({ type: 'turnDeferred', participantId: 'ann' });
    expect(r.holder).toBe('bob');
    expect(r.state.round?.deferred).toEqual(['ann']);
    expect(r.state.round?.order.at(-1)).toBe('ann');
    expect(r.state.round?.order.filter((id) => id === 'ann')).toHaveLength(1);
    expect(r.state.round?.order[r.state.round.index]).toBe('bob');
    const seen: string[] = ['lead', 'ann', 'bob'];
    r.ok('bob', { type: 'releaseStick' });
    while (r.holder) {
      seen.push(r.holder);
      r.ok(r.holder, { type: 'releaseStick' });
    }
    expect(seen).toEqual(['lead', 'ann', 'bob', 'cat', 'ann']);
    expect(r.state.round).toBeNull();
  });

  it('[F2] deferring is neither a turn nor a pass', () => {
    const r = roundOf();
    r.ok('lead', { type: 'releaseStick' });
    r.ok('ann', { type: 'deferTurn' });
    expect(r.p('ann')).toMatchObject({ turns: 0, passes: 0 });
    expect(r.events.some((e) => e.type === 'turnEnded' && e.participantId === 'ann')).toBe(false);
    expect(r.p('ann').speakingMs).toBe(0);
  });

  it('[F2] a second "come back to me" in the same round is refused; they can still speak or pass', () => {
    const r = roundOf();
    r.ok('lead', { type: 'releaseStick' });
    r.ok('ann', { type: 'deferTurn' });
    r.ok('bob', { type: 'releaseStick' });
    r.ok('cat', { type: 'releaseStick' });
    expect(r.holder).toBe('ann');
    r.rejects('ann', { type: 'deferTurn' }, 'conflict');
    r.ok('ann', { type: 'declineStick' });
    expect(r.p('ann')).toMatchObject({ turns: 0, passes: 1 });
    expect(r.state.round).toBeNull();
  });

  it('[F2] the same person may defer again in a new round', () => {
    const r = roundOf(['ann', 'bob']);
    r.ok('lead', { type: 'releaseStick' });
    r.ok('ann', { type: 'deferTurn' });
    r.ok('lead', { type: 'endRound' });
    r.ok('lead', { type: 'takeStick' });
    r.ok('lead', { type: 'startRound' });
    expect(r.state.round?.deferred).toEqual([]);
    r.ok('lead', { type: 'releaseStick' });
    expect(r.holder).toBe('ann');
    r.ok('ann', { type: 'deferTurn' });
    expect(r.state.round?.deferred).toEqual(['ann']);
  });

  it('[F2] outside a round, deferring is refused', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.rejects('ann', { type: 'deferTurn' }, 'conflict');
  });

  it('[F2] in a round, someone not holding the stick cannot defer', () => {
    const r = roundOf();
    r.rejects('ann', { type: 'deferTurn' }, 'conflict');
    r.rejects('bob', { type: 'deferTurn' }, 'conflict');
  });

  it('[F2] someone the leader passed the stick to outside the round order was not offered it by the round: no defer', () => {
    const r = roundOf();
    r.ok('lead', { type: 'passStick', to: 'cat' });
    r.rejects('cat', { type: 'deferTurn' }, 'conflict');
  });

  it('[F2] observers cannot defer; the leader can when offered the stick', () => {
    const r = roundOf();
    r.join('obs', 'observer');
    r.rejects('obs', { type: 'deferTurn' }, 'forbidden');
    r.ok('lead', { type: 'deferTurn' });
    expect(r.holder).toBe('ann');
    expect(r.state.round?.order.at(-1)).toBe('lead');
  });

  it('[F2] the stick moves on past people who left', () => {
    const r = roundOf();
    r.ok('bob', { type: 'leave' });
    r.ok('lead', { type: 'releaseStick' });
    r.ok('ann', { type: 'deferTurn' });
    expect(r.holder).toBe('cat');
  });

  it('[F2] progress is round.index + 1 of round.order.length', () => {
    const r = roundOf();
    expect(progress(r)).toBe('1 of 4');
    r.ok('lead', { type: 'releaseStick' });
    expect(progress(r)).toBe('2 of 4');
    r.ok('ann', { type: 'deferTurn' });
    // bob is now the second person offered the stick; ann waits at the end: still 4 people.
    expect(progress(r)).toBe('2 of 4');
    r.ok('bob', { type: 'releaseStick' });
    expect(progress(r)).toBe('3 of 4');
    r.ok('cat', { type: 'releaseStick' });
    expect(progress(r)).toBe('4 of 4');
    expect(r.holder).toBe('ann');
  });

  it('[F2] deferring is a stick command: refused before the start', () => {
    const r = new TestRoom();
    r.join('lead', 'leader');
    r.join('ann');
    r.refuses('ann', { type: 'deferTurn' });
  });
});

describe('F3 share timer', () => {
  it('[F3] nothing in the room changes at the limit: the speaker is never cut off', () => {
    const r = TestRoom.open(['ann'], { shareTimerMinutes: 1 });
    r.ok('lead', { type: 'passStick', to: 'ann' });
    const since = r.state.stick.since;
    r.advance(10 * MIN);
    const d = r.tick();
    expect(d.ok && d.changed).toBe(false);
    expect(r.holder).toBe('ann');
    expect(r.state.stick.since).toBe(since);
    expect(nextDeadline(r.state)).toBeNull();
    expect(r.snap('leader').stick).toEqual({ holderId: 'ann', since });
  });
});

describe('F4 agenda', () => {
  it('[F4] the leader sets items; an item sent with its id keeps it', () => {
    const r = TestRoom.open(['ann']);
    r.ok('lead', { type: 'setAgenda', items: [{ text: 'Check-in' }, { text: 'Theme' }] });
    expect(r.events).toContainEqual({ type: 'agendaChanged' });
    const [a, b] = r.state.agenda.items;
    expect(a?.text).toBe('Check-in');
    expect(b?.text).toBe('Theme');
    expect(a?.id).toBeTruthy();
    expect(b?.id).toBeTruthy();
    expect(a?.id).not.toBe(b?.id);
    r.ok('lead', { type: 'setAgenda', items: [{ id: b!.id, text: 'Theme: sleep' }, { text: 'Closing' }] });
    const [b2, c] = r.state.agenda.items;
    expect(b2).toEqual({ id: b!.id, text: 'Theme: sleep' });
    expect(c?.text).toBe('Closing');
    expect(c?.id).toBeTruthy();
    expect(c?.id).not.toBe(b!.id);
    expect(r.snap('participant').agenda.items).toEqual(r.state.agenda.items);
  });

  it('[F4] the leader marks the current item; an unknown id is not_found; null clears it', () => {
    const r = TestRoom.open(['ann']);
    r.ok('lead', { type: 'setAgenda', items: [{ text: 'Check-in' }, { text: 'Theme' }] });
    const id = r.state.agenda.items[1]!.id;
    r.ok('lead', { type: 'setAgendaCurrent', id });
    expect(r.state.agenda.current).toBe(id);
    expect(r.snap('participant').agenda.current).toBe(id);
    r.rejects('lead', { type: 'setAgendaCurrent', id: 'no-such-item' }, 'not_found');
    r.ok('lead', { type: 'setAgendaCurrent', id: null });
    expect(r.state.agenda.current).toBeNull();
  });

  it('[F4] keeping the current item keeps it current; removing it clears current', () => {
    const r = TestRoom.open(['ann']);
    r.ok('lead', { type: 'setAgenda', items: [{ text: 'Check-in' }, { text: 'Theme' }] });
    const [a, b] = r.state.agenda.items;
    r.ok('lead', { type: 'setAgendaCurrent', id: a!.id });
    r.ok('lead', { type: 'setAgenda', items: [{ id: a!.id, text: 'Check-in round' }, { id: b!.id, text: 'Theme' }] });
    expect(r.state.agenda.current).toBe(a!.id);
    r.ok('lead', { type: 'setAgenda', items: [{ id: b!.id, text: 'Theme' }] });
    expect(r.state.agenda.current).toBeNull();
    expect(r.state.agenda.items.map((i) => i.id)).toEqual([b!.id]);
  });

  it('[F4] the agenda can be prepared before the start, but not changed after the close', () => {
    const r = new TestRoom();
    r.join('lead', 'leader');
    r.ok('lead', { type: 'setAgenda', items: [{ text: 'Check-in' }] });
    const id = r.state.agenda.items[0]!.id;
    r.ok('lead', { type: 'setAgendaCurrent', id });
    r.ok('lead', { type: 'startMeeting' });
    r.ok('lead', { type: 'closeMeeting', force: true });
    r.rejects('lead', { type: 'setAgenda', items: [{ text: 'Later' }] }, 'wrong_phase');
    r.rejects('lead', { type: 'setAgendaCurrent', id: null }, 'wrong_phase');
  });

  it('[F4] only the leader (or a co-leader) sets the agenda', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.rejects('ann', { type: 'setAgenda', items: [{ text: 'x' }] }, 'forbidden');
    r.rejects('ann', { type: 'setAgendaCurrent', id: null }, 'forbidden');
    r.ok('lead', { type: 'setCoLeader', participantId: 'bob', on: true });
    r.ok('bob', { type: 'setAgenda', items: [{ text: 'x' }] });
    expect(r.state.agenda.items.map((i) => i.text)).toEqual(['x']);
  });
});

describe('F5 rules of the group', () => {
  it('[F5] the leader edits the rules before the start; everyone reads them in settings.rules', () => {
    const r = new TestRoom();
    r.join('lead', 'leader');
    r.join('ann');
    r.ok('lead', { type: 'setRules', rules: ['One at a time.', 'What is said here stays here.'] });
    expect(r.state.settings.rules).toEqual(['One at a time.', 'What is said here stays here.']);
    expect(r.snap('participant').settings.rules).toEqual(['One at a time.', 'What is said here stays here.']);
    expect(r.snap('observer').settings.rules).toEqual(['One at a time.', 'What is said here stays here.']);
  });

  it('[F5] after the start (and after the close) the rules cannot change', () => {
    const r = TestRoom.open(['ann']);
    r.rejects('lead', { type: 'setRules', rules: ['new'] }, 'wrong_phase');
    r.ok('lead', { type: 'closeMeeting', force: true });
    r.rejects('lead', { type: 'setRules', rules: ['new'] }, 'wrong_phase');
  });

  it('[F5] participants cannot edit the rules', () => {
    const r = new TestRoom();
    r.join('lead', 'leader');
    r.join('ann');
    r.rejects('ann', { type: 'setRules', rules: ['mine'] }, 'forbidden');
  });
});

describe('F6 settings', () => {
  it('[F6] the leader changes only the settings sent, before the start and while open', () => {
    const r = new TestRoom();
    r.join('lead', 'leader');
    r.ok('lead', { type: 'updateSettings', shareTimerMinutes: 5 });
    expect(r.events).toContainEqual({ type: 'settingsChanged' });
    expect(r.state.settings).toMatchObject({ shareTimerMinutes: 5, signsEnabled: true, admission: 'open', autoPass: false, rules: ['r'] });
    r.ok('lead', { type: 'startMeeting' });
    r.ok('lead', { type: 'updateSettings', signsEnabled: false, autoPass: true });
    expect(r.state.settings).toMatchObject({ shareTimerMinutes: 5, signsEnabled: false, admission: 'open', autoPass: true });
    r.ok('lead', { type: 'updateSettings', shareTimerMinutes: null, admission: 'leader-admits' });
    expect(r.state.settings).toMatchObject({ shareTimerMinutes: null, signsEnabled: false, admission: 'leader-admits', autoPass: true });
    expect(r.snap('participant').settings.shareTimerMinutes).toBeNull();
  });

  it('[F6] switching autoPass on takes effect at the next turn end', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('bob', { type: 'raiseHand' });
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.ok('lead', { type: 'updateSettings', autoPass: true });
    r.ok('ann', { type: 'releaseStick' });
    expect(r.holder).toBe('bob');
  });

  it('[F6] not after the close; participants cannot change settings', () => {
    const r = TestRoom.open(['ann']);
    r.rejects('ann', { type: 'updateSettings', autoPass: true }, 'forbidden');
    r.ok('lead', { type: 'closeMeeting', force: true });
    r.rejects('lead', { type: 'updateSettings', autoPass: true }, 'wrong_phase');
  });

  it('[F6] switching admission to open lets everyone waiting in the lobby in', () => {
    const r = TestRoom.open([], { admission: 'leader-admits' });
    r.join('ann');
    r.join('obs', 'observer');
    expect(r.lobby).toEqual(['ann', 'obs']);
    r.ok('lead', { type: 'updateSettings', admission: 'open' });
    expect(r.lobby).toEqual([]);
    expect(r.events).toContainEqual({ type: 'participantAdmitted', participantId: 'ann', connId: 'n1:ann' });
    expect(r.events).toContainEqual({ type: 'participantAdmitted', participantId: 'obs', connId: 'n1:obs' });
    expect(r.p('ann').role).toBe('participant');
    expect(r.p('obs').role).toBe('observer');
    // Later arrivals come straight in.
    r.join('bob');
    expect(r.has('bob')).toBe(true);
    expect(r.lobby).toEqual([]);
  });
});

describe('F7 leadership can move', () => {
  it('[F7] handOver: the person becomes the leader and the leader a participant', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'handOver', to: 'ann' });
    expect(r.events).toContainEqual({ type: 'leadershipChanged', leaderId: 'ann' });
    expect(r.p('ann').role).toBe('leader');
    expect(r.p('lead').role).toBe('participant');
    r.rejects('lead', { type: 'passStick', to: 'bob' }, 'forbidden');
    r.ok('ann', { type: 'passStick', to: 'bob' });
    expect(r.holder).toBe('bob');
    expect(r.snapFor('ann').audience).toBe('leader');
    expect(r.snapFor('ann').leader).not.toBeNull();
    expect(r.snapFor('lead').audience).toBe('participant');
    expect(r.snapFor('lead').leader).toBeNull();
  });

  it('[F7] handOver only to someone present who is not an observer and not in the lobby', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.join('obs', 'observer');
    r.ok('lead', { type: 'updateSettings', admission: 'leader-admits' });
    r.join('cat');
    r.ok('bob', { type: 'leave' });
    r.refuses('lead', { type: 'handOver', to: 'obs' });
    r.refuses('lead', { type: 'handOver', to: 'bob' });
    r.refuses('lead', { type: 'handOver', to: 'cat' });
    r.rejects('lead', { type: 'handOver', to: 'zed' }, 'not_found');
    expect(r.p('lead').role).toBe('leader');
  });

  it('[F7] participants and observers cannot hand over or name co-leaders', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.join('obs', 'observer');
    for (const who of ['ann', 'obs']) {
      r.rejects(who, { type: 'handOver', to: 'bob' }, 'forbidden');
      r.rejects(who, { type: 'setCoLeader', participantId: 'bob', on: true }, 'forbidden');
    }
  });

  it('[F7] a co-leader has every leader command except handOver and setCoLeader', () => {
    const r = TestRoom.open(['ann', 'bob', 'cat'], { admission: 'leader-admits' });
    r.ok('lead', { type: 'setCoLeader', participantId: 'ann', on: true });
    expect(r.p('ann')).toMatchObject({ coLeader: true, role: 'participant' });
    expect(r.events).toContainEqual({ type: 'leadershipChanged', leaderId: 'lead' });
    r.ok('bob', { type: 'raiseHand' });
    r.ok('ann', { type: 'passStick' });
    expect(r.holder).toBe('bob');
    r.ok('ann', { type: 'takeStick' });
    r.ok('ann', { type: 'startRound' });
    r.ok('ann', { type: 'endRound' });
    r.ok('ann', { type: 'updateSettings', shareTimerMinutes: 3 });
    r.ok('ann', { type: 'setAgenda', items: [{ text: 'x' }] });
    r.join('dan');
    r.ok('ann', { type: 'admit', participantId: 'dan' });
    r.ok('ann', { type: 'removeParticipant', participantId: 'cat' });
    r.ok('ann', { type: 'warnClosing' });
    r.rejects('ann', { type: 'handOver', to: 'ann' }, 'forbidden');
    r.rejects('ann', { type: 'handOver', to: 'bob' }, 'forbidden');
    r.rejects('ann', { type: 'setCoLeader', participantId: 'bob', on: true }, 'forbidden');
    r.rejects('ann', { type: 'setCoLeader', participantId: 'ann', on: false }, 'forbidden');
    r.ok('ann', { type: 'closeMeeting' });
    expect(r.state.phase).toBe('closed');
  });

  it('[F7] a co-leader gets the leader snapshot; removing the co-leader takes the rights away', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'setCoLeader', participantId: 'ann', on: true });
    expect(r.snapFor('ann').audience).toBe('leader');
    expect(r.snapFor('ann').participants.find((p) => p.id === 'ann')?.coLeader).toBe(true);
    r.ok('lead', { type: 'setCoLeader', participantId: 'ann', on: false });
    expect(r.p('ann').coLeader).toBe(false);
    expect(r.snapFor('ann').audience).toBe('participant');
    r.rejects('ann', { type: 'passStick', to: 'bob' }, 'forbidden');
  });

  it('[F7] the leader drops with no co-leader: the stick returns to the centre, the turn counts, leaderAway', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.advance(3000);
    r.drop('lead');
    expect(r.events).toContainEqual({ type: 'leaderAway' });
    expect(r.holder).toBeNull();
    expect(r.p('ann').turns).toBe(1);
    expect(r.snap('participant').leaderAway).toBe(true);
    expect(r.snap('observer').leaderAway).toBe(true);
  });

  it('[F7] while the leader is away, autoPass does not move the stick; hands can still go up', () => {
    const r = TestRoom.open(['ann', 'bob', 'cat'], { autoPass: true });
    r.ok('bob', { type: 'raiseHand' });
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.drop('lead');
    expect(r.holder).toBeNull();
    expect(r.queue).toEqual(['bob']);
    r.ok('cat', { type: 'raiseHand' });
    expect(r.queue).toEqual(['bob', 'cat']);
    r.advance(30_000);
    r.tick();
    expect(r.holder).toBeNull();
    // Back: the meeting goes on, nothing moved meanwhile.
    r.resume('lead', 'leader');
    expect(r.snap('participant').leaderAway).toBe(false);
    expect(r.holder).toBeNull();
    expect(r.queue).toEqual(['bob', 'cat']);
  });

  it('[F7] while the leader is away, a round waits: the stick is not offered on', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'startRound' });
    r.ok('lead', { type: 'releaseStick' });
    expect(r.holder).toBe('ann');
    r.drop('lead');
    expect(r.holder).toBeNull();
    expect(r.p('ann').turns).toBe(1);
    expect(r.state.round).not.toBeNull();
    r.advance(30_000);
    r.tick(); // within the leader's grace period the round still waits
    expect(r.holder).toBeNull();
    expect(r.snap('participant').leaderAway).toBe(true);
    expect(r.snap('participant').leaderless).toBe(false);
  });

  it('[F7][F11] the leader leaving (not only dropping) does not make the meeting wait: the group carries on, the speaker keeps the stick', () => {
    const r = TestRoom.open(['ann']);
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.ok('lead', { type: 'leave' });
    expect(r.holder).toBe('ann');
    expect(r.snap('participant').leaderAway).toBe(true);
    expect(r.snap('participant').leaderless).toBe(true);
    expect(r.events).toContainEqual({ type: 'leaderlessBegan' });
  });

  it('[F7] the leader holding the stick drops: their own turn ends and counts', () => {
    const r = TestRoom.open(['ann'], { autoPass: true });
    r.ok('ann', { type: 'raiseHand' });
    r.ok('lead', { type: 'passStick', to: 'lead' });
    r.drop('lead');
    expect(r.holder).toBeNull();
    expect(r.p('lead').turns).toBe(1);
    expect(r.queue).toEqual(['ann']);
  });

  it('[F7] with a co-leader connected nothing pauses when the leader drops', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'setCoLeader', participantId: 'ann', on: true });
    r.ok('lead', { type: 'passStick', to: 'bob' });
    r.drop('lead');
    expect(r.events.some((e) => e.type === 'leaderAway')).toBe(false);
    expect(r.holder).toBe('bob');
    expect(r.snap('participant').leaderAway).toBe(false);
    r.ok('ann', { type: 'takeStick' });
    // The co-leader drops too: now nobody leads.
    r.ok('ann', { type: 'passStick', to: 'bob' });
    r.drop('ann');
    expect(r.holder).toBeNull();
    expect(r.snap('participant').leaderAway).toBe(true);
  });

  it('[F7] nothing is "away" before the start', () => {
    const r = new TestRoom();
    r.join('lead', 'leader');
    r.join('ann');
    r.drop('lead');
    expect(r.snap('participant').leaderAway).toBe(false);
  });

  it('[F7] handing over to someone whose connection dropped leaves nobody leading: the stick returns to the centre', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'passStick', to: 'bob' });
    r.drop('ann');
    r.ok('lead', { type: 'handOver', to: 'ann' });
    expect(r.snap('participant').leaderAway).toBe(true);
    expect(r.holder).toBeNull();
    expect(r.p('bob').turns).toBe(1);
  });

  it('[F7] resuming restores the seat\'s role as it is now; a handed-over role stays handed over', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'handOver', to: 'ann' });
    r.drop('lead');
    expect(r.resume('lead', 'leader').ok).toBe(true);
    expect(r.p('lead').role).toBe('participant');
    expect(r.events).toContainEqual({ type: 'participantResumed', participantId: 'lead', role: 'participant' });
    r.drop('ann');
    expect(r.resume('ann', 'participant').ok).toBe(true);
    expect(r.p('ann').role).toBe('leader');
    r.ok('ann', { type: 'passStick', to: 'bob' });
  });

  it('[F7] a resume with a link of another role than the seat\'s original one is forbidden', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'handOver', to: 'ann' });
    r.drop('ann');
    r.drop('lead');
    const before = structuredClone(r.state);
    // ann leads now, but her seat was taken with a participant link.
    const a = r.resume('ann', 'leader');
    expect(a.ok).toBe(false);
    if (!a.ok) expect(a.error.code).toBe('forbidden');
    const l = r.resume('lead', 'participant');
    expect(l.ok).toBe(false);
    if (!l.ok) expect(l.error.code).toBe('forbidden');
    const b = r.resume('bob', 'leader');
    expect(b.ok).toBe(false);
    if (!b.ok) expect(b.error.code).toBe('forbidden');
    expect(r.state).toEqual(before);
  });
});

describe('F8 silent support', () => {
  it('[F8] leader and participants send signs while open; they show the sender and never touch the stick or the queue', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'startRound' });
    r.ok('lead', { type: 'releaseStick' });
    r.ok('bob', { type: 'raiseHand' });
    const before = structuredClone(r.state);
    r.ok('bob', { type: 'sendSign', kind: 'support' });
    expect(r.events).toContainEqual({ type: 'signSent', kind: 'support' });
    r.advance(100);
    r.ok('lead', { type: 'sendSign', kind: 'thanks' });
    expect(r.state.stick).toEqual(before.stick);
    expect(r.state.queue).toEqual(before.queue);
    expect(r.state.round).toEqual(before.round);
    expect(r.state.participants).toEqual(before.participants);
    const signs = r.snap('participant').signs;
    expect(signs.map((s) => [s.from, s.kind])).toEqual([
      ['bob', 'support'],
      ['lead', 'thanks'],
    ]);
    expect(signs[0]!.at).toBe(r.now - 100);
    expect(signs[1]!.at).toBe(r.now);
    expect(signs[0]!.id).not.toBe(signs[1]!.id);
    expect(r.snap('observer').signs).toHaveLength(2);
  });

  it('[F8] signs fade after SIGN_FADE_MS', () => {
    const r = TestRoom.open(['ann']);
    r.ok('ann', { type: 'sendSign', kind: 'hear' });
    r.advance(SIGN_FADE_MS - 1);
    expect(r.snap('participant').signs).toHaveLength(1);
    r.advance(1);
    expect(r.snap('participant').signs).toEqual([]);
    r.ok('ann', { type: 'sendSign', kind: 'thanks' });
    expect(r.snap('participant').signs.map((s) => s.kind)).toEqual(['thanks']);
  });

  it('[F8] with signsEnabled false, signs are refused', () => {
    const r = TestRoom.open(['ann'], { signsEnabled: false });
    r.rejects('ann', { type: 'sendSign', kind: 'hear' }, 'conflict');
    r.ok('lead', { type: 'updateSettings', signsEnabled: true });
    r.ok('ann', { type: 'sendSign', kind: 'hear' });
    r.ok('lead', { type: 'updateSettings', signsEnabled: false });
    r.rejects('lead', { type: 'sendSign', kind: 'hear' }, 'conflict');
  });

  it('[F8] observers cannot send signs; nobody can outside an open meeting', () => {
    const r = new TestRoom();
    r.join('lead', 'leader');
    r.join('ann');
    r.join('obs', 'observer');
    r.refuses('ann', { type: 'sendSign', kind: 'hear' });
    r.ok('lead', { type: 'startMeeting' });
    r.rejects('obs', { type: 'sendSign', kind: 'hear' }, 'forbidden');
    r.ok('lead', { type: 'closeMeeting', force: true });
    r.refuses('ann', { type: 'sendSign', kind: 'hear' });
  });
});

describe('F9 check-in after the meeting', () => {
  it('[F9] a participant asks privately; only leaders\' snapshots list it', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.join('obs', 'observer');
    r.ok('ann', { type: 'askCheckIn', on: true });
    expect(r.events).toContainEqual({ type: 'checkInChanged' });
    expect(r.snap('leader').leader?.checkIns).toEqual(['ann']);
    expect(r.snap('participant').leader).toBeNull();
    expect(r.snap('observer').leader).toBeNull();
    expect(JSON.stringify(r.snap('participant'))).not.toMatch(/checkIn/i);
    expect(JSON.stringify(r.snap('observer'))).not.toMatch(/checkIn/i);
    r.ok('ann', { type: 'askCheckIn', on: false });
    expect(r.snap('leader').leader?.checkIns).toEqual([]);
  });

  it('[F9] at any time: before the start and after the close', () => {
    const r = new TestRoom();
    r.join('lead', 'leader');
    r.join('ann');
    r.join('bob');
    r.ok('ann', { type: 'askCheckIn', on: true });
    r.ok('lead', { type: 'startMeeting' });
    r.ok('lead', { type: 'closeMeeting', force: true });
    r.ok('bob', { type: 'askCheckIn', on: true });
    expect(r.snap('leader').leader?.checkIns).toEqual(['ann', 'bob']);
  });

  it('[F9] leaders and observers do not ask for a check-in', () => {
    const r = TestRoom.open(['ann']);
    r.join('obs', 'observer');
    r.rejects('lead', { type: 'askCheckIn', on: true }, 'forbidden');
    r.rejects('obs', { type: 'askCheckIn', on: true }, 'forbidden');
  });
});

describe('L1 lobby', () => {
  it('[L1] with leader-admits, everyone but leaders waits in the lobby on joining', () => {
    const r = new TestRoom({ admission: 'leader-admits' });
    r.join('lead', 'leader');
    expect(r.has('lead')).toBe(true);
    r.join('ann', 'participant', { name: 'Ann Lobbyname' });
    expect(r.events).toContainEqual({ type: 'lobbyEntered', participantId: 'ann' });
    r.join('obs', 'observer');
    expect(r.has('ann')).toBe(false);
    expect(r.has('obs')).toBe(false);
    expect(r.lobby).toEqual(['ann', 'obs']);
    expect(r.state.lobby[0]).toMatchObject({ id: 'ann', name: 'Ann Lobbyname', role: 'participant', connId: 'n1:ann', since: r.now });
    r.ok('lead', { type: 'startMeeting' });
    r.join('lead2', 'leader');
    expect(r.has('lead2')).toBe(true);
  });

  it('[L1] leaders see the lobby; nobody else sees its names', () => {
    const r = TestRoom.open(['bob'], { admission: 'leader-admits' });
    r.join('obs', 'observer');
    r.ok('lead', { type: 'admit', participantId: 'obs' });
    r.resume('obs', 'observer', 'n1:obs');
    r.join('ann', 'participant', { name: 'Ann Lobbyname' });
    expect(r.snap('leader').leader?.lobby).toEqual([{ id: 'ann', name: 'Ann Lobbyname', role: 'participant', since: r.now, connected: true }]);
    for (const audience of ['participant', 'observer'] as const) {
      const s = r.snap(audience);
      expect(s.leader).toBeNull();
      expect(JSON.stringify(s)).not.toContain('Ann Lobbyname');
      expect(s.participants.map((p) => p.id)).not.toContain('ann');
    }
  });

  it('[L1] admit: the connection is told, and with its resume secret the person comes in', () => {
    const r = TestRoom.open(['bob'], { admission: 'leader-admits' });
    r.join('ann', 'participant', { name: 'Ann' });
    r.ok('lead', { type: 'admit', participantId: 'ann' });
    expect(r.events).toContainEqual({ type: 'participantAdmitted', participantId: 'ann', connId: 'n1:ann' });
    expect(r.lobby).toEqual([]);
    expect(r.p('ann')).toMatchObject({ name: 'Ann', role: 'participant', removed: false });
    const d = r.resume('ann', 'participant', 'n1:ann');
    expect(d.ok).toBe(true);
    expect(r.p('ann')).toMatchObject({ present: true, connId: 'n1:ann' });
    r.ok('ann', { type: 'raiseHand' });
    expect(r.queue).toEqual(['ann']);
    expect(r.snap('participant').participants.map((p) => p.id)).toContain('ann');
  });

  it('[L1] people in the lobby cannot act in the meeting', () => {
    const r = TestRoom.open(['bob'], { admission: 'leader-admits' });
    r.join('ann');
    r.rejects('ann', { type: 'raiseHand' }, 'forbidden');
    r.rejects('ann', { type: 'sendSign', kind: 'hear' }, 'forbidden');
  });

  it('[L1] turnAway: the connection is ended with turnedAway and that resume secret is refused afterwards', () => {
    const r = TestRoom.open(['bob'], { admission: 'leader-admits' });
    r.join('ann');
    r.ok('lead', { type: 'turnAway', participantId: 'ann' });
    expect(r.events).toContainEqual({ type: 'connectionEnded', participantId: 'ann', connId: 'n1:ann', reason: 'turnedAway' });
    expect(r.lobby).toEqual([]);
    expect(r.has('ann')).toBe(false);
    const before = structuredClone(r.state);
    expect(r.resume('ann', 'participant').ok).toBe(false);
    expect(r.state).toEqual(before);
    expect(JSON.stringify(r.snap('leader'))).not.toContain('"ann"');
  });

  it('[L1] admit and turnAway: unknown ids are not_found; participants cannot; co-leaders can', () => {
    const r = TestRoom.open(['bob', 'cat'], { admission: 'leader-admits' });
    r.join('ann');
    r.join('dan');
    r.rejects('lead', { type: 'admit', participantId: 'zed' }, 'not_found');
    r.rejects('lead', { type: 'turnAway', participantId: 'zed' }, 'not_found');
    r.rejects('bob', { type: 'admit', participantId: 'ann' }, 'forbidden');
    r.rejects('bob', { type: 'turnAway', participantId: 'ann' }, 'forbidden');
    r.ok('lead', { type: 'setCoLeader', participantId: 'cat', on: true });
    r.ok('cat', { type: 'admit', participantId: 'ann' });
    r.ok('cat', { type: 'turnAway', participantId: 'dan' });
    expect(r.lobby).toEqual([]);
  });

  it('[L1] a lobby connection dropped longer than the grace period leaves the lobby', () => {
    const r = TestRoom.open(['bob'], { admission: 'leader-admits' });
    r.join('ann');
    r.join('dan');
    r.drop('ann');
    expect(r.state.lobby.find((e) => e.id === 'ann')).toMatchObject({ connId: null, disconnectedAt: r.now });
    expect(r.snap('leader').leader?.lobby.find((e) => e.id === 'ann')?.connected).toBe(false);
    expect(nextDeadline(r.state)).toBe(r.now + 60_000);
    r.advance(59_999);
    r.tick();
    expect(r.lobby).toEqual(['ann', 'dan']);
    r.advance(1);
    r.tick();
    expect(r.lobby).toEqual(['dan']);
    expect(r.events).toContainEqual({ type: 'lobbyLeft', participantId: 'ann', reason: 'timedOut' });
    expect(r.has('ann')).toBe(false);
  });

  it('[L1] a lobby connection that comes back within the grace period keeps waiting in the lobby', () => {
    const r = TestRoom.open(['bob'], { admission: 'leader-admits' });
    r.join('ann');
    r.drop('ann');
    r.advance(30_000);
    expect(r.resume('ann', 'participant').ok).toBe(true);
    expect(r.has('ann')).toBe(false);
    expect(r.state.lobby[0]).toMatchObject({ id: 'ann', connId: 'n2:ann', disconnectedAt: null });
    r.advance(60_000);
    r.tick();
    expect(r.lobby).toEqual(['ann']);
    r.ok('lead', { type: 'admit', participantId: 'ann' });
    expect(r.events).toContainEqual({ type: 'participantAdmitted', participantId: 'ann', connId: 'n2:ann' });
  });

  it('[L1] a lobby secret never grants another role', () => {
    const r = TestRoom.open(['bob'], { admission: 'leader-admits' });
    r.join('ann');
    r.drop('ann');
    const before = structuredClone(r.state);
    const d = r.resume('ann', 'leader');
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.error.code).toBe('forbidden');
    expect(r.state).toEqual(before);
  });

  it('[L1] a late admission during a round joins the end of the round', () => {
    const r = TestRoom.open(['bob'], { admission: 'leader-admits' });
    r.ok('lead', { type: 'startRound' });
    r.join('ann');
    expect(r.state.round?.order).toEqual(['lead', 'bob']);
    r.ok('lead', { type: 'admit', participantId: 'ann' });
    r.resume('ann', 'participant', 'n1:ann');
    expect(r.state.round?.order).toEqual(['lead', 'bob', 'ann']);
  });
});

describe('L2 removal', () => {
  it('[L2] a removed holder leaves as in S9: the turn counts, the stick returns to the centre, the connection ends', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('bob', { type: 'raiseHand' });
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.ok('lead', { type: 'removeParticipant', participantId: 'ann' });
    expect(r.events).toContainEqual({ type: 'participantLeft', participantId: 'ann', reason: 'removed' });
    expect(r.events).toContainEqual({ type: 'connectionEnded', participantId: 'ann', connId: 'n1:ann', reason: 'removed' });
    expect(r.p('ann')).toMatchObject({ present: false, removed: true, turns: 1, connId: null });
    expect(r.holder).toBeNull();
    expect(r.queue).toEqual(['bob']);
  });

  it('[L2] with autoPass the stick goes to the head of the queue; a removed person leaves the queue', () => {
    const r = TestRoom.open(['ann', 'bob', 'cat'], { autoPass: true });
    r.ok('cat', { type: 'raiseHand' });
    r.ok('bob', { type: 'raiseHand' });
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.ok('lead', { type: 'removeParticipant', participantId: 'cat' });
    expect(r.queue).toEqual(['bob']);
    r.ok('lead', { type: 'removeParticipant', participantId: 'ann' });
    expect(r.holder).toBe('bob');
    expect(r.queue).toEqual([]);
  });

  it('[L2] in a round, removing the holder moves the round on', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'startRound' });
    r.ok('lead', { type: 'releaseStick' });
    r.ok('lead', { type: 'removeParticipant', participantId: 'ann' });
    expect(r.holder).toBe('bob');
  });

  it('[L2] the removed person\'s resume secret is refused from then on (forbidden)', () => {
    const r = TestRoom.open(['ann']);
    r.drop('ann');
    r.ok('lead', { type: 'removeParticipant', participantId: 'ann' });
    expect(r.p('ann')).toMatchObject({ present: false, removed: true });
    const before = structuredClone(r.state);
    for (const connId of ['n2:ann', 'n1:ann']) {
      const d = r.resume('ann', 'participant', connId);
      expect(d.ok).toBe(false);
      if (!d.ok) expect(d.error.code).toBe('forbidden');
    }
    expect(r.state).toEqual(before);
    r.rejects('ann', { type: 'raiseHand' }, 'forbidden');
  });

  it('[L2] an observer can be removed', () => {
    const r = TestRoom.open(['ann']);
    r.join('obs', 'observer');
    r.ok('lead', { type: 'removeParticipant', participantId: 'obs' });
    expect(r.p('obs')).toMatchObject({ present: false, removed: true });
    expect(r.events).toContainEqual({ type: 'connectionEnded', participantId: 'obs', connId: 'n1:obs', reason: 'removed' });
  });

  it('[L2] not a leader, not a co-leader, not oneself; participants cannot remove; unknown is not_found', () => {
    const r = TestRoom.open(['ann', 'bob']);
    r.ok('lead', { type: 'setCoLeader', participantId: 'ann', on: true });
    r.refuses('lead', { type: 'removeParticipant', participantId: 'lead' });
    r.refuses('lead', { type: 'removeParticipant', participantId: 'ann' });
    r.refuses('ann', { type: 'removeParticipant', participantId: 'lead' });
    r.refuses('ann', { type: 'removeParticipant', participantId: 'ann' });
    r.rejects('bob', { type: 'removeParticipant', participantId: 'ann' }, 'forbidden');
    r.rejects('lead', { type: 'removeParticipant', participantId: 'zed' }, 'not_found');
  });

  it('[L2] no reason is stored: the removed seat carries nothing but the fact', () => {
    const r = TestRoom.open(['ann']);
    const before = structuredClone(r.p('ann'));
    r.ok('lead', { type: 'removeParticipant', participantId: 'ann' });
    const after = r.p('ann');
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
  });
});
