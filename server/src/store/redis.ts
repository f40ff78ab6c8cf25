/**
 * Redis RoomStore. A room is one hash {v: version, s: JSON state}; commits run as one Lua
 * script (compare version, write, set TTLs, index the deadline), so two server processes acting
 * on one room at once can never lose an update: the loser sees a conflict and retries.
 *
 * With Redis Sentinel (see connection.ts) every write that people are told about (a new meeting,
 * a commit, a record) first waits until a replica has it (WAIT): replication is asynchronous, so
 * without this a primary dying a millisecond after acknowledging a change would take the change
 * with it, and the promoted replica would not know it.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CommitOptions, CommitResult, MeetingRecord, RoomStore, TokenGrant } from './port.ts';
import type { RoomState } from '../room/state.ts';
import { redisKeys, type RedisKeys } from './keys.ts';
import { quickReconnect, redisClient, usesSentinel, type RedisConnection } from './connection.ts';
import { ROLES, type Role } from '@peer-circle/shared';

// KEYS: room, deadlines, token x3. ARGV: expected version ('' = must not exist), new version,
// json, ttl milliseconds, deadline ('' = none), meetingId, grant x3. Milliseconds, not seconds:
// retention is counted from the close, so a commit after closing gets the remainder only.
const COMMIT = `
local cur = redis.call('HGET', KEYS[1], 'v')
-- The same commit sent again (ioredis resends a command whose reply was lost when the primary
-- failed over after the replica had it): it is already applied, so acknowledge it once more
-- instead of reporting a conflict that would make the caller decide the command twice.
if cur == ARGV[2] and redis.call('HGET', KEYS[1], 's') == ARGV[3] then return 1 end
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

export interface RedisStoreOptions extends RedisConnection {
  /** Key prefix; tests give each run its own. */
  prefix?: string;
  /** With Sentinel: how long a write waits for a replica's acknowledgement (default 1000 ms). */
  replicaAckMs?: number;
  logger?: Logger;
}

/** How long a health probe waits for PONG before calling the store unreachable. */
const PROBE_TIMEOUT_MS = 1000;
/** How often a primary without replica is asked whether one is back. */
const REPLICA_CHECK_MS = 1000;

export class RedisRoomStore implements RoomStore {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  /** 0: no replica to wait for (one Redis); else ms to wait for one after each write. */
  readonly #replicaAckMs: number;
  /**
   * The primary has a replica to wait for. False after a WAIT found none (the replica is down,
   * or was just promoted and the old primary is not back yet): writes then go on without
   * waiting, instead of each taking the whole timeout, until a replica is connected again.
   */
  #replicaUp = true;
  #replicaCheck: NodeJS.Timeout | undefined;
  readonly #logger: Logger | undefined;
  /** When the connection last came back after being lost (0: never lost). */
  #backSince = 0;
  #lost = false;
  /** The heartbeat lifetime last used: how long others need to prove they are alive. */
  #beatTtlMs = 0;
  #closed = false;

  private constructor(redis: Redis, keys: RedisKeys, replicaAckMs: number, logger: Logger | undefined) {
    this.#redis = redis;
    this.#keys = keys;
    this.#replicaAckMs = replicaAckMs;
    this.#logger = logger;
    redis.defineCommand('pcCommit', { numberOfKeys: 5, lua: COMMIT });
    redis.on('close', () => {
      if (this.#closed || this.#lost) return;
      this.#lost = true;
      this.#logger?.warn('redis connection lost; reconnecting');
    });
    redis.on('ready', () => {
      if (!this.#lost) return;
      this.#lost = false;
      this.#backSince = Date.now();
      this.#logger?.info('redis connection back');
    });
    if (replicaAckMs > 0) {
      this.#replicaCheck = setInterval(() => void this.#checkReplica(), REPLICA_CHECK_MS);
      this.#replicaCheck.unref();
    }
  }

  static async create(opts: RedisStoreOptions): Promise<RedisRoomStore> {
    const sentinel = usesSentinel(opts);
    // One Redis: a command fails fast while it is down (three reconnect attempts at most half a
    // second apart: "please try again" within about a second and a half, not after ioredis'
    // default pauses, which grow to 2 s each and kept a button waiting 6 s). Sentinel: the
    // connection's own default waits through a failover (see connection.ts).
    const redis = redisClient(opts, {
      lazyConnect: true,
      ...(sentinel ? {} : { maxRetriesPerRequest: 3, retryStrategy: quickReconnect }),
    });
    // ioredis reconnects by itself; a command that fails meanwhile rejects to its caller, so the
    // connection's own error events carry nothing to act on here.
    redis.on('error', () => {});
    await redis.connect();
    return new RedisRoomStore(redis, redisKeys(opts.prefix ?? 'pc:'), sentinel ? (opts.replicaAckMs ?? 1000) : 0, opts.logger);
  }

  get keys(): RedisKeys {
    return this.#keys;
  }

  /**
   * Waits until a replica holds every write this connection made so far (Sentinel only). A
   * timeout is logged, not failed: the write is on the primary and people can go on; only a
   * primary failure in that window could lose it.
   */
  async #replicated(): Promise<void> {
    if (this.#replicaAckMs === 0 || !this.#replicaUp) return;
    const acked = await this.#redis.wait(1, this.#replicaAckMs);
    if (acked < 1 && this.#replicaUp) {
      this.#replicaUp = false;
      this.#logger?.warn({ waitedMs: this.#replicaAckMs }, 'no replica acknowledged a write in time; writing without waiting until one is back');
    }
  }

  /** `ROLE` on the primary lists its connected replicas. */
  async #checkReplica(): Promise<void> {
    if (this.#replicaUp || this.#closed || this.#redis.status !== 'ready') return;
    const role = (await this.#redis.call('ROLE').catch(() => null)) as [string, number, unknown[]] | null;
    if (role?.[0] === 'master' && role[2].length > 0) {
      this.#replicaUp = true;
      this.#logger?.info({ replicas: role[2].length }, 'a replica is back; writes wait for it again');
    }
  }

  async health(): Promise<boolean> {
    // Not through the offline queue: while Redis is down a PING would wait for the reconnect.
    if (this.#closed || this.#redis.status !== 'ready') return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS)));
    try {
      return await Promise.race([this.#redis.ping().then((r) => r === 'PONG'), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
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
    if (res === 1) await this.#replicated();
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
    await this.#replicated();
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
    this.#beatTtlMs = ttlMs;
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
    // Right after an outage (a restart, a failover) every process's heartbeat looks expired,
    // though they were only waiting for Redis like us: give them one lifetime to beat again
    // before calling them dead, or the first process back would release everyone's seats.
    if (this.#backSince > 0 && Date.now() - this.#backSince < this.#beatTtlMs) return [];
    const ids = await this.#redis.zrangebyscore(this.#keys.nodes, '-inf', Date.now());
    return Promise.all(ids.map(async (nodeId) => ({ nodeId, meetingIds: await this.#redis.smembers(this.#keys.nodeRooms(nodeId)) })));
  }

  async forgetNode(nodeId: string): Promise<void> {
    await this.#redis.multi().zrem(this.#keys.nodes, nodeId).del(this.#keys.nodeRooms(nodeId)).exec();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#replicaCheck);
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
