/** One contract, every GroupStore implementation (CONVENTIONS rule 4; rules G1, G5, G8). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GROUP_SETTINGS } from '@peer-circle/shared';
import { createGroup, type GroupState } from '../../server/src/groups/state.ts';
import type { GroupStore } from '../../server/src/store/groups/port.ts';
import { MemoryGroupStore } from '../../server/src/store/groups/memory.ts';
import { RedisGroupStore } from '../../server/src/store/groups/redis.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';

let redis: TestRedis;
let prefixN = 0;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const implementations: [string, () => Promise<GroupStore>][] = [
  ['memory', () => MemoryGroupStore.create()],
  ['redis', () => RedisGroupStore.create({ url: redis.url, prefix: `g${++prefixN}:` })],
];

function group(id: string, name = 'Tuesday group'): GroupState {
  return createGroup({
    groupId: id,
    now: 1,
    name,
    language: 'en',
    rules: [],
    agenda: [],
    settings: DEFAULT_GROUP_SETTINGS,
    schedule: null,
    season: null,
    autoOpenMinutes: null,
    tokenHashes: { leader: `${id}-L`, participant: `${id}-P`, observer: `${id}-O` },
  });
}
const opts = { ttlSeconds: 3600, deadline: null };
const facilitator = (date: string, tokenHash: string) => ({ date, name: 'Ona', tokenHash, fromMeetingId: 'm', handedAt: 1 });

describe.each(implementations)('GroupStore contract: %s', (name, make) => {
  it('[G1] stores a created group and resolves its three links to their kinds', async () => {
    const s = await make();
    await s.create(group('a'), opts);
    expect((await s.load('a'))?.name).toBe('Tuesday group');
    expect(await s.resolveToken('a-L')).toEqual({ groupId: 'a', kind: 'leader' });
    expect(await s.resolveToken('a-P')).toEqual({ groupId: 'a', kind: 'participant' });
    expect(await s.resolveToken('a-O')).toEqual({ groupId: 'a', kind: 'observer' });
    expect(await s.resolveToken('nope')).toBeNull();
    expect(await s.load('nope')).toBeNull();
    await expect(s.create(group('a', 'other'), opts)).rejects.toThrow();
    await s.close();
    await s.close();
  });

  it('commits only on the expected version; a stale commit changes nothing', async () => {
    const s = await make();
    await s.create(group('a'), opts);
    const next = { ...group('a', 'Renamed'), version: 2 };
    expect(await s.commit('a', 1, next, opts)).toBe('ok');
    expect(await s.commit('a', 1, { ...group('a', 'Lost'), version: 2 }, opts)).toBe('conflict');
    expect(await s.load('a')).toEqual(next);
    expect(await s.commit('missing', 1, { ...group('missing'), version: 2 }, opts)).toBe('conflict');
    await s.close();
  });

  it('loses no update when several processes race on one group', async () => {
    const prefix = `grace${++prefixN}:`;
    const writers = name === 'redis' ? await Promise.all([0, 1, 2].map(() => RedisGroupStore.create({ url: redis.url, prefix }))) : await make().then((m) => [m, m, m]);
    await writers[0]!.create(group('r'), opts);
    const perWriter = 20;
    await Promise.all(
      writers.map(async (w) => {
        for (let i = 0; i < perWriter; ) {
          const cur = (await w.load('r'))!;
          const next = { ...cur, version: cur.version + 1, agenda: [...cur.agenda, 'x'] };
          if ((await w.commit('r', cur.version, next, opts)) === 'ok') i++;
        }
      }),
    );
    const final = (await writers[0]!.load('r'))!;
    expect(final.agenda).toHaveLength(3 * perWriter);
    expect(final.version).toBe(1 + 3 * perWriter);
    for (const w of new Set(writers)) await w.close();
  });

  it('[G5] indexes facilitator links with the rota, and a link taken out of the rota stops resolving in the same commit', async () => {
    const s = await make();
    await s.create(group('a'), opts);
    const withTwo = { ...group('a'), version: 2, rota: [facilitator('2025-03-11', 'F1'), facilitator('2025-03-18', 'F2')] };
    expect(await s.commit('a', 1, withTwo, opts)).toBe('ok');
    expect(await s.resolveToken('F1')).toEqual({ groupId: 'a', kind: 'facilitator' });
    expect(await s.resolveToken('F2')).toEqual({ groupId: 'a', kind: 'facilitator' });
    expect(await s.commit('a', 2, { ...withTwo, version: 3, rota: [facilitator('2025-03-18', 'F2')] }, opts)).toBe('ok');
    expect(await s.resolveToken('F1')).toBeNull();
    expect(await s.resolveToken('F2')).toEqual({ groupId: 'a', kind: 'facilitator' });
    expect(await s.resolveToken('a-L')).toEqual({ groupId: 'a', kind: 'leader' });
    await s.close();
  });

  it('[G4] indexes group deadlines and forgets them when cleared or dropped', async () => {
    const s = await make();
    await s.create(group('a'), { ttlSeconds: 3600, deadline: 1000 });
    await s.create(group('b'), { ttlSeconds: 3600, deadline: 5000 });
    expect(await s.dueGroups(999, 10)).toEqual([]);
    expect(await s.dueGroups(1000, 10)).toEqual(['a']);
    expect((await s.dueGroups(6000, 10)).sort()).toEqual(['a', 'b']);
    await s.commit('a', 1, { ...group('a'), version: 2 }, { ttlSeconds: 3600, deadline: null });
    expect(await s.dueGroups(6000, 10)).toEqual(['b']);
    await s.dropDeadline('b');
    expect(await s.dueGroups(6000, 10)).toEqual([]);
    await s.close();
  });

  it('[G8] an unused group expires with its links after its TTL (GROUP_IDLE_DAYS)', async () => {
    const s = await make();
    await s.create({ ...group('a'), rota: [facilitator('2025-03-11', 'F1')] }, { ttlSeconds: 0.3, deadline: null });
    expect(await s.load('a')).not.toBeNull();
    await new Promise((r) => setTimeout(r, 450));
    expect(await s.load('a')).toBeNull();
    expect(await s.resolveToken('a-L')).toBeNull();
    expect(await s.resolveToken('F1')).toBeNull();
    await s.close();
  });

  it('[G8] deleting a group removes it, every link and its deadline at once; twice is fine', async () => {
    const s = await make();
    await s.create({ ...group('a'), rota: [facilitator('2025-03-11', 'F1')] }, { ttlSeconds: 3600, deadline: 10 });
    await s.create(group('b'), opts);
    await s.delete('a');
    await s.delete('a');
    expect(await s.load('a')).toBeNull();
    for (const h of ['a-L', 'a-P', 'a-O', 'F1']) expect(await s.resolveToken(h)).toBeNull();
    expect(await s.dueGroups(100, 10)).toEqual([]);
    expect(await s.resolveToken('b-P')).toEqual({ groupId: 'b', kind: 'participant' });
    await s.close();
  });
});
