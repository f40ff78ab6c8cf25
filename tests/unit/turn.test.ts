/** TURN credentials (server/src/media/turn.ts): the TURN REST API scheme coturn's use-auth-secret checks. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { turnConfigFromEnv, turnCredential, turnIceServers } from '../../server/src/media/turn.ts';

const SECRET = 'a-shared-secret-of-some-length';

describe('TURN credentials', () => {
  it('username is "<expiry>:<id>" with expiry = now + TTL in unix seconds, password base64(HMAC-SHA1(secret, username))', () => {
    const now = Date.UTC(2026, 11, 2, 12, 0, 0);
    const c = turnCredential(SECRET, 3600, now, 'abc');
    expect(c.username).toBe(`${now / 1000 + 3600}:abc`);
    expect(c.credential).toBe(createHmac('sha1', SECRET).update(c.username).digest('base64'));
    // A known vector, computed outside Node: printf %s '1764680400:abc' | openssl dgst -sha1 -hmac secret -binary | base64
    expect(turnCredential('secret', 0, 1764680400_000, 'abc')).toEqual({ username: '1764680400:abc', credential: 'bsQ96+kIldYGNWUwOlkR6RqbilQ=' });
  });

  it('every transport gets a fresh random id, so credentials are never shared between people', () => {
    const cfg = { urls: ['turn:turn.example.org:3478?transport=udp', 'turn:turn.example.org:3478?transport=tcp'], secret: SECRET, ttlSeconds: 600 };
    const [a] = turnIceServers(cfg);
    const [b] = turnIceServers(cfg);
    expect(a!.urls).toEqual(cfg.urls);
    expect(a!.username).not.toBe(b!.username);
    expect(a!.username).toMatch(/^\d{10}:[A-Za-z0-9_-]{12}$/);
  });

  it('reads TURN_URLS, TURN_SECRET and TURN_TTL, and refuses half or bad settings with the variable named', () => {
    expect(turnConfigFromEnv({})).toBeNull();
    expect(turnConfigFromEnv({ TURN_URLS: 'turn:a.example:3478, turns:a.example:5349?transport=tcp', TURN_SECRET: SECRET, TURN_TTL: '900' })).toEqual({
      urls: ['turn:a.example:3478', 'turns:a.example:5349?transport=tcp'],
      secret: SECRET,
      ttlSeconds: 900,
    });
    expect(turnConfigFromEnv({ TURN_URLS: 'turn:a.example', TURN_SECRET: SECRET })?.ttlSeconds).toBe(86400);
    expect(() => turnConfigFromEnv({ TURN_URLS: 'turn:a.example' })).toThrow(/TURN_SECRET/);
    expect(() => turnConfigFromEnv({ TURN_SECRET: SECRET })).toThrow(/TURN_URLS/);
    expect(() => turnConfigFromEnv({ TURN_URLS: 'http://a.example', TURN_SECRET: SECRET })).toThrow(/TURN_URLS/);
    expect(() => turnConfigFromEnv({ TURN_URLS: 'turn:a.example', TURN_SECRET: 'short' })).toThrow(/TURN_SECRET/);
    expect(() => turnConfigFromEnv({ TURN_URLS: 'turn:a.example', TURN_SECRET: SECRET, TURN_TTL: '5' })).toThrow(/TURN_TTL/);
  });
});
