/**
 * Audio in real browsers (Chromium with a fake microphone) through the real server and SFU:
 * only the stick holder is heard, observers never produce, and no page asks for the microphone
 * before its person presses "Turn on my microphone". The leader drives the stick from a
 * protocol-level client (one browser fewer on a 2-core machine).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { launchChromium } from '../helpers/browser.ts';
import { createMeeting, Member } from '../helpers/client.ts';
import { sleep } from '../helpers/media.ts';
import { scaled } from '../helpers/time.ts';

/** What the page exposes as `window.__peerCircleMedia` (client/src/lib/media/media.svelte.ts). */
interface MediaDebug {
  producerId: string | null;
  micOn: boolean;
  inboundBytes(): Promise<number>;
  outboundBytes(): Promise<number>;
}

let srv: RunningServer;
let browser: Browser;
beforeAll(async () => {
  process.env.MEDIASOUP_WORKERS ??= '1';
  process.env.MEDIASOUP_LISTEN_IP ??= '127.0.0.1';
  srv = await testServer({ media: true, apiRatePerMinute: 1000 });
  browser = await launchChromium({ fakeMedia: true });
});
afterAll(async () => {
  await browser?.close();
  await srv?.close();
});

/** Counts getUserMedia calls from the very first script of the page. */
const COUNT_GUM = () => {
  const w = window as unknown as { __gumCalls: number };
  w.__gumCalls = 0;
  const md = navigator.mediaDevices;
  const original = md.getUserMedia.bind(md);
  md.getUserMedia = (c?: MediaStreamConstraints) => {
    w.__gumCalls += 1;
    return original(c);
  };
};

async function joinAs(link: string, name: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(scaled(15_000));
  await page.addInitScript(COUNT_GUM);
  await page.goto(link);
  await page.getByTestId('join-name').fill(name);
  await page.getByTestId('join-accept').check();
  await page.getByTestId('join-submit').click();
  await page.getByTestId('connection-status').and(page.locator('[data-status="connected"]')).waitFor();
  await page.locator('[data-testid="audio-panel"][data-status="ready"]').waitFor();
  return page;
}

const gumCalls = (p: Page) => p.evaluate(() => (window as unknown as { __gumCalls: number }).__gumCalls);
const inbound = (p: Page) => p.evaluate(() => (window as unknown as { __peerCircleMedia: MediaDebug }).__peerCircleMedia.inboundBytes());
const outbound = (p: Page) => p.evaluate(() => (window as unknown as { __peerCircleMedia: MediaDebug }).__peerCircleMedia.outboundBytes());
const producerId = (p: Page) => p.evaluate(() => (window as unknown as { __peerCircleMedia: MediaDebug }).__peerCircleMedia.producerId);
const heard = (p: Page) => p.getByTestId('heard-indicator').getAttribute('data-heard');

/** Bytes of audio received by `p` over `ms`. */
async function receivedDuring(p: Page, ms: number): Promise<number> {
  const before = await inbound(p);
  await sleep(ms);
  return (await inbound(p)) - before;
}

describe('audio in Chromium', () => {
  it('[A1][A2][A6] only the stick holder is heard; observers never produce; no microphone before the press', async () => {
    const m = await createMeeting(srv.url, { title: 'Audio check' });
    const lea = await Member.join(srv.url, m.tokens.leader, 'Lea');
    await lea.call('startMeeting', {});
    const cat = await Member.join(srv.url, m.tokens.participant, 'Cat');

    const ann = await joinAs(m.links.participant, 'Ann');
    const bob = await joinAs(m.links.participant, 'Bob');
    const olga = await joinAs(m.links.observer, 'Olga');
    const pages = [ann, bob, olga];
    const annId = await ann.locator('[data-testid="participant"][data-name="Ann"]').getAttribute('data-participant-id');

    // Listening is set up, but nobody has been asked for a microphone.
    for (const p of pages) expect(await gumCalls(p)).toBe(0);
    await expect.poll(() => heard(ann)).toBe('false');
    expect(await olga.getByTestId('mic-on').count()).toBe(0);

    // Ann turns her microphone on: the first and only request for it. Not heard yet.
    await ann.getByTestId('mic-on').click();
    await ann.getByTestId('mic-off').waitFor();
    expect(await gumCalls(ann)).toBe(1);
    await expect.poll(() => producerId(ann)).not.toBeNull();
    expect(await heard(ann)).toBe('false');
    expect(await receivedDuring(bob, 1000)).toBe(0);

    // The stick comes to Ann: Bob and the observer hear her.
    expect(await lea.call('passStick', { to: annId })).toEqual({ ok: true });
    await expect.poll(() => heard(ann), { timeout: scaled(5_000) }).toBe('true');
    await expect.poll(() => outbound(ann), { timeout: scaled(10_000) }).toBeGreaterThan(0);
    await expect.poll(() => receivedDuring(bob, 500), { timeout: scaled(10_000) }).toBeGreaterThan(1000);
    expect(await receivedDuring(olga, 1000)).toBeGreaterThan(1000);
    await bob.getByTestId(`volume-${annId}`).waitFor();

    // The stick moves on to Cat while Ann's microphone stays on: Bob hears nothing more of her.
    expect(await lea.call('passStick', { to: cat.me.id })).toEqual({ ok: true });
    await expect.poll(() => heard(ann), { timeout: scaled(5_000) }).toBe('false');
    // Packets already in flight may still land: wait until a quiet 300 ms, then hold it for 1.5 s.
    await expect.poll(() => receivedDuring(bob, 300), { timeout: scaled(5_000) }).toBe(0);
    expect(await receivedDuring(bob, 1500)).toBe(0);
    expect(await ann.evaluate(() => (window as unknown as { __peerCircleMedia: MediaDebug }).__peerCircleMedia.micOn)).toBe(true);
    // The SFU holds her voice back (the browser also stops sending to save bandwidth; that the
    // SFU alone enforces the rule against a sender that keeps sending is media-stick.test.ts).
    const annMedia = srv.media!.meeting(m.meetingId)!.peer(annId!)!;
    expect([...annMedia.producers()].map((r) => r.producer.paused)).toEqual([true]);

    // The observer never produced anything, and nobody else was asked for a microphone.
    expect(await producerId(olga)).toBeNull();
    expect(await outbound(olga)).toBe(0);
    expect(await gumCalls(olga)).toBe(0);
    expect(await gumCalls(bob)).toBe(0);
    expect(srv.media!.stats().producers).toBe(1);

    // Turning the microphone off closes the producer on the server too.
    await ann.getByTestId('mic-off').click();
    await ann.getByTestId('mic-on').waitFor();
    await expect.poll(() => srv.media!.stats().producers).toBe(0);
    expect(await gumCalls(ann)).toBe(1);

    for (const p of pages) await p.context().close();
    lea.close();
    cat.close();
  });

  it('[A12] when the media worker dies, the pages rebuild their audio by themselves (no second microphone prompt)', async () => {
    const m = await createMeeting(srv.url, { title: 'Worker death' });
    const lea = await Member.join(srv.url, m.tokens.leader, 'Lea');
    await lea.call('startMeeting', {});
    const ann = await joinAs(m.links.participant, 'Ann');
    const bob = await joinAs(m.links.participant, 'Bob');
    const annId = await ann.locator('[data-testid="participant"][data-name="Ann"]').getAttribute('data-participant-id');
    await ann.getByTestId('mic-on').click();
    await ann.getByTestId('mic-off').waitFor();
    expect(await lea.call('passStick', { to: annId })).toEqual({ ok: true });
    await expect.poll(() => receivedDuring(bob, 500), { timeout: scaled(10_000) }).toBeGreaterThan(1000);

    const worker = srv.media!.meeting(m.meetingId)!.worker.worker;
    process.kill(worker.pid, 'SIGKILL');
    await expect.poll(() => srv.media!.meeting(m.meetingId)?.worker.worker.pid, { timeout: scaled(10_000) }).not.toBe(worker.pid);

    // Bob listens again and hears Ann again; Ann is heard again with the same microphone track.
    await expect.poll(() => receivedDuring(bob, 500), { timeout: scaled(15_000) }).toBeGreaterThan(1000);
    await expect.poll(() => heard(ann), { timeout: scaled(5_000) }).toBe('true');
    expect(await gumCalls(ann)).toBe(1);
    expect(srv.media!.stats()).toMatchObject({ producers: 1 });

    for (const p of [ann, bob]) await p.context().close();
    lea.close();
  });
});
