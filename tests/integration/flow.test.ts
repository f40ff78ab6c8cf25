/**
 * The meeting flow over real Socket.IO (rules F2-F9, L1-L2 in docs/rules.md): lobby, removal,
 * leadership that moves, rounds with "come back to me", agenda, signs, check-ins and concerns.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RoomSnapshot } from '@peer-circle/shared';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { createMeeting, Member, Members, sleep } from '../helpers/client.ts';

let srv: RunningServer;
beforeAll(async () => {
  srv = await testServer({ ratePerSecond: 1000, apiRatePerMinute: 10_000, graceSeconds: 30 });
});
afterAll(async () => srv?.close());

const members = new Members(() => srv.url);
beforeEach(() => members.closeAll());
const join = members.join;

const person = (s: RoomSnapshot, id: string) => s.participants.find((p) => p.id === id);

async function circle(body: Record<string, unknown> = {}) {
  const m = await createMeeting(srv.url, { title: 'Tuesday group', ...body });
  const lea = await join(m.tokens.leader, 'Lea');
  const ann = await join(m.tokens.participant, 'Ann');
  const bob = await join(m.tokens.participant, 'Bob');
  expect((await lea.call('startMeeting', {})).ok).toBe(true);
  await Promise.all([lea, ann, bob].map((x) => x.waitFor((s) => s.phase === 'open' && s.participants.length === 3)));
  return { lea, ann, bob, tokens: m.tokens };
}

describe('L1 the lobby', () => {
  it('[L1] with leader-admits, arrivals wait unseen; the leader lets them in and they join with their resume secret', async () => {
    const m = await createMeeting(srv.url, { title: 'Tuesday group', admission: 'leader-admits' });
    const lea = await join(m.tokens.leader, 'Lea');
    expect(lea.lobby).toBe(false);
    const ann = await join(m.tokens.participant, 'Ann-in-lobby');
    expect(ann.lobby).toBe(true);
    expect(ann.states).toEqual([]);
    const waiting = await lea.waitFor((s) => s.leader?.lobby.length === 1);
    expect(waiting.leader!.lobby[0]).toMatchObject({ id: ann.me.id, name: 'Ann-in-lobby', role: 'participant', connected: true });
    expect(waiting.participants.map((p) => p.name)).toEqual(['Lea']);

    // Someone already in the circle never learns who waits.
    const bob = await join(m.tokens.participant, 'Bob');
    await lea.waitFor((s) => s.leader?.lobby.length === 2);
    expect(await lea.call('admit', { participantId: bob.me.id })).toEqual({ ok: true });
    await bob.waitFor((s) => s.participants.some((p) => p.name === 'Bob'));
    await sleep(50);
    expect(bob.raw.join('\n')).not.toContain('Ann-in-lobby');

    expect(await lea.call('admit', { participantId: ann.me.id })).toEqual({ ok: true });
    const inside = await ann.waitFor((s) => person(s, ann.me.id)?.present === true);
    // Admitted, the seat's connection gets the room's snapshots at once; the join answer that
    // turns the lobby connection into a session may come just after.
    await expect.poll(() => ann.lobby).toBe(false);
    expect(inside.leader).toBeNull();
    expect(inside.participants.map((p) => p.name)).toEqual(['Lea', 'Bob', 'Ann-in-lobby']);
    // Nothing of the room reached the lobby connection before it was let in.
    const beforeAdmit = ann.frames.filter((f) => f.event === 'state');
    expect(beforeAdmit.every((f) => (f.args[0] as RoomSnapshot).participants.some((p) => p.id === ann.me.id))).toBe(true);
  });

  it('[L1] a person turned away is told calmly and cannot come back with the same secret', async () => {
    const m = await createMeeting(srv.url, { title: 'Tuesday group', admission: 'leader-admits' });
    const lea = await join(m.tokens.leader, 'Lea');
    const eve = await join(m.tokens.participant, 'Eve');
    await lea.waitFor((s) => s.leader?.lobby.length === 1);
    expect(await lea.call('turnAway', { participantId: eve.me.id })).toEqual({ ok: true });
    await expect.poll(() => eve.ended).toBe('turnedAway');
    await expect.poll(() => eve.socket.connected).toBe(false);
    await expect(Member.join(srv.url, m.tokens.participant, 'Eve', { resume: eve.resume })).rejects.toThrow(/forbidden/);
    expect((await lea.waitFor((s) => s.leader?.lobby.length === 0)).participants.map((p) => p.name)).toEqual(['Lea']);
  });

  it('[F6][L1] opening admission lets everyone waiting in', async () => {
    const m = await createMeeting(srv.url, { title: 'Tuesday group', admission: 'leader-admits' });
    const lea = await join(m.tokens.leader, 'Lea');
    const ann = await join(m.tokens.participant, 'Ann');
    const obs = await join(m.tokens.observer, 'Oli');
    await lea.waitFor((s) => s.leader?.lobby.length === 2);
    expect(await lea.call('updateSettings', { admission: 'open' })).toEqual({ ok: true });
    await ann.waitFor((s) => s.participants.length === 3);
    await obs.waitFor((s) => s.audience === 'observer');
  });
});

describe('L2 removing a participant', () => {
  it('[L2] the removed person is told, others see only that they are gone, and the resume secret is refused', async () => {
    const c = await circle();
    await c.bob.call('raiseHand', {});
    expect(await c.lea.call('removeParticipant', { participantId: c.bob.me.id })).toEqual({ ok: true });
    await expect.poll(() => c.bob.ended).toBe('removed');
    const s = await c.ann.waitFor((x) => person(x, c.bob.me.id)?.present === false);
    expect(s.queue).toEqual([]);
    expect(c.ann.raw.join('\n')).not.toMatch(/removed/i);
    await expect(Member.join(srv.url, c.tokens.participant, 'Bob', { resume: c.bob.resume })).rejects.toThrow(/forbidden/);
    expect((await c.lea.call('removeParticipant', { participantId: c.lea.me.id })).error?.code).toBe('conflict');
  });
});

describe('F7 leadership that can move', () => {
  it('[F7] the leader drops with no co-leader: the stick returns to the centre and the meeting waits until the same secret brings the leader back', async () => {
    const c = await circle();
    await c.lea.call('passStick', { to: c.ann.me.id });
    await c.ann.waitFor((s) => s.stick.holderId === c.ann.me.id);
    c.lea.close();
    const away = await c.ann.waitFor((s) => s.leaderAway);
    expect(away.stick.holderId).toBeNull();
    expect(person(away, c.ann.me.id)!.turns).toBe(1);
    // Nobody gains the leader's rights meanwhile.
    expect((await c.bob.call('passStick', { to: c.bob.me.id })).error?.code).toBe('forbidden');
    const back = await join(c.tokens.leader, 'Lea', { resume: c.lea.resume });
    expect(back.me).toEqual(c.lea.me);
    const s = await c.ann.waitFor((x) => !x.leaderAway);
    expect(person(s, c.lea.me.id)!.role).toBe('leader');
    expect(await back.call('passStick', { to: c.bob.me.id })).toEqual({ ok: true });
  });

  it('[F7] with a co-leader connected the meeting carries on', async () => {
    const c = await circle();
    expect(await c.lea.call('setCoLeader', { participantId: c.bob.me.id, on: true })).toEqual({ ok: true });
    await c.bob.waitFor((s) => s.audience === 'leader' && person(s, c.bob.me.id)!.coLeader);
    await c.lea.call('passStick', { to: c.ann.me.id });
    c.lea.close();
    await c.ann.waitFor((s) => person(s, c.lea.me.id)!.connected === false);
    await sleep(50);
    expect(c.ann.latest).toMatchObject({ leaderAway: false, stick: { holderId: c.ann.me.id } });
    expect(await c.bob.call('passStick', {})).toMatchObject({ ok: false, error: { code: 'conflict' } }); // nobody waits
    expect(await c.bob.call('takeStick', {})).toEqual({ ok: true });
  });

  it('[F7] handing over moves the role; reconnecting never gives it back', async () => {
    const c = await circle();
    expect(await c.lea.call('handOver', { to: c.ann.me.id })).toEqual({ ok: true });
    const s = await c.ann.waitFor((x) => x.audience === 'leader');
    expect(person(s, c.ann.me.id)!.role).toBe('leader');
    expect(person(s, c.lea.me.id)!.role).toBe('participant');
    await c.lea.waitFor((x) => x.audience === 'participant');
    expect((await c.lea.call('startRound', {})).error?.code).toBe('forbidden');
    // Lea reconnects with the leader link she came with: her seat is a participant's now.
    c.lea.close();
    const lea2 = await join(c.tokens.leader, 'Lea', { resume: c.lea.resume });
    expect(lea2.me).toEqual({ id: c.lea.me.id, role: 'participant' });
    expect(lea2.latest.audience).toBe('participant');
    // Ann reconnects with her participant link and is still the leader.
    c.ann.close();
    const ann2 = await join(c.tokens.participant, 'Ann', { resume: c.ann.resume });
    expect(ann2.me).toEqual({ id: c.ann.me.id, role: 'leader' });
    expect(await ann2.call('startRound', {})).toEqual({ ok: true });
  });
});

describe('F2 rounds, kindly', () => {
  it('[F2] "come back to me" moves the person to the end of the round once; progress is visible', async () => {
    const c = await circle();
    await c.lea.call('startRound', {});
    await c.lea.call('releaseStick', {});
    let s = await c.bob.waitFor((x) => x.stick.holderId === c.ann.me.id);
    expect([s.round!.index + 1, s.round!.order.length]).toEqual([2, 3]);
    // Every audience's snapshot names who may say "come back to me" now.
    expect(s.round!.mayDefer).toBe(c.ann.me.id);
    expect(await c.ann.call('deferTurn', {})).toEqual({ ok: true });
    s = await c.bob.waitFor((x) => x.stick.holderId === c.bob.me.id);
    expect(s.round).toEqual({ order: [c.lea.me.id, c.bob.me.id, c.ann.me.id], index: 1, deferred: [c.ann.me.id], mayDefer: c.bob.me.id });
    expect(person(s, c.ann.me.id)).toMatchObject({ turns: 0, passes: 0 });
    await c.bob.call('declineStick', {});
    await c.ann.waitFor((x) => x.stick.holderId === c.ann.me.id);
    expect((await c.ann.call('deferTurn', {})).error?.code).toBe('conflict');
    expect(await c.ann.call('releaseStick', {})).toEqual({ ok: true });
    await c.ann.waitFor((x) => x.round === null);
  });
});

describe('F3-F5 settings, agenda and rules', () => {
  it('[F3][F4] the share timer and the agenda reach everyone', async () => {
    const c = await circle();
    expect(await c.lea.call('updateSettings', { shareTimerMinutes: 3 })).toEqual({ ok: true });
    expect(await c.lea.call('setAgenda', { items: [{ text: 'Welcome' }, { text: 'Round' }, { text: 'Announcements' }] })).toEqual({ ok: true });
    const s = await c.ann.waitFor((x) => x.agenda.items.length === 3 && x.settings.shareTimerMinutes === 3);
    expect(await c.lea.call('setAgendaCurrent', { id: s.agenda.items[1]!.id })).toEqual({ ok: true });
    await c.bob.waitFor((x) => x.agenda.current === s.agenda.items[1]!.id);
    expect((await c.lea.call('setAgendaCurrent', { id: 'gone' })).error?.code).toBe('not_found');
    expect((await c.lea.call('updateSettings', { shareTimerMinutes: 31 })).error?.code).toBe('invalid_payload');
  });

  it('[F5] rules can be edited before the start only', async () => {
    const m = await createMeeting(srv.url, { title: 'Tuesday group' });
    const lea = await join(m.tokens.leader, 'Lea');
    expect(await lea.call('setRules', { rules: ['Be kind.', 'Phones on silent.'] })).toEqual({ ok: true });
    const res = await fetch(`${srv.url}/api/lookup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: m.tokens.participant }) });
    expect(((await res.json()) as { rules: string[] }).rules).toEqual(['Be kind.', 'Phones on silent.']);
    await lea.call('startMeeting', {});
    expect((await lea.call('setRules', { rules: ['x'] })).error?.code).toBe('wrong_phase');
  });
});

describe('F8 silent support, F9 check-in, E3 concerns', () => {
  it('[F8] signs reach everyone with the sender and never move the stick; the leader can switch them off', async () => {
    const c = await circle();
    await c.lea.call('passStick', { to: c.ann.me.id });
    expect(await c.bob.call('sendSign', { kind: 'hear' })).toEqual({ ok: true });
    const s = await c.ann.waitFor((x) => x.signs.length === 1);
    expect(s.signs[0]).toMatchObject({ from: c.bob.me.id, kind: 'hear' });
    expect(s.stick.holderId).toBe(c.ann.me.id);
    await c.lea.call('updateSettings', { signsEnabled: false });
    expect((await c.bob.call('sendSign', { kind: 'thanks' })).error?.code).toBe('conflict');
    expect((await c.bob.call('sendSign', { kind: 'shout' })).error?.code).toBe('invalid_payload');
  });

  it('[F9][E3] check-in requests and concerns reach leaders only', async () => {
    const c = await circle();
    expect(await c.ann.call('askCheckIn', { on: true })).toEqual({ ok: true });
    expect(await c.bob.call('raiseConcern', { text: 'Canary-concern-4411' })).toEqual({ ok: true });
    const s = await c.lea.waitFor((x) => x.leader!.checkIns.length === 1 && x.leader!.concerns.length === 1);
    expect(s.leader!.checkIns).toEqual([c.ann.me.id]);
    expect(s.leader!.concerns[0]!.text).toBe('Canary-concern-4411');
    expect(JSON.stringify(s.leader!.concerns)).not.toContain(c.bob.me.id);
    await sleep(50);
    for (const m of [c.ann, c.bob]) {
      expect(m.raw.join('\n')).not.toContain('Canary-concern-4411');
      expect(m.states.every((x) => x.leader === null)).toBe(true);
    }
    for (let i = 0; i < 2; i++) await c.bob.call('raiseConcern', { text: `more ${i}` });
    expect((await c.bob.call('raiseConcern', { text: 'one too many' })).error?.code).toBe('conflict');
  });

  it('[F9][E3] only the person learns their own check-in and concerns left, from the join answer after a reconnect', async () => {
    const c = await circle();
    await c.ann.call('askCheckIn', { on: true });
    await c.ann.call('raiseConcern', { text: 'A quiet worry.' });
    c.ann.close();
    const again = await join(c.tokens.participant, 'Ann', { resume: c.ann.resume });
    expect(again.mine).toEqual({ checkIn: true, feedbackGiven: false, concernsLeft: 2 });
    expect(c.bob.mine).toEqual({ checkIn: false, feedbackGiven: false, concernsLeft: 3 });
    // Nobody else's snapshot says who asked.
    await sleep(30);
    expect(c.bob.raw.join('\n')).not.toContain('"checkIns"');
    expect(c.lea.latest.leader!.checkIns).toEqual([c.ann.me.id]);
  });
});

describe('E4 the attendance summary', () => {
  const attendance = (body: object) =>
    fetch(`${srv.url}/api/attendance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('[E4][F7] whoever leads now may take it: the leader link, or a co-leader\'s own seat; nobody else', async () => {
    const c = await circle();
    expect((await attendance({ token: c.tokens.leader })).status).toBe(200);
    expect((await attendance({ token: c.tokens.participant, resume: c.ann.resume })).status).toBe(404);
    await c.lea.call('setCoLeader', { participantId: c.ann.me.id, on: true });
    await c.ann.waitFor((s) => s.audience === 'leader');
    const res = await attendance({ token: c.tokens.participant, resume: c.ann.resume });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^date,title,section,item,count/);
    expect((await attendance({ token: c.tokens.participant, resume: c.bob.resume })).status).toBe(404);
    expect((await attendance({ token: c.tokens.leader, resume: c.bob.resume })).status).toBe(200);
  });
});
