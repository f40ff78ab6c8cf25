/**
 * How this process reaches Redis: one URL (a single server), or Redis Sentinel (a primary, its
 * replicas and the sentinels that watch them). Every Redis connection the server opens (the
 * store's and the Socket.IO adapter's) comes from here, so both follow a failover the same way.
 *
 * Persistence stays off by design (names must never reach disk): with Sentinel a failed primary
 * is replaced by a replica that already holds every meeting in memory.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { SentinelAddress } from '../lib/redis-address.ts';
export { parseSentinels, type SentinelAddress } from '../lib/redis-address.ts';


export interface RedisConnection {
  /** redis://[:password@]host:port[/db]. With sentinels, only its password and db are used. */
  url?: string | undefined;
  /** With these, the primary is asked of the sentinels and followed across failovers. */
  sentinels?: SentinelAddress[] | undefined;
  /** The sentinels' name for the primary (`sentinel monitor <name> ...`). */
  sentinelName?: string | undefined;
}

/** True when this connection uses Sentinel (the store then waits for a replica after writes). */
export const usesSentinel = (c: RedisConnection): boolean => (c.sentinels?.length ?? 0) > 0;

/** Reconnect attempts at most half a second apart (ioredis' own pauses grow to 2 s). */
export const quickReconnect = (times: number): number => Math.min(times * 50, 500);


/**
 * A READONLY reply means we are talking to a replica: after a failover the old primary can come
 * back as a replica while a connection still points at it. Returning 2 makes ioredis reconnect
 * (asking the sentinels for the primary again) and resend the command (ioredis' documented answer).
 */
function reconnectOnError(err: Error): 2 | false {
  return err.message.startsWith('READONLY') ? 2 : false;
}

/**
 * A new ioredis client for `c`. `lazyConnect`: the caller decides when to connect (the store
 * waits for it at start; the adapter lets ioredis connect in the background).
 */
export function redisClient(c: RedisConnection, extra: RedisOptions = {}): Redis {
  const common: RedisOptions = { reconnectOnError, ...extra };
  if (!usesSentinel(c)) {
    if (!c.url) throw new Error('Redis needs REDIS_URL or REDIS_SENTINELS');
    return new Redis(c.url, common);
  }
  if (!c.sentinelName) throw new Error('REDIS_SENTINELS needs REDIS_SENTINEL_NAME (the name the sentinels monitor)');
  const url = c.url ? new URL(c.url) : null;
  const db = url && url.pathname.length > 1 ? Number(url.pathname.slice(1)) : undefined;
  return new Redis({
    sentinels: c.sentinels,
    name: c.sentinelName,
    ...(url?.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url?.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(db !== undefined && Number.isInteger(db) ? { db } : {}),
    // Listen for the sentinels' +switch-master instead of waiting for the old socket to time out.
    failoverDetector: true,
    // A failover takes seconds (down-after-milliseconds plus the election): commands wait for the
    // new primary (about 10 s of reconnect attempts, at most half a second apart, each asking the
    // sentinels anew) instead of failing in front of people.
    retryStrategy: quickReconnect,
    maxRetriesPerRequest: 25,
    ...common,
  });
}
