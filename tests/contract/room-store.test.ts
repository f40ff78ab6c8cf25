/** One contract, every RoomStore implementation (CONVENTIONS rule 4). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoom, type RoomState } from '../../server/src/room/index.ts';
import type { MeetingRecord, RoomStore } from '../../server/src/store/port.ts';
import { MemoryRoomStore } from '../../server/src/store/memory.ts';
import { RedisRoomStore } from '../../server/src/store/redis.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';

let redis: TestRedis;
let prefixN = 0;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const implementations: [string, () => Promise<RoomStore>][] = [
  ['memory', () => MemoryRoomStore.create()],
  ['redis', () => RedisRoomStore.create({ url: redis.url, prefix: `t${++prefixN}:` })],
];

function room(id: string, n = 0): RoomState {
  return createRoom({
    meetingId: id,
    title: `t${n}`,
    now: 1,
    settings: {
      closingWarningMinutes: 5,
      autoPass: false,
      rules: [],
      leaderAlwaysHeard: true,
      graceSeconds: 60,
      durationMinutes: null,
      shareTimerMinutes: null,
      admission: 'open',
      signsEnabled: true,
      language: 'en',
    },
    tokenHashes: { leader: `${id}-L`, participant: `${id}-P`, observer: `${id}-O` },
  });
}
const opts = { ttlSeconds: 3600, deadline: null };

function record(id: string, title = 'Tuesday group'): MeetingRecord {
  return {
    meetingId: id,
    leaderTokenHash: `${id}-L`,
    title,
    date: '2025-03-04',
    closedAt: 1_741_000_000_000,
    attendance: { attended: 3, observers: 1, profiles: { 'lived-experience': null, relative: null, professional: null, other: null, 'prefer-not-to-say': null, 'not given': null }, together: 3 },
    feedback: { count: 2, safe: 4.5, heard: null, useful: 3 },
    word: { shown: true, people: 3, totalMs: 1000, tookTurn: 'some', evenness: 'uneven', tiers: [] },
  };
}

describe.each(implementations)('RoomStore contract: %s', (_name, make) => {
  it('stores a created room and resolves its three tokens to their roles', async () => {
    const s = await make();
    await s.create(room('a'), opts);
    expect((await s.load('a'))?.title).toBe('t0');
    expect(await s.resolveToken('a-L')).toEqual({ meetingId: 'a', role: 'leader' });
    expect(await s.resolveToken('a-P')).toEqual({ meetingId: 'a', role: 'participant' });
    expect(await s.resolveToken('a-O')).toEqual({ meetingId: 'a', role: 'observer' });
    expect(await s.resolveToken('nope')).toBeNull();
    expect(await s.load('nope')).toBeNull();
    await s.close();
    await s.close();
  });

  it('refuses to create a room that exists', async () => {
    const s = await make();
    await s.create(room('a'), opts);
    await expect(s.create(room('a', 2), opts)).rejects.toThrow();
    expect((await s.load('a'))?.title).toBe('t0');
    await s.close();
  });

  it('commits only on the expected version; a stale commit changes nothing', async () => {
    const s = await make();
    await s.create(room('a'), opts);
    const next = { ...room('a', 1), version: 2 };
    expect(await s.commit('a', 1, next, opts)).toBe('ok');
    expect(await s.commit('a', 1, { ...room('a', 9), version: 2 }, opts)).toBe('conflict');
    expect(await s.load('a')).toEqual(next);
    expect(await s.commit('missing', 1, { ...room('missing'), version: 2 }, opts)).toBe('conflict');
    await s.close();
  });

  it('acknowledges the same commit sent again (its reply was lost), without applying anything twice', async () => {
    const s = await make();
    await s.create(room('a'), opts);
    const next = { ...room('a', 1), version: 2 };
    expect(await s.commit('a', 1, next, opts)).toBe('ok');
    // What a client library resends after a failover ate the reply: the same version, same state.
    expect(await s.commit('a', 1, next, opts)).toBe('ok');
    expect(await s.load('a')).toEqual(next);
    // A different state for that version is still a conflict, and so is a newer one on top.
    expect(await s.commit('a', 1, { ...room('a', 2), version: 2 }, opts)).toBe('conflict');
    // Creating is the same: the identical room sent again is there already; another is refused.
    await s.create(room('b'), opts);
    await expect(s.create(room('b'), opts)).resolves.toBeUndefined();
    await expect(s.create(room('b', 3), opts)).rejects.toThrow();
    await s.close();
  });

  it('says whether it can be reached, until it is closed', async () => {
    const s = await make();
    expect(await s.health()).toBe(true);
    await s.close();
    expect(await s.health()).toBe(false);
  });

  it('loses no update when many writers race on one room', async () => {
    const stores = await Promise.all([make(), make(), make()]);
    const [first] = stores;
    // Two Redis connections share one prefix only if created with it; use one store thrice for memory.
    const writers = _name === 'redis' ? await Promise.all([0, 1, 2].map(() => RedisRoomStore.create({ url: redis.url, prefix: `race${prefixN}:` }))) : [first!, first!, first!];
    await writers[0]!.create(room('r'), opts);
    const perWriter = 30;
    await Promise.all(
      writers.map(async (w, wi) => {
        for (let i = 0; i < perWriter; ) {
          const cur = (await w.load('r'))!;
          const next = { ...cur, version: cur.version + 1, counter: cur.counter + 1, title: `w${wi}` };
          if ((await w.commit('r', cur.version, next, opts)) === 'ok') i++;
        }
      }),
    );
    const final = (await writers[0]!.load('r'))!;
    expect(final.counter).toBe(3 * perWriter);
    expect(final.version).toBe(1 + 3 * perWriter);
    for (const s of new Set([...stores, ...writers])) await s.close();
  });

  it('indexes deadlines and forgets them when cleared', async () => {
    const s = await make();
    await s.create(room('a'), { ttlSeconds: 3600, deadline: 1000 });
    await s.create(room('b'), { ttlSeconds: 3600, deadline: 5000 });
    expect(await s.dueRooms(999, 10)).toEqual([]);
    expect(await s.dueRooms(1000, 10)).toEqual(['a']);
    expect((await s.dueRooms(6000, 10)).sort()).toEqual(['a', 'b']);
    await s.commit('a', 1, { ...room('a'), version: 2 }, { ttlSeconds: 3600, deadline: null });
    expect(await s.dueRooms(6000, 10)).toEqual(['b']);
    await s.close();
  });

  it('expires a room and its tokens after the TTL (personal data retention)', async () => {
    const s = await make();
    // Fractions of a second: retention is counted from the close, so TTLs are kept to the ms.
    await s.create(room('a'), { ttlSeconds: 0.3, deadline: null });
    expect(await s.load('a')).not.toBeNull();
    await new Promise((r) => setTimeout(r, 450));
    expect(await s.load('a')).toBeNull();
    expect(await s.resolveToken('a-L')).toBeNull();
    await s.close();
  });

  it('[E5] keeps the anonymous record of a meeting, found by its leader token hash, and replaces it', async () => {
    const s = await make();
    expect(await s.loadRecord('a')).toBeNull();
    expect(await s.resolveRecordToken('a-L')).toBeNull();
    await s.saveRecord(record('a'), 3600);
    expect(await s.loadRecord('a')).toEqual(record('a'));
    expect(await s.resolveRecordToken('a-L')).toBe('a');
    expect(await s.resolveRecordToken('a-P')).toBeNull();
    await s.saveRecord(record('a', 'Renamed'), 3600);
    expect((await s.loadRecord('a'))?.title).toBe('Renamed');
    await s.close();
  });

  it('[E5] expires the anonymous record and its token index after their own TTL, independent of the room', async () => {
    const s = await make();
    await s.create(room('a'), { ttlSeconds: 0.2, deadline: null });
    await s.saveRecord(record('a'), 0.6);
    await new Promise((r) => setTimeout(r, 400));
    expect(await s.load('a')).toBeNull();
    expect(await s.resolveToken('a-L')).toBeNull();
    expect((await s.loadRecord('a'))?.meetingId).toBe('a');
    expect(await s.resolveRecordToken('a-L')).toBe('a');
    await new Promise((r) => setTimeout(r, 400));
    expect(await s.loadRecord('a')).toBeNull();
    expect(await s.resolveRecordToken('a-L')).toBeNull();
    await s.close();
  });

  it('forgets a deadline on request (its room expired)', async () => {
    const s = await make();
    await s.create(room('a'), { ttlSeconds: 3600, deadline: 1000 });
    expect(await s.dueRooms(2000, 10)).toEqual(['a']);
    await s.dropDeadline('a');
    expect(await s.dueRooms(2000, 10)).toEqual([]);
    await s.close();
  });

  it('reports server processes whose heartbeat expired, with their rooms', async () => {
    const s = await make();
    expect(await s.heartbeat('alive', 60_000)).toBe(false);
    expect(await s.heartbeat('alive', 60_000)).toBe(true);
    await s.addNodeRoom('alive', 'x');
    await s.heartbeat('dying', 50);
    await s.addNodeRoom('dying', 'a');
    await s.addNodeRoom('dying', 'b');
    await s.addNodeRoom('dying', 'c');
    await s.removeNodeRoom('dying', 'c');
    await new Promise((r) => setTimeout(r, 120));
    const lost = await s.lostNodes();
    expect(lost.map((l) => l.nodeId)).toEqual(['dying']);
    expect(lost[0]!.meetingIds.sort()).toEqual(['a', 'b']);
    await s.forgetNode('dying');
    expect(await s.lostNodes()).toEqual([]);
    // A process that was reaped learns it on its next beat.
    expect(await s.heartbeat('dying', 50)).toBe(false);
    await s.close();
  });

  it('[G8] deletes a meeting with its links, deadline and anonymous record at once', async () => {
    const s = await make();
    await s.create(room('m'), { ttlSeconds: 3600, deadline: 5 });
    await s.saveRecord(record('m'), 3600);
    await s.deleteMeeting('m');
    await s.deleteMeeting('m');
    expect(await s.load('m')).toBeNull();
    expect(await s.resolveToken('m-P')).toBeNull();
    expect(await s.loadRecord('m')).toBeNull();
    expect(await s.resolveRecordToken('m-L')).toBeNull();
    expect(await s.dueRooms(10, 10)).toEqual([]);
    await s.close();
  });
});
