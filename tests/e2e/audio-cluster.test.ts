/**
 * Audio across two server processes in Chromium: Ann's page is connected to process 1, Bob's to
 * process 2 (as a load balancer without sticky sessions may place them). The meeting's audio lives
 * on one of them (its media home); the other carries the page's requests there, and the browser's
 * WebRTC transport connects straight to the home. Each hears the other's turn with the stick.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { startRedis, freePort, type TestRedis } from '../helpers/redis.ts';
import { launchChromium } from '../helpers/browser.ts';
import { createMeeting, Member } from '../helpers/client.ts';
import { sleep } from '../helpers/media.ts';
import { scaled } from '../helpers/time.ts';
import { serverProcess as startProcess } from '../helpers/process.ts';

interface MediaDebug {
  producerId: string | null;
  inboundBytes(): Promise<number>;
}

let redis: TestRedis;
let p1: RunningServer;
let p2: RunningServer;
let browser: Browser;
beforeAll(async () => {
  redis = await startRedis();
  // Processes 1 and 2 here; the child (process 3) has a port range of its own.
  Object.assign(process.env, { MEDIASOUP_WORKERS: '1', MEDIASOUP_LISTEN_IP: '127.0.0.1', MEDIASOUP_MIN_PORT: '44000', MEDIASOUP_MAX_PORT: '45999' });
  const o = { redisUrl: redis.url, redisPrefix: 'e2e-mc:', media: true, apiRatePerMinute: 1000, turn: null } as const;
  [p1, p2] = await Promise.all([testServer(o), testServer(o)]);
  browser = await launchChromium({ fakeMedia: true });
}, scaled(60_000));
afterAll(async () => {
  await browser?.close();
  await p1?.close();
  await p2?.close();
  await redis?.stop();
});


/** A real server process (killable with kill -9) on the same Redis, with audio. */
async function childServer(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  return startProcess(port, {
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'e2e-mc:',
    MEDIA: 'true',
    MEDIASOUP_MIN_PORT: '46000',
    MEDIASOUP_MAX_PORT: '46999',
  });
}

/** The same invitation, opened on another process (the token is in the fragment). */
const on = (link: string, srv: RunningServer) => link.replace(/^https?:\/\/[^/#]+/, srv.url);

async function joinAs(link: string, name: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(scaled(15_000));
  await page.goto(link);
  await page.getByTestId('join-name').fill(name);
  await page.getByTestId('join-accept').check();
  await page.getByTestId('join-submit').click();
  await page.getByTestId('connection-status').and(page.locator('[data-status="connected"]')).waitFor();
  await page.locator('[data-testid="audio-panel"][data-status="ready"]').waitFor();
  return page;
}

const inbound = (p: Page) => p.evaluate(() => (window as unknown as { __peerCircleMedia: MediaDebug }).__peerCircleMedia.inboundBytes());
const heard = (p: Page) => p.getByTestId('heard-indicator').getAttribute('data-heard');
async function receivedDuring(p: Page, ms: number): Promise<number> {
  const before = await inbound(p);
  await sleep(ms);
  return (await inbound(p)) - before;
}
const idOf = (p: Page, name: string) => p.locator(`[data-testid="participant"][data-name="${name}"]`).getAttribute('data-participant-id');

describe('audio across two processes in Chromium', () => {
  it('[A15] pages on two processes hear each other\'s turns with the stick, and only then', { timeout: scaled(120_000) }, async () => {
    const m = await createMeeting(p1.url, { title: 'Two processes' });
    const lea = await Member.join(p1.url, m.tokens.leader, 'Lea');
    await lea.call('startMeeting', {});
    const ann = await joinAs(on(m.links.participant, p1), 'Ann');
    const bob = await joinAs(on(m.links.participant, p2), 'Bob');
    const annId = await idOf(ann, 'Ann');
    const bobId = await idOf(ann, 'Bob');

    // One media home for the meeting: exactly one process carries its router.
    const home = await p1.mediaCluster!.homeOf(m.meetingId);
    expect([p1.nodeId, p2.nodeId]).toContain(home);
    expect(p1.media!.stats().routers + p2.media!.stats().routers).toBe(1);

    for (const p of [ann, bob]) {
      await p.getByTestId('mic-on').click();
      await p.getByTestId('mic-off').waitFor();
    }
    expect(await receivedDuring(bob, 1000)).toBe(0);

    // Ann's turn: Bob (on the other process) hears her.
    expect(await lea.call('passStick', { to: annId })).toEqual({ ok: true });
    await expect.poll(() => heard(ann), { timeout: scaled(5_000) }).toBe('true');
    await expect.poll(() => receivedDuring(bob, 500), { timeout: scaled(15_000) }).toBeGreaterThan(1000);

    // Bob's turn: Ann hears him, and Bob no longer hears Ann.
    expect(await lea.call('passStick', { to: bobId })).toEqual({ ok: true });
    await expect.poll(() => heard(bob), { timeout: scaled(5_000) }).toBe('true');
    await expect.poll(() => heard(ann), { timeout: scaled(5_000) }).toBe('false');
    await expect.poll(() => receivedDuring(ann, 500), { timeout: scaled(15_000) }).toBeGreaterThan(1000);
    await expect.poll(() => receivedDuring(bob, 300), { timeout: scaled(5_000) }).toBe(0);

    for (const p of [ann, bob]) await p.context().close();
    lea.close();
  });

  it('[A16] when the media home process is killed, both pages rebuild their audio by themselves and hear the holder again within 10 s', { timeout: scaled(150_000) }, async () => {
    const p3 = await childServer();
    try {
      const m = await createMeeting(p1.url, { title: 'Losing a process' });
      const lea = await Member.join(p1.url, m.tokens.leader, 'Lea');
      await lea.call('startMeeting', {});
      // Someone connected to process 3 asks for audio first: the meeting's audio lives there.
      const cat = await Member.join(p3.url, m.tokens.participant, 'Cat');
      expect((await cat.call('mediaCapabilities', {})).ok).toBe(true);
      const health3 = (await (await fetch(`${p3.url}/api/health`)).json()) as { nodeId: string };
      expect(await p1.mediaCluster!.homeOf(m.meetingId)).toBe(health3.nodeId);

      const ann = await joinAs(on(m.links.participant, p1), 'Ann');
      const bob = await joinAs(on(m.links.participant, p2), 'Bob');
      const annId = await idOf(ann, 'Ann');
      await ann.getByTestId('mic-on').click();
      await ann.getByTestId('mic-off').waitFor();
      expect(await lea.call('passStick', { to: annId })).toEqual({ ok: true });
      await expect.poll(() => receivedDuring(bob, 500), { timeout: scaled(15_000) }).toBeGreaterThan(1000);
      expect(p1.media!.stats().routers + p2.media!.stats().routers).toBe(0);

      const killedAt = Date.now();
      p3.child.kill('SIGKILL');
      // Bob's page hears Ann again: a new home on process 1 or 2, a new producer from the same track.
      await expect.poll(async () => (await p1.mediaCluster!.homeOf(m.meetingId)) ?? '', { timeout: scaled(10_000) }).not.toBe(health3.nodeId);
      await expect.poll(() => receivedDuring(bob, 300), { timeout: scaled(15_000), interval: 0 }).toBeGreaterThan(500);
      const back = (Date.now() - killedAt) / 1000;
      console.log(`[audio-cluster] Bob hears Ann again ${back.toFixed(1)} s after kill -9 of the media home (incl. a 300 ms measuring window)`);
      expect(back).toBeLessThan(10);
      expect(p1.media!.stats().routers + p2.media!.stats().routers).toBe(1);
      expect(lea.latest.stick.holderId).toBe(annId);
      await expect.poll(() => heard(ann), { timeout: scaled(5_000) }).toBe('true');

      for (const p of [ann, bob]) await p.context().close();
      lea.close();
      cat.close();
    } finally {
      p3.child.kill('SIGKILL');
    }
  });
});
