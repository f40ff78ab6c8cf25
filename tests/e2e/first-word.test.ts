/**
 * The first word of a share is heard (issue 10, item 4), in Chromium through the real server and
 * SFU: the new holder's browser starts sending the moment its room snapshot gives it the stick,
 * without waiting for the server's `producerState`, while the SFU stays the only authority on
 * what reaches the others. The fake microphone plays a continuous voice-like sound
 * (tests/helpers/rtp-probe.ts), so that a browser that sends has packets to send at any moment.
 * Timing figures are bench/stick-voice.ts's job; these tests check order and the rule.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { CHROMIUM_ARGS } from '../helpers/browser.ts';
import { createMeeting, Member } from '../helpers/client.ts';
import { rtpProbeScript, writeVoiceWav, type RtpProbe } from '../helpers/rtp-probe.ts';
import { sleep } from '../helpers/media.ts';
import { scaled } from '../helpers/time.ts';

let srv: RunningServer;
let browser: Browser;
let tmp: string;
beforeAll(async () => {
  process.env.MEDIASOUP_WORKERS ??= '1';
  process.env.MEDIASOUP_LISTEN_IP ??= '127.0.0.1';
  srv = await testServer({ media: true, apiRatePerMinute: 1000 });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'first-word-'));
  const wav = path.join(tmp, 'voice.wav');
  writeVoiceWav(wav);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      ...CHROMIUM_ARGS,
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}`,
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  await srv?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

type ProbeWindow = { __rtpProbe: RtpProbe };
const inboundFrom = (p: Page, ssrc: number) => p.evaluate((s) => (window as unknown as ProbeWindow).__rtpProbe.inboundPackets(s), ssrc);
const sentBy = (p: Page) => p.evaluate(() => (window as unknown as ProbeWindow).__rtpProbe.sentPackets());
const sendAnyway = (p: Page) => p.evaluate(() => (window as unknown as ProbeWindow).__rtpProbe.sendAnyway());
const heard = (p: Page) => p.getByTestId('heard-indicator').getAttribute('data-heard');

/**
 * A page in the room. With `holdProducerState`, the server's `producerState` pushes reach the page
 * that much later (every other message passes at once): the page then cannot learn from the
 * server that it is heard before that.
 */
async function joinAs(link: string, name: string, opts: { holdProducerState?: number } = {}): Promise<{ page: Page; routed: () => boolean }> {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(scaled(15_000));
  await page.addInitScript({ content: rtpProbeScript() });
  let routed = false;
  const hold = opts.holdProducerState;
  if (hold) {
    await page.routeWebSocket(/\/socket\.io\//, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => server.send(m));
      server.onMessage((m) => {
        routed = true;
        if (typeof m === 'string' && m.startsWith('42["producerState"')) setTimeout(() => ws.send(m), hold);
        else ws.send(m);
      });
    });
  }
  await page.goto(link);
  await page.getByTestId('join-name').fill(name);
  await page.getByTestId('join-accept').check();
  await page.getByTestId('join-submit').click();
  await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor();
  await page.locator('[data-testid="audio-panel"][data-status="ready"]').waitFor();
  return { page, routed: () => routed };
}

describe('the first word is heard (Chromium)', () => {
  let m: Awaited<ReturnType<typeof createMeeting>>;
  let lea: Member;
  let cat: Member;
  let ann: Page;
  let annRouted: () => boolean;
  let bob: Page;
  let lis: Page;
  const ids: Record<'ann' | 'bob' | 'lis', string> = { ann: '', bob: '', lis: '' };
  /** The SSRC of `owner`'s voice as the SFU sends it to Lis. */
  const ssrcAtLis = async (owner: string): Promise<number> => {
    let ssrc = 0;
    await expect
      .poll(
        () => {
          const meeting = srv.media!.meeting(m.meetingId)!;
          const prod = [...(meeting.peer(owner)?.producers() ?? [])][0];
          const cons = prod ? [...(meeting.peer(ids.lis)?.consumers() ?? [])].find((c) => c.producerId === prod.producer.id) : undefined;
          ssrc = cons?.rtpParameters.encodings?.[0]?.ssrc ?? 0;
          return ssrc;
        },
        { timeout: scaled(15_000) },
      )
      .toBeGreaterThan(0);
    return ssrc;
  };
  const HOLD_MS = scaled(3_000);

  beforeAll(async () => {
    m = await createMeeting(srv.url, { title: 'First word' });
    lea = await Member.join(srv.url, m.tokens.leader, 'Lea');
    await lea.call('startMeeting', {});
    cat = await Member.join(srv.url, m.tokens.participant, 'Cat');
    ({ page: ann, routed: annRouted } = await joinAs(m.links.participant, 'Ann', { holdProducerState: HOLD_MS }));
    ({ page: bob } = await joinAs(m.links.participant, 'Bob'));
    ({ page: lis } = await joinAs(m.links.participant, 'Lis'));
    const idOf = (name: string) => lea.latest.participants.find((p) => p.name === name)!.id;
    await lea.waitFor((s) => s.participants.filter((p) => p.present).length === 5, 15_000);
    ids.ann = idOf('Ann');
    ids.bob = idOf('Bob');
    ids.lis = idOf('Lis');
    for (const p of [ann, bob]) {
      await p.getByTestId('mic-on').click();
      await p.getByTestId('mic-off').waitFor();
    }
  });
  afterAll(async () => {
    for (const p of [ann, bob, lis]) await p?.context().close();
    lea?.close();
    cat?.close();
  });

  it('[A2] the new holder sends as soon as its snapshot gives it the stick: the listener gets the first audio before the holder hears back from the SFU', async () => {
    const annSsrc = await ssrcAtLis(ids.ann);
    // Not heard, not sending: nothing of Ann reaches Lis.
    expect(annRouted()).toBe(true);
    expect(await heard(ann)).toBe('false');
    await sleep(500);
    const before = await inboundFrom(lis, annSsrc);
    await sleep(1000);
    expect(await inboundFrom(lis, annSsrc)).toBe(before);

    const t0 = Date.now();
    expect(await lea.call('passStick', { to: ids.ann })).toEqual({ ok: true });
    // Ann's audio arrives at Lis while Ann's page still waits for the (held back) producerState:
    // her browser started sending on the snapshot alone.
    await expect.poll(() => inboundFrom(lis, annSsrc), { timeout: HOLD_MS, interval: 10 }).toBeGreaterThan(before);
    const firstAfter = Date.now() - t0;
    expect(await heard(ann)).toBe('false');
    expect(firstAfter).toBeLessThan(HOLD_MS);
    // Then the server's word comes and the panel says so; the voice keeps flowing.
    await expect.poll(() => heard(ann), { timeout: scaled(10_000) }).toBe('true');
    const mid = await inboundFrom(lis, annSsrc);
    await sleep(500);
    expect((await inboundFrom(lis, annSsrc)) - mid).toBeGreaterThan(10);

    // The stick moves on: the SFU stops Ann at once, whatever her browser still sends while its
    // producerState is held back.
    expect(await lea.call('passStick', { to: cat.me.id })).toEqual({ ok: true });
    const annMedia = srv.media!.meeting(m.meetingId)!.peer(ids.ann)!;
    await expect.poll(() => [...annMedia.producers()].map((r) => r.producer.paused), { timeout: scaled(1_000), interval: 10 }).toEqual([true]);
    await sleep(300); // packets already in flight may still land
    const stopped = await inboundFrom(lis, annSsrc);
    await sleep(1000);
    expect(await inboundFrom(lis, annSsrc)).toBe(stopped);
  });

  it('[A1][A2] a browser that sends without the stick is never forwarded; with the stick it is', async () => {
    const bobSsrc = await ssrcAtLis(ids.bob);
    const base = await inboundFrom(lis, bobSsrc);
    // Bob's page puts his microphone back on the wire by itself, although he does not hold the stick.
    expect(await sendAnyway(bob)).toBeGreaterThan(0);
    const sent0 = await sentBy(bob);
    await expect.poll(() => sentBy(bob), { timeout: scaled(10_000) }).toBeGreaterThan(sent0 + 25);
    // He keeps sending (about 50 packets a second); not one of them reaches Lis.
    const sent1 = await sentBy(bob);
    await sleep(1500);
    expect((await sentBy(bob)) - sent1).toBeGreaterThan(30);
    expect(await inboundFrom(lis, bobSsrc)).toBe(base);

    // The stick comes to Bob: now he is heard.
    expect(await lea.call('passStick', { to: ids.bob })).toEqual({ ok: true });
    await expect.poll(() => inboundFrom(lis, bobSsrc), { timeout: scaled(5_000), interval: 10 }).toBeGreaterThan(base);
    // And moves on: Bob is cut at the SFU again.
    expect(await lea.call('passStick', { to: cat.me.id })).toEqual({ ok: true });
    await sleep(300);
    const stopped = await inboundFrom(lis, bobSsrc);
    await sleep(1000);
    expect(await inboundFrom(lis, bobSsrc)).toBe(stopped);
  });
});
