/** `/api/health`: what a load balancer probes. Store reachability, never rate-limited. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';

const health = async (url: string) => {
  const started = performance.now();
  const res = await fetch(`${url}/api/health`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, ms: performance.now() - started };
};

/** Probes until `status` comes back, as a load balancer would; fails after `timeoutMs`. */
async function until(url: string, status: number, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const h = await health(url);
    if (h.status === status) return h;
    if (Date.now() > deadline) throw new Error(`health stayed ${h.status}: ${JSON.stringify(h.body)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('health with the in-memory store', () => {
  let srv: RunningServer;
  beforeAll(async () => {
    srv = await testServer({ apiRatePerMinute: 3 });
  });
  afterAll(async () => srv?.close());

  it('answers 200 with the store kind and this process id', async () => {
    const h = await health(srv.url);
    expect(h.status).toBe(200);
    expect(h.body).toEqual({ ok: true, store: 'memory', nodeId: srv.nodeId, mediaMeetings: null, mediaLoad: null, redis: null });
  });

  it('is never rate-limited: 100 probes in a row all answer 200, while the API still is', async () => {
    const codes = new Set<number>();
    for (let i = 0; i < 100; i++) codes.add((await fetch(`${srv.url}/api/health`)).status);
    expect([...codes]).toEqual([200]);
    // The probes used none of the API budget (3 a minute here): three look-ups, then 429.
    const lookups: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${srv.url}/api/lookup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'A'.repeat(32) }) });
      lookups.push(res.status);
    }
    expect(lookups).toEqual([404, 404, 404, 429]);
  });
});

describe('health with Redis', () => {
  let redis: TestRedis;
  let srv: RunningServer;
  beforeAll(async () => {
    redis = await startRedis();
    srv = await testServer({ redisUrl: redis.url, redisPrefix: 'health:' });
  });
  afterAll(async () => {
    await srv?.close();
    await redis?.stop();
  });

  it('answers 503 promptly while Redis is down, and 200 again once it is back', async () => {
    expect((await health(srv.url)).body).toEqual({ ok: true, store: 'redis', nodeId: srv.nodeId, mediaMeetings: null, mediaLoad: null, redis: true });
    await redis.kill();
    const down = await until(srv.url, 503);
    expect(down.body).toEqual({ ok: false, store: 'redis', nodeId: srv.nodeId, mediaMeetings: null, mediaLoad: null, redis: false });
    // Not queued behind ioredis' reconnects: each probe answers within the probe timeout.
    const again = await health(srv.url);
    expect(again.status).toBe(503);
    expect(again.ms).toBeLessThan(1500);
    await redis.start();
    const up = await until(srv.url, 200);
    expect(up.body.ok).toBe(true);
  });
});
