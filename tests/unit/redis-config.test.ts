/** REDIS_SENTINELS / REDIS_SENTINEL_NAME: parsed once at start, refused with a clear message. */
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../server/src/config.ts';
import { parseSentinels } from '../../server/src/store/connection.ts';

describe('Redis Sentinel configuration', () => {
  it('reads host:port lists, IPv6 in brackets, spaces and a trailing comma', () => {
    expect(parseSentinels('s1:26379, s2:26380,[::1]:26381,')).toEqual([
      { host: 's1', port: 26379 },
      { host: 's2', port: 26380 },
      { host: '::1', port: 26381 },
    ]);
  });

  it.each(['s1', 's1:', ':26379', 's1:0', 's1:70000', 's1:26379:1'])('refuses "%s"', (bad) => {
    expect(() => parseSentinels(bad)).toThrow(/is not host:port/);
  });

  it('needs the monitored name with sentinels, and ignores an empty list', () => {
    expect(() => configFromEnv({ REDIS_SENTINELS: 's1:26379' })).toThrow(/REDIS_SENTINEL_NAME: required with REDIS_SENTINELS/);
    expect(() => configFromEnv({ REDIS_SENTINELS: 'nonsense', REDIS_SENTINEL_NAME: 'pc' })).toThrow(/REDIS_SENTINELS: "nonsense" is not host:port/);
    const c = configFromEnv({ REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_NAME: 'pc' });
    expect(c.REDIS_SENTINELS).toEqual([{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }]);
    expect(configFromEnv({ REDIS_SENTINELS: '' }).REDIS_SENTINELS).toBeUndefined();
  });
});
