/**
 * Issue 11, item 1: a `join` (and any command) while Redis is unreachable answers `internal`
 * ("please try again") and never ends the process; when Redis is back, the same server serves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { Member } from '../helpers/client.ts';
import { scaled } from '../helpers/time.ts';

let redis: TestRedis;
let srv: RunningServer;
beforeAll(async () => {
  redis = await startRedis();
  srv = await testServer({ redisUrl: redis.url, redisPrefix: `outage-${Date.now()}:`, apiRatePerMinute: 1000 });
});
afterAll(async () => {
  await srv?.close();
  await redis?.stop();
});

describe('Redis unreachable', () => {
  it('answers joins and commands with internal, keeps the process serving, and recovers', { timeout: scaled(60_000) }, async () => {
    const res = await fetch(`${srv.url}/api/meetings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Outage' }) });
    const m = (await res.json()) as { tokens: Record<string, string> };
    const lea = await Member.join(srv.url, m.tokens.leader!, 'Lea');
    const rejections: unknown[] = [];
    const onRejection = (e: unknown) => rejections.push(e);
    process.on('unhandledRejection', onRejection);
    try {
      await redis.kill();
      // A second person arrives while Redis is down: a clear "try again", not a dead process.
      const ann = await Member.join(srv.url, m.tokens.participant!, 'Ann').catch((e: Error) => e);
      expect(ann).toBeInstanceOf(Error);
      expect(String(ann)).toContain('internal');
      const cmd = await lea.call('startMeeting', {});
      expect(cmd).toMatchObject({ ok: false, error: { code: 'internal' } });
      // Still serving HTTP meanwhile.
      expect((await fetch(`${srv.url}/api/health`)).status).toBe(503);
    } finally {
      await redis.start();
    }
    // Redis came back empty (no persistence): the meeting is gone, but the process serves a new one.
    await expect
      .poll(async () => (await fetch(`${srv.url}/api/health`)).status, { timeout: scaled(15_000), interval: 100 })
      .toBe(200);
    const again = await fetch(`${srv.url}/api/meetings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'After' }) });
    expect(again.status).toBe(201);
    const m2 = (await again.json()) as { tokens: Record<string, string> };
    const ben = await Member.join(srv.url, m2.tokens.participant!, 'Ben');
    expect(ben.me.id).toBeTruthy();
    process.off('unhandledRejection', onRejection);
    expect(rejections).toEqual([]);
    lea.close();
    ben.close();
  });
});
