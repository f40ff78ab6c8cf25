/**
 * Redis GroupStore. A group is one hash {v: version, s: JSON state, t: its indexed token hashes};
 * commits run as one Lua script (compare the version, write, re-index the token hashes and drop
 * the ones no longer in the state, set every TTL, index the deadline), so two server processes
 * acting on one group at once never lose an update and a revoked facilitator link stops at once.
 */
import type { Redis } from 'ioredis';
import { redisClient, usesSentinel, type RedisConnection } from '../connection.ts';
import type { CommitResult } from '../port.ts';
import { redisKeys, type RedisKeys } from '../keys.ts';
import { groupTokenIndex, type GroupGrant, type GroupState } from '../../groups/state.ts';
import type { GroupCommitOptions, GroupStore } from './port.ts';

// KEYS: group, group deadlines. ARGV: expected version ('' = must not exist), new version, json,
// ttl ms, deadline ('' = none), groupId, token key prefix, n, then n pairs (hash, grant).
// Token keys are derived from the prefix inside the script: their number changes with the rota.
const COMMIT = `
local cur = redis.call('HGET', KEYS[1], 'v')
if ARGV[1] == '' then
  if cur then return 0 end
elseif cur ~= ARGV[1] then
  return 0
end
local ttl = tonumber(ARGV[4])
local keep = {}
local list = {}
local n = tonumber(ARGV[8])
for i = 0, n - 1 do
  local h = ARGV[9 + 2 * i]
  keep[h] = true
  list[#list + 1] = h
  redis.call('SET', ARGV[7] .. h, ARGV[10 + 2 * i], 'PX', ttl)
end
local old = redis.call('HGET', KEYS[1], 't')
if old then
  for h in string.gmatch(old, '%S+') do
    if not keep[h] then redis.call('DEL', ARGV[7] .. h) end
  end
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 's', ARGV[3], 't', table.concat(list, ' '))
redis.call('PEXPIRE', KEYS[1], ttl)
if ARGV[5] == '' then
  redis.call('ZREM', KEYS[2], ARGV[6])
else
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[6])
end
return 1
`;

// KEYS: group, group deadlines. ARGV: groupId, token key prefix.
const DELETE = `
local old = redis.call('HGET', KEYS[1], 't')
if old then
  for h in string.gmatch(old, '%S+') do redis.call('DEL', ARGV[2] .. h) end
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

const ttlMs = (seconds: number): number => Math.max(1, Math.ceil(seconds * 1000));
const KINDS = new Set(['leader', 'participant', 'observer', 'facilitator']);

type Scripted = Redis & {
  pcGroupCommit(...a: (string | number)[]): Promise<number>;
  pcGroupDelete(...a: (string | number)[]): Promise<number>;
};

export interface RedisGroupStoreOptions extends RedisConnection {
  /** Key prefix, the same as the room store's; tests give each run its own. */
  prefix?: string;
}

export class RedisGroupStore implements GroupStore {
  readonly #redis: Scripted;
  readonly #keys: RedisKeys;
  #closed = false;

  private constructor(redis: Redis, keys: RedisKeys) {
    redis.defineCommand('pcGroupCommit', { numberOfKeys: 2, lua: COMMIT });
    redis.defineCommand('pcGroupDelete', { numberOfKeys: 2, lua: DELETE });
    this.#redis = redis as Scripted;
    this.#keys = keys;
  }

  static async create(opts: RedisGroupStoreOptions): Promise<RedisGroupStore> {
    const redis = redisClient(opts, { lazyConnect: true, ...(usesSentinel(opts) ? {} : { maxRetriesPerRequest: 3 }) });
    // As in the room store: ioredis reconnects by itself and failed commands reject to callers.
    redis.on('error', () => {});
    await redis.connect();
    return new RedisGroupStore(redis, redisKeys(opts.prefix ?? 'pc:'));
  }

  async #commit(expected: string, state: GroupState, opts: GroupCommitOptions): Promise<boolean> {
    const k = this.#keys;
    const index = groupTokenIndex(state);
    const res = await this.#redis.pcGroupCommit(
      k.group(state.groupId),
      k.groupDeadlines,
      expected,
      state.version,
      JSON.stringify(state),
      ttlMs(opts.ttlSeconds),
      opts.deadline === null ? '' : opts.deadline,
      state.groupId,
      k.groupToken(''),
      index.length,
      ...index.flatMap(([hash, kind]) => [hash, `${state.groupId} ${kind}`]),
    );
    return res === 1;
  }

  async create(state: GroupState, opts: GroupCommitOptions): Promise<void> {
    if (!(await this.#commit('', state, opts))) throw new Error('group exists');
  }

  async load(groupId: string): Promise<GroupState | null> {
    const s = await this.#redis.hget(this.#keys.group(groupId), 's');
    return s ? (JSON.parse(s) as GroupState) : null;
  }

  async commit(groupId: string, expectedVersion: number, next: GroupState, opts: GroupCommitOptions): Promise<CommitResult> {
    if (next.groupId !== groupId) throw new Error('group id mismatch');
    return (await this.#commit(String(expectedVersion), next, opts)) ? 'ok' : 'conflict';
  }

  async resolveToken(tokenHash: string): Promise<GroupGrant | null> {
    const v = await this.#redis.get(this.#keys.groupToken(tokenHash));
    if (!v) return null;
    const [groupId, kind] = v.split(' ');
    if (!groupId || !kind || !KINDS.has(kind)) return null;
    return { groupId, kind } as GroupGrant;
  }

  async dueGroups(now: number, limit: number): Promise<string[]> {
    return this.#redis.zrangebyscore(this.#keys.groupDeadlines, '-inf', now, 'LIMIT', 0, limit);
  }

  async dropDeadline(groupId: string): Promise<void> {
    await this.#redis.zrem(this.#keys.groupDeadlines, groupId);
  }

  async delete(groupId: string): Promise<void> {
    await this.#redis.pcGroupDelete(this.#keys.group(groupId), this.#keys.groupDeadlines, groupId, this.#keys.groupToken(''));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
