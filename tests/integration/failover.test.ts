/**
 * Redis Sentinel: the primary dies (kill -9, no persistence anywhere), a replica takes over, and
 * no meeting is lost: people stay in, re-join with their resume secret, and commands keep working
 * on both server processes (store, Lua compare-and-set, heartbeats and the Socket.IO streams
 * adapter all follow the new primary).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { RunningServer } from '../../server/src/server.ts';
import type { RoomState } from '../../server/src/room/index.ts';
import { testServer } from '../helpers/server.ts';
import { startSentinelGroup, type SentinelGroup } from '../helpers/redis.ts';
import { createMeeting, Member, type Reply } from '../helpers/client.ts';

let group: SentinelGroup;
let a: RunningServer;
let b: RunningServer;
const members: Member[] = [];

beforeAll(async () => {
  group = await startSentinelGroup({ downAfterMs: 1000 });
  // Short heartbeats: the failover outlasts three of them, so a process that reaped its peers
  // as soon as Redis came back would show here.
  const opts = { redisSentinels: group.sentinels, redisSentinelName: group.name, redisPrefix: 'fo:', heartbeatMs: 500 };
  a = await testServer(opts);
  b = await testServer(opts);
});
afterAll(async () => {
  for (const m of members) m.close();
  await a?.close();
  await b?.close();
  await group?.stop();
});

const join = async (srv: RunningServer, token: string, name: string, resume?: string) => {
  const m = await Member.join(srv.url, token, name, resume ? { resume } : {});
  members.push(m);
  return m;
};
/** An ack that may take as long as a failover does. */
const slowCall = (m: Member, event: string, payload: unknown = {}): Promise<Reply> =>
  (m.socket.timeout(20_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<Reply> }).emitWithAck(event, payload);
const replication = async (c: Redis) => Object.fromEntries((await c.info('replication')).split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(':') as [string, string]));
const health = async (srv: RunningServer) => (await fetch(`${srv.url}/api/health`)).status;

describe('Redis Sentinel failover', () => {
  it('loses no meeting when the primary is killed: people stay, re-join and go on', async () => {
    // Three meetings, each with its leader on one process and two people on the other.
    const meetings: { id: string; tokens: Record<'leader' | 'participant' | 'observer', string>; lea: Member; ann: Member; bob: Member }[] = [];
    for (const title of ['Monday group', 'Relatives circle', 'Evening check-in']) {
      const m = await createMeeting(a.url, { title, rules: ['Be kind'], agenda: ['Welcome', 'Round'] });
      const lea = await join(a, m.tokens.leader, 'Lea');
      const ann = await join(b, m.tokens.participant, 'Ann');
      const bob = await join(b, m.tokens.participant, 'Bob');
      expect(await lea.call('startMeeting', {})).toEqual({ ok: true });
      expect(await ann.call('raiseHand', {})).toEqual({ ok: true });
      await lea.waitFor((s) => s.queue.includes(ann.me.id));
      expect((await lea.call('passStick', {})).ok).toBe(true);
      await bob.waitFor((s) => s.stick.holderId === ann.me.id);
      meetings.push({ id: m.meetingId, tokens: m.tokens, lea, ann, bob });
    }
    const before = new Map<string, RoomState>();
    for (const m of meetings) before.set(m.id, (await a.store.load(m.id))!);

    // Every acknowledged write is on the replica already (the store WAITs for it): offsets match.
    const primary = group.node(group.primaryPort);
    const replica = group.node(group.replicaPort);
    const p = await replication(primary);
    const r = await replication(replica);
    expect(p.role).toBe('master');
    expect(p.connected_slaves).toBe('1');
    expect(r.slave_repl_offset).toBe(p.master_repl_offset);
    primary.disconnect();

    const dropped: string[] = [];
    for (const m of meetings) for (const x of [m.lea, m.ann, m.bob]) x.socket.on('disconnect', (why) => dropped.push(why));
    const switched = group.nextSwitch();
    const killedAt = performance.now();
    await group.killPrimary();
    // Someone raises a hand while there is no primary: the command waits for the new one.
    const duringOutage = slowCall(meetings[0]!.bob, 'raiseHand');
    const newPrimary = await switched;
    const switchMs = performance.now() - killedAt;
    expect(newPrimary).toBe(group.replicaPort);
    expect(await duringOutage).toEqual({ ok: true });
    const deadline = Date.now() + 15_000;
    while ((await health(a)) !== 200 || (await health(b)) !== 200) {
      if (Date.now() > deadline) throw new Error('servers did not come back after the failover');
      await new Promise((res) => setTimeout(res, 50));
    }
    const servingMs = performance.now() - killedAt;
    console.info(`failover: +switch-master after ${Math.round(switchMs)} ms, both servers healthy after ${Math.round(servingMs)} ms`);

    // 0 meetings lost: every link still opens its meeting, with everyone and everything in it.
    let kept = 0;
    for (const m of meetings) {
      const now = (await b.store.load(m.id))!;
      const then = before.get(m.id)!;
      expect(now.participants.map((x) => [x.id, x.name, x.turns])).toEqual(then.participants.map((x) => [x.id, x.name, x.turns]));
      expect(now.stick.holderId).toBe(m.ann.me.id);
      expect(now.agenda.items.map((i) => i.text)).toEqual(['Welcome', 'Round']);
      for (const token of Object.values(m.tokens)) {
        const res = await fetch(`${a.url}/api/lookup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
        expect(res.status).toBe(200);
      }
      kept += 1;
    }
    expect(kept).toBe(meetings.length);
    console.info(`meetings before the kill: ${meetings.length}, after the failover: ${kept}`);

    // Commands go on, and broadcasts cross processes through the new primary's stream.
    for (const m of meetings) {
      expect((await m.ann.call('releaseStick', {})).ok).toBe(true);
      if (m !== meetings[0]) expect((await m.bob.call('raiseHand', {})).ok).toBe(true);
      await m.lea.waitFor((s) => s.queue.includes(m.bob.me.id));
      expect((await m.lea.call('passStick', {})).ok).toBe(true);
      for (const x of [m.lea, m.ann, m.bob]) await x.waitFor((s) => s.stick.holderId === m.bob.me.id);
    }
    // Nobody was dropped: no process declared another dead while Redis was away.
    expect(dropped).toEqual([]);
    for (const m of meetings) expect(m.lea.latest.participants.every((x) => x.connected)).toBe(true);

    // Re-joining with the resume secret, through the other process, gives back the same seat.
    for (const m of meetings) {
      m.ann.close();
      const again = await join(a, m.tokens.participant, 'Ann', m.ann.resume);
      expect(again.me.id).toBe(m.ann.me.id);
      expect(again.latest.participants.find((x) => x.id === m.ann.me.id)?.turns).toBe(1);
    }

    // Nothing reached disk: no RDB, no AOF, no replication file in the group's directory.
    expect(group.dataFiles()).toEqual([]);
  });
});
