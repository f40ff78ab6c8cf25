/**
 * A meeting goes on when the leader's connection does not (F11, F12), one leader seat per leader
 * link (S12) and "Go back in" (S13), over real Socket.IO against a real server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RoomSnapshot } from '@peer-circle/shared';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { createMeeting, Members } from '../helpers/client.ts';

let srv: RunningServer;
beforeAll(async () => {
  // A short grace period, so that "the grace period passes" takes a second, not a minute.
  srv = await testServer({ ratePerSecond: 1000, apiRatePerMinute: 10_000, graceSeconds: 1, tickMs: 50 });
});
afterAll(async () => srv?.close());

const members = new Members(() => srv.url);
beforeEach(() => members.closeAll());
const join = members.join;

const person = (s: RoomSnapshot, id: string) => s.participants.find((p) => p.id === id);
const leaders = (s: RoomSnapshot) => s.participants.filter((p) => p.role === 'leader' && p.present);

async function circle() {
  const m = await createMeeting(srv.url, { title: 'Tuesday group' });
  const lea = await join(m.tokens.leader, 'Lea');
  const ann = await join(m.tokens.participant, 'Ann');
  const bob = await join(m.tokens.participant, 'Bob');
  expect((await lea.call('startMeeting', {})).ok).toBe(true);
  await Promise.all([lea, ann, bob].map((x) => x.waitFor((s) => s.phase === 'open' && s.participants.length === 3)));
  return { lea, ann, bob, tokens: m.tokens };
}

describe('S12 one leader seat per leader link', () => {
  it('[S12] the leader link opened again (a fresh browser, no secret) gives the same seat back; the first connection is superseded', async () => {
    const { lea, ann, tokens } = await circle();
    const again = await join(tokens.leader, 'Lea on the phone');
    expect(again.me).toEqual({ id: lea.me.id, role: 'leader' });
    expect(again.resume).not.toBe(lea.resume);
    await expect.poll(() => lea.ended).toBe('superseded');
    await expect.poll(() => lea.socket.connected).toBe(false);
    const s = await ann.waitFor((x) => person(x, lea.me.id)?.connected === true && x.version > 0);
    expect(leaders(s)).toHaveLength(1);
    expect(s.participants).toHaveLength(3);
    expect(person(s, lea.me.id)?.name).toBe('Lea');
    // The new connection leads: its snapshot is the leaders' and its commands work.
    expect(again.latest.audience).toBe('leader');
    expect((await again.call('passStick', { to: ann.me.id })).ok).toBe(true);
    // The old device's secret was replaced: reconnecting with it does not take the seat back...
    await expect(join(tokens.leader, 'Lea', { resume: lea.resume })).rejects.toThrow(/not_found/);
    expect(again.ended).toBeNull();
    // ...opening the leader link there again does.
    const third = await join(tokens.leader, 'Lea');
    expect(third.me.id).toBe(lea.me.id);
    await expect.poll(() => again.ended).toBe('superseded');
  });

  it('[S12] after a hand-over the old leader link restores that seat with the role it has now: it cannot hand the role back', async () => {
    const { lea, ann, bob, tokens } = await circle();
    expect((await lea.call('handOver', { to: ann.me.id })).ok).toBe(true);
    await ann.waitFor((s) => person(s, ann.me.id)?.role === 'leader');
    const back = await join(tokens.leader, 'Lea');
    expect(back.me).toEqual({ id: lea.me.id, role: 'participant' });
    await expect.poll(() => lea.ended).toBe('superseded');
    expect(back.latest.audience).toBe('participant');
    expect(back.latest.leader).toBeNull();
    const refused = await back.call('handOver', { to: back.me.id });
    expect(refused.ok).toBe(false);
    expect(refused.error?.code).toBe('forbidden');
    const s = await bob.waitFor((x) => person(x, lea.me.id)?.connected === true && leaders(x).length === 1);
    expect(leaders(s).map((p) => p.id)).toEqual([ann.me.id]);
  });
});

describe('F11, F12 the leader drops: the group carries on', () => {
  it('[F11][F12] after the grace period the stick moves on by itself, a participant keeps the circle, and the leader returns with everything', async () => {
    const { lea, ann, bob, tokens } = await circle();
    const cat = await join(tokens.participant, 'Cat');
    expect((await ann.call('raiseHand', {})).ok).toBe(true);
    expect((await bob.call('raiseHand', {})).ok).toBe(true);
    expect((await lea.call('passStick', {})).ok).toBe(true);
    await bob.waitFor((s) => s.stick.holderId === ann.me.id);

    // The leader's connection drops (no leave): first the meeting waits...
    lea.close();
    const waiting = await bob.waitFor((s) => s.leaderAway);
    expect(waiting.leaderless).toBe(false);
    // ...then, after the grace period, it is leaderless and the head of the queue gets the stick.
    const carried = await bob.waitFor((s) => s.leaderless && s.stick.holderId === bob.me.id, 10_000);
    expect(person(carried, lea.me.id)?.present).toBe(false);
    expect(carried.keeper).toBeNull();

    // The group keeps passing the stick.
    expect((await cat.call('raiseHand', {})).ok).toBe(true);
    expect((await bob.call('releaseStick', {})).ok).toBe(true);
    await ann.waitFor((s) => s.stick.holderId === cat.me.id);

    // A participant keeps the circle: everyone sees who; they get the leaders' tools.
    expect((await ann.call('keepCircle', { on: true })).ok).toBe(true);
    const kept = await bob.waitFor((s) => s.keeper === ann.me.id);
    expect(kept.leaderless).toBe(true);
    const mine = await ann.waitFor((s) => s.keeper === ann.me.id && s.audience === 'leader');
    expect(mine.leader?.concerns).toEqual([]);
    const second = await bob.call('keepCircle', { on: true });
    expect(second.error?.key).toBe('keeper.taken');
    expect((await bob.call('raiseHand', {})).ok).toBe(true);
    expect((await ann.call('passStick', { to: bob.me.id })).ok).toBe(true);
    await cat.waitFor((s) => s.stick.holderId === bob.me.id);

    // The leader returns from a fresh browser with the leader link: everything back, the interim role ends.
    const back = await join(tokens.leader, 'Lea');
    expect(back.me).toEqual({ id: lea.me.id, role: 'leader' });
    const after = await ann.waitFor((s) => !s.leaderless && s.keeper === null && s.audience === 'participant');
    expect(after.leaderAway).toBe(false);
    expect(after.stick.holderId).toBe(bob.me.id); // nobody was cut off
    expect(leaders(after)).toHaveLength(1);
    expect((await ann.call('takeStick', {})).error?.code).toBe('forbidden');
    expect((await back.call('takeStick', {})).ok).toBe(true);
  });
});

describe('S13 Go back in', () => {
  it('[S13] leaving and going back in within the grace period restores the seat and the queue place', async () => {
    // A longer grace period on its own server: going back in must come within it, however slow the machine.
    const slow = await testServer({ ratePerSecond: 1000, apiRatePerMinute: 10_000, graceSeconds: 60 });
    try {
      const meeting = await createMeeting(slow.url, { title: 'Tuesday group' });
      const local = new Members(() => slow.url);
      const lea = await local.join(meeting.tokens.leader, 'Lea');
      const ann = await local.join(meeting.tokens.participant, 'Ann');
      const bob = await local.join(meeting.tokens.participant, 'Bob');
      const cat = await local.join(meeting.tokens.participant, 'Cat');
      expect((await lea.call('startMeeting', {})).ok).toBe(true);
      for (const x of [ann, bob, cat]) expect((await x.call('raiseHand', {})).ok).toBe(true);
      await lea.waitFor((s) => s.queue.length === 3);
      expect((await bob.call('leave', {})).ok).toBe(true);
      await expect.poll(() => bob.ended).toBe('left');
      await lea.waitFor((s) => s.queue.join() === [ann.me.id, cat.me.id].join());
      const again = await local.join(meeting.tokens.participant, 'Bob', { resume: bob.resume });
      expect(again.me.id).toBe(bob.me.id);
      const s = await lea.waitFor((x) => person(x, bob.me.id)?.present === true);
      expect(s.queue).toEqual([ann.me.id, bob.me.id, cat.me.id]);
      local.closeAll();
    } finally {
      await slow.close();
    }
  });
});
