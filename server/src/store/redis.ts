/**
 * Redis RoomStore. A room is one hash {v: version, s: JSON state}; commits run as one Lua
 * script (compare version, write, set TTLs, index the deadline), so two server processes acting
 * on one room at once can never lose an update: the loser sees a conflict and retries.
 */
import { Redis } from 'ioredis';
import type { CommitOptions, CommitResult, MeetingRecord, RoomStore, TokenGrant } from './port.ts';
import type { RoomState } from '../room/state.ts';
import { redisKeys, type RedisKeys } from './keys.ts';
import { ROLES, type Role } from '@peer-circle/shared';

// KEYS: room, deadlines, token x3. ARGV: expected version ('' = must not exist), new version,
// json, ttl milliseconds, deadline ('' = none), meetingId, grant x3. Milliseconds, not seconds:
// retention is counted from the close, so a commit after closing gets the remainder only.
const COMMIT = `
local cur = redis.call('HGET', KEYS[1], 'v')
if ARGV[1] == '' then
  if cur then return 0 end
elseif cur ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 's', ARGV[3])
local ttl = tonumber(ARGV[4])
redis.call('PEXPIRE', KEYS[1], ttl)
for i = 3, 5 do
  redis.call('SET', KEYS[i], ARGV[4 + i], 'PX', ttl)
end
if ARGV[5] == '' then
  redis.call('ZREM', KEYS[2], ARGV[6])
else
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[6])
end
return 1
`;

const ttlMs = (seconds: number): number => Math.max(1, Math.ceil(seconds * 1000));

export interface RedisStoreOptions {
  url: string;
  /** Key prefix; tests give each run its own. */
  prefix?: string;
}

export class RedisRoomStore implements RoomStore {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  #closed = false;

  private constructor(redis: Redis, keys: RedisKeys) {
    this.#redis = redis;
    this.#keys = keys;
    redis.defineCommand('pcCommit', { numberOfKeys: 5, lua: COMMIT });
  }

  static async create(opts: RedisStoreOptions): Promise<RedisRoomStore> {
    const redis = new Redis(opts.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
    // ioredis reconnects by itself; a command that fails meanwhile rejects to its caller, so the
    // connection's own error events carry nothing to act on here.
    redis.on('error', () => {});
    await redis.connect();
    return new RedisRoomStore(redis, redisKeys(opts.prefix ?? 'pc:'));
  }

  get keys(): RedisKeys {
    return this.#keys;
  }

  async #commit(expected: string, state: RoomState, opts: CommitOptions): Promise<boolean> {
    const k = this.#keys;
    const tokenKeys = ROLES.map((r) => k.token(state.tokenHashes[r]));
    const grants = ROLES.map((r) => `${state.meetingId} ${r}`);
    const res = await (this.#redis as unknown as { pcCommit: (...a: (string | number)[]) => Promise<number> }).pcCommit(
      k.room(state.meetingId),
      k.deadlines,
      ...tokenKeys,
      expected,
      state.version,
      JSON.stringify(state),
      ttlMs(opts.ttlSeconds),
      opts.deadline === null ? '' : opts.deadline,
      state.meetingId,
      ...grants,
    );
    return res === 1;
  }

  async create(state: RoomState, opts: CommitOptions): Promise<void> {
    if (!(await this.#commit('', state, opts))) throw new Error('room exists');
  }

  async resolveToken(tokenHash: string): Promise<TokenGrant | null> {
    const v = await this.#redis.get(this.#keys.token(tokenHash));
    if (!v) return null;
    const [meetingId, role] = v.split(' ');
    if (!meetingId || !ROLES.includes(role as Role)) return null;
    return { meetingId, role: role as Role };
  }

  async load(meetingId: string): Promise<RoomState | null> {
    const s = await this.#redis.hget(this.#keys.room(meetingId), 's');
    return s ? (JSON.parse(s) as RoomState) : null;
  }

  async commit(meetingId: string, expectedVersion: number, next: RoomState, opts: CommitOptions): Promise<CommitResult> {
    if (next.meetingId !== meetingId) throw new Error('meeting id mismatch');
    return (await this.#commit(String(expectedVersion), next, opts)) ? 'ok' : 'conflict';
  }

  async dueRooms(now: number, limit: number): Promise<string[]> {
    return this.#redis.zrangebyscore(this.#keys.deadlines, '-inf', now, 'LIMIT', 0, limit);
  }

  async dropDeadline(meetingId: string): Promise<void> {
    await this.#redis.zrem(this.#keys.deadlines, meetingId);
  }

  async saveRecord(record: MeetingRecord, ttlSeconds: number): Promise<void> {
    const ms = ttlMs(ttlSeconds);
    await this.#redis
      .multi()
      .set(this.#keys.record(record.meetingId), JSON.stringify(record), 'PX', ms)
      .set(this.#keys.recordToken(record.leaderTokenHash), record.meetingId, 'PX', ms)
      .exec();
  }

  async loadRecord(meetingId: string): Promise<MeetingRecord | null> {
    const s = await this.#redis.get(this.#keys.record(meetingId));
    return s ? (JSON.parse(s) as MeetingRecord) : null;
  }

  async resolveRecordToken(tokenHash: string): Promise<string | null> {
    return this.#redis.get(this.#keys.recordToken(tokenHash));
  }

  async deleteMeeting(meetingId: string): Promise<void> {
    const k = this.#keys;
    const [room, record] = await Promise.all([this.load(meetingId), this.loadRecord(meetingId)]);
    const tx = this.#redis.multi().del(k.room(meetingId), k.record(meetingId)).zrem(k.deadlines, meetingId);
    // Token hashes are unique to their meeting: nothing else is indexed by them.
    for (const hash of room ? Object.values(room.tokenHashes) : []) tx.del(k.token(hash));
    if (record) tx.del(k.recordToken(record.leaderTokenHash));
    await tx.exec();
  }

  async heartbeat(nodeId: string, ttlMs: number): Promise<boolean> {
    const added = await this.#redis.zadd(this.#keys.nodes, Date.now() + ttlMs, nodeId);
    return Number(added) === 0;
  }

  async addNodeRoom(nodeId: string, meetingId: string): Promise<void> {
    await this.#redis.sadd(this.#keys.nodeRooms(nodeId), meetingId);
  }

  async removeNodeRoom(nodeId: string, meetingId: string): Promise<void> {
    await this.#redis.srem(this.#keys.nodeRooms(nodeId), meetingId);
  }

  async lostNodes(): Promise<{ nodeId: string; meetingIds: string[] }[]> {
    const ids = await this.#redis.zrangebyscore(this.#keys.nodes, '-inf', Date.now());
    return Promise.all(ids.map(async (nodeId) => ({ nodeId, meetingIds: await this.#redis.smembers(this.#keys.nodeRooms(nodeId)) })));
  }

  async forgetNode(nodeId: string): Promise<void> {
    await this.#redis.multi().zrem(this.#keys.nodes, nodeId).del(this.#keys.nodeRooms(nodeId)).exec();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
