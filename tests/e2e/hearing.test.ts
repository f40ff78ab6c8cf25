/**
 * "Can anyone hear me?" in Chromium (fake microphone) through the real server and SFU (issue 10):
 * the holder with the microphone off is told so in the holder card and turns it on from there;
 * the others see the mark next to the holder change; a quiet speaker lights the speaking ring;
 * the leader's panel tells the truth about leaderAlwaysHeard and follows the setting; the
 * microphone picker, level meter and local test; the leader's mark for a weak connection.
 *
 * Set MIC_SHOTS=<dir> (e.g. /tmp/shots-mic) to save screenshots at 360x740 and 1280x800.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { launchChromium } from '../helpers/browser.ts';
import { axeAudit } from '../helpers/axe.ts';
import { createMeeting, Member } from '../helpers/client.ts';
import { NodePeer, sleep } from '../helpers/media.ts';
import { scaled } from '../helpers/time.ts';

interface MediaDebug {
  producerId: string | null;
  micOn: boolean;
  heard: boolean;
  outboundBytes(): Promise<number>;
}

const SHOTS = process.env.MIC_SHOTS;
if (SHOTS) mkdirSync(SHOTS, { recursive: true });
const VIEWPORTS = [
  { width: 360, height: 740 },
  { width: 1280, height: 800 },
] as const;

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

/** Counts getUserMedia calls and every media request the page sends, from its first script. */
const WATCH = () => {
  const w = window as unknown as { __gumCalls: number };
  w.__gumCalls = 0;
  const md = navigator.mediaDevices;
  const original = md.getUserMedia.bind(md);
  md.getUserMedia = (c?: MediaStreamConstraints) => {
    w.__gumCalls += 1;
    return original(c);
  };
};

/**
 * A quiet speaker: getUserMedia answers with a 220 Hz tone at amplitude 0.0006 (about -67 dBov
 * RMS), straight from Web Audio, so no gain control can make it louder.
 */
const QUIET_MIC = () => {
  const w = window as unknown as { __gumCalls: number };
  w.__gumCalls = 0;
  navigator.mediaDevices.getUserMedia = async () => {
    w.__gumCalls += 1;
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    osc.frequency.value = 220;
    const gain = ctx.createGain();
    gain.gain.value = 0.0006;
    const dest = ctx.createMediaStreamDestination();
    osc.connect(gain).connect(dest);
    osc.start();
    await ctx.resume();
    return dest.stream;
  };
};

async function joinAs(link: string, name: string, opts: { init?: () => void; context?: BrowserContextOptions } = {}): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 900 }, ...opts.context });
  const page = await ctx.newPage();
  page.setDefaultTimeout(scaled(15_000));
  await page.addInitScript(opts.init ?? WATCH);
  await page.goto(link);
  await page.getByTestId('join-name').fill(name);
  await page.getByTestId('join-accept').check();
  await page.getByTestId('join-submit').click();
  await page.getByTestId('connection-status').and(page.locator('[data-status="connected"]')).waitFor();
  await page.locator('[data-testid="audio-panel"][data-status="ready"]').waitFor();
  return page;
}

const media = (p: Page) => p.evaluate(() => {
  const m = (window as unknown as { __peerCircleMedia: MediaDebug }).__peerCircleMedia;
  return { producerId: m.producerId, micOn: m.micOn, heard: m.heard };
});
const gumCalls = (p: Page) => p.evaluate(() => (window as unknown as { __gumCalls: number }).__gumCalls);
const idOf = async (p: Page, name: string) => (await p.locator(`[data-testid="participant"][data-name="${name}"]`).getAttribute('data-participant-id'))!;
const markOf = (p: Page) => p.getByTestId('holder-mic');

/** Screenshots of `page` at both sizes (top of the page, or scrolled to `at`). */
async function shoot(page: Page, name: string, at?: string): Promise<void> {
  if (!SHOTS) return;
  for (const v of VIEWPORTS) {
    await page.setViewportSize(v);
    if (at) await page.locator(at).first().scrollIntoViewIfNeeded();
    else await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${SHOTS}/${name}-${v.width}x${v.height}.png` });
  }
  await page.setViewportSize({ width: 1000, height: 900 });
}

describe('can anyone hear me', () => {
  it('the holder with the microphone off is told so in the holder card and turns it on there; the others see the mark change', async () => {
    const m = await createMeeting(srv.url, { title: 'Tuesday group' });
    const lea = await Member.join(srv.url, m.tokens.leader, 'Lea');
    await lea.call('startMeeting', {});
    const ann = await joinAs(m.links.participant, 'Ann');
    const bob = await joinAs(m.links.participant, 'Bob', { context: { colorScheme: 'dark' } });
    const annId = await idOf(bob, 'Ann');

    // No holder: no prompt, no mark.
    expect(await ann.getByTestId('holder-mic-prompt').count()).toBe(0);
    expect(await markOf(bob).count()).toBe(0);

    expect(await lea.call('passStick', { to: annId })).toEqual({ ok: true });
    // In the holder card itself, above "I'm done" / "Pass".
    const prompt = ann.locator('section.speak [data-testid="holder-mic-prompt"]');
    await prompt.waitFor();
    await expect.poll(() => prompt.textContent()).toContain("Your microphone is off: the group can't hear you");
    expect(await ann.locator('section.speak [data-testid="decline-stick"]').isVisible()).toBe(true);
    // Nothing was asked of the microphone yet (opt-in).
    expect(await gumCalls(ann)).toBe(0);
    // Ann sees her own state too; Bob sees "mic off" next to her name, in words and by name.
    await ann.locator('[data-testid="holder-mic"][data-state="off"]').waitFor();
    await bob.locator('[data-testid="holder-mic"][data-state="off"]').waitFor();
    expect(await markOf(bob).getAttribute('aria-label')).toContain('Ann');
    expect(await markOf(bob).innerText()).toMatch(/mic off/i);
    // The prompt is inside the first screen of a phone too.
    await ann.setViewportSize({ width: 360, height: 740 });
    await ann.evaluate(() => window.scrollTo(0, 0));
    await shoot(ann, 'holder-mic-off', '[data-testid="holder-mic-prompt"]');
    await shoot(bob, 'listener-mark-off-dark');
    // WCAG 2.2 AA with the prompt (light) and the mark (dark) on screen.
    await axeAudit(ann, 'holder mic prompt');
    await axeAudit(bob, 'listener mic mark, dark');

    // Turned on from the card: the prompt goes, she is heard, and Bob's mark says so.
    await ann.getByTestId('holder-mic-on').click();
    await ann.getByTestId('holder-mic-prompt').waitFor({ state: 'detached' });
    await expect.poll(async () => (await media(ann)).heard, { timeout: scaled(10_000) }).toBe(true);
    expect(await gumCalls(ann)).toBe(1);
    await bob.locator('[data-testid="holder-mic"][data-state="on"]').waitFor({ timeout: scaled(10_000) });
    expect(await markOf(bob).innerText()).toMatch(/mic on/i);
    await shoot(bob, 'listener-mark-on-dark');

    // Off again (from the audio panel): everyone sees it within a round trip.
    await ann.getByTestId('mic-off').click();
    await bob.locator('[data-testid="holder-mic"][data-state="off"]').waitFor({ timeout: scaled(10_000) });
    await ann.getByTestId('holder-mic-prompt').waitFor();
    for (const p of [ann, bob]) await p.context().close();
    lea.close();
  });

  it('a holder whose microphone is on but whose sound stops arriving is marked "no sound arriving", and "on" again when it comes back', async () => {
    const m = await createMeeting(srv.url, { title: 'Silent line' });
    const lea = await Member.join(srv.url, m.tokens.leader, 'Lea');
    await lea.call('startMeeting', {});
    const zed = await joinAs(m.links.participant, 'Zed');
    const bob = await joinAs(m.links.participant, 'Bob');
    const zedId = await idOf(bob, 'Zed');
    await zed.getByTestId('mic-on').click();
    await zed.getByTestId('mic-off').waitFor();
    await bob.getByTestId(`volume-${zedId}`).waitFor();
    expect(await lea.call('passStick', { to: zedId })).toEqual({ ok: true });
    await expect.poll(async () => (await media(zed)).heard, { timeout: scaled(10_000) }).toBe(true);
    await bob.locator('[data-testid="holder-mic"][data-state="on"]').waitFor();
    // The path to Bob breaks while the SFU still forwards Zed (as a stuck network path would):
    // his consumer at Bob is paused on the server, which Bob's page is not told about.
    const bobId = await idOf(bob, 'Bob');
    const consumers = [...srv.media!.meeting(m.meetingId)!.peer(bobId)!.consumers()];
    expect(consumers).toHaveLength(1);
    await consumers[0]!.pause();
    // His microphone is on, but nothing reaches Bob: after 3 s Bob's page says so.
    await bob.locator('[data-testid="holder-mic"][data-state="noAudio"]').waitFor({ timeout: scaled(15_000) });
    expect(await bob.getByTestId('holder-mic').innerText()).toMatch(/no sound arriving/i);
    expect(await bob.getByTestId('holder-mic').getAttribute('aria-label')).toContain('Zed');
    await shoot(bob, 'listener-no-sound');
    await consumers[0]!.resume();
    await bob.locator('[data-testid="holder-mic"][data-state="on"]').waitFor({ timeout: scaled(15_000) });
    for (const p of [zed, bob]) await p.context().close();
    lea.close();
  });

  it('[A14] a quiet speaker (about -67 dBov) lights the speaking ring on the listeners\' pages', async () => {
    const m = await createMeeting(srv.url, { title: 'Quiet voices' });
    const lea = await Member.join(srv.url, m.tokens.leader, 'Lea');
    await lea.call('startMeeting', {});
    // The leader listens from Node, to read the levels the SFU reports.
    const ear = new NodePeer(srv.media!, m.meetingId, lea.me.id, 'leader', 'ear');
    const caps = (await ear.ok('mediaCapabilities', {})).routerRtpCapabilities;
    await ear.ok('mediaJoin', { rtpCapabilities: caps });
    const quinn = await joinAs(m.links.participant, 'Quinn', { init: QUIET_MIC });
    const bob = await joinAs(m.links.participant, 'Bob');
    const quinnId = await idOf(bob, 'Quinn');
    await quinn.getByTestId('mic-on').click();
    await quinn.getByTestId('mic-off').waitFor();
    expect(await lea.call('passStick', { to: quinnId })).toEqual({ ok: true });

    const ring = bob.locator(`[data-testid="participant"][data-participant-id="${quinnId}"][data-speaking="true"]`);
    await ring.waitFor({ timeout: scaled(15_000) });
    // What the SFU measured: quieter than the old -60 dBov threshold, which would have missed her.
    const levels = (ear.pushed('speaking') as { levels: { participantId: string; volume: number }[] }[]).flatMap((s) => s.levels).filter((l) => l.participantId === quinnId);
    expect(levels.length).toBeGreaterThan(0);
    expect(Math.max(...levels.map((l) => l.volume))).toBeLessThan(-60);
    // The ring is not for everyone: Bob, silent, has none.
    expect(await bob.locator('[data-testid="participant"][data-speaking="true"]').count()).toBe(1);
    await shoot(bob, 'quiet-speaker-ring', `[data-participant-id="${quinnId}"]`);
    await srv.media!.handle(ear.session, ear, 'mediaLeave', {});
    for (const p of [quinn, bob]) await p.context().close();
    lea.close();
  });

  it('[F10][A5] the leader\'s panel tells the truth about leaderAlwaysHeard, and the setting decides whether she is forwarded', async () => {
    const m = await createMeeting(srv.url, { title: 'Leader heard' });
    const lea = await joinAs(m.links.leader, 'Lea');
    await lea.getByTestId('start-meeting').click().catch(() => undefined);
    await expect.poll(() => lea.getByTestId('mic-hint').textContent()).toMatch(/whenever your microphone is on/);
    expect(await lea.getByTestId('mic-hint').textContent()).not.toMatch(/only while you hold the stick/);
    await lea.getByTestId('mic-on').click();
    await expect.poll(async () => (await media(lea)).heard, { timeout: scaled(10_000) }).toBe(true);
    await lea.getByTestId('leader-heard-hint').waitFor();

    // Switched off in the leader's settings: no longer forwarded, and the panel says why.
    await lea.getByTestId('tools-tab-settings').click();
    const box = lea.getByTestId('settings-leader-heard');
    expect(await box.isChecked()).toBe(true);
    await box.uncheck();
    await expect.poll(async () => (await media(lea)).heard, { timeout: scaled(10_000) }).toBe(false);
    const meetingMedia = srv.media!.meeting(m.meetingId)!;
    const leaId = await idOf(lea, 'Lea');
    await expect.poll(() => [...meetingMedia.peer(leaId)!.producers()].map((r) => r.producer.paused)).toEqual([true]);
    expect(await lea.getByTestId('leader-heard-hint').count()).toBe(0);
    await lea.getByTestId('mic-off').click();
    await expect.poll(() => lea.getByTestId('mic-hint').textContent()).toMatch(/only while you hold the stick/);
    await shoot(lea, 'leader-setting-off', '[data-testid="settings-leader-heard"]');

    // And on again.
    await lea.getByTestId('settings-leader-heard').check();
    await expect.poll(() => lea.getByTestId('mic-hint').textContent()).toMatch(/whenever your microphone is on/);
    await lea.context().close();
  });

  it('the microphone picker, the level meter and "Test my microphone", which sends nothing', async () => {
    const m = await createMeeting(srv.url, { title: 'Before speaking' });
    const lea = await Member.join(srv.url, m.tokens.leader, 'Lea');
    await lea.call('startMeeting', {});
    const ann = await joinAs(m.links.participant, 'Ann');

    // The test, with the microphone off: records, plays back, and nothing leaves the page.
    const requests: string[] = [];
    ann.on('websocket', (ws) => ws.on('framesent', (f) => requests.push(String(f.payload))));
    await ann.getByTestId('mic-test').click();
    await ann.locator('[data-testid="mic-test"][data-state="recording"]').waitFor();
    await expect.poll(async () => Number(await ann.getByTestId('mic-meter').getAttribute('data-level')), { timeout: scaled(5_000) }).toBeGreaterThan(0);
    await ann.locator('[data-testid="mic-test"][data-state="playing"]').waitFor({ timeout: scaled(10_000) });
    await ann.locator('[data-testid="mic-test"][data-state="idle"]').waitFor({ timeout: scaled(10_000) });
    expect(await gumCalls(ann)).toBe(1);
    expect((await media(ann)).producerId).toBeNull();
    expect((await media(ann)).micOn).toBe(false);
    expect(requests.filter((r) => /produce|createTransport|connectTransport/.test(r))).toEqual([]);
    // The test's own microphone is stopped afterwards: the meter is gone.
    expect(await ann.getByTestId('mic-meter').count()).toBe(0);

    // Microphone on: the meter moves with the fake microphone's beeps; the picker lists devices.
    await ann.getByTestId('mic-on').click();
    await ann.getByTestId('mic-off').waitFor();
    await expect.poll(async () => Number(await ann.getByTestId('mic-meter').getAttribute('data-level')), { timeout: scaled(5_000) }).toBeGreaterThan(0);
    const select = ann.getByTestId('mic-device');
    await select.waitFor();
    const options = await select.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter((v) => v !== ''));
    expect(options.length).toBeGreaterThan(0);
    const other = options.at(-1)!;
    await select.selectOption(other);
    expect(await ann.evaluate(() => localStorage.getItem('peer-circle.mic'))).toBe(other);
    // Still one producer, still on (the track was swapped in place), and the meter follows it.
    const producerBefore = (await media(ann)).producerId;
    await expect.poll(async () => (await media(ann)).micOn).toBe(true);
    await expect.poll(async () => Number(await ann.getByTestId('mic-meter').getAttribute('data-level')), { timeout: scaled(5_000) }).toBeGreaterThan(0);
    expect((await media(ann)).producerId).toBe(producerBefore);
    await shoot(ann, 'mic-setup', '[data-testid="mic-setup"]');
    await axeAudit(ann, 'mic picker and meter');

    // Remembered in this browser: a new page of the same browser shows the same choice.
    const again = await ann.context().newPage();
    await again.goto(m.links.participant);
    await again.evaluate(() => localStorage.getItem('peer-circle.mic')).then((v) => expect(v).toBe(other));
    await again.close();
    await ann.context().close();

    // A remembered microphone that is gone (unplugged) falls back to the browser's usual one.
    const dan = await joinAs(m.links.participant, 'Dan', {
      init: () => {
        localStorage.setItem('peer-circle.mic', 'unplugged-headset');
        (window as unknown as { __gumCalls: number }).__gumCalls = 0;
      },
    });
    expect(await dan.getByTestId('mic-device').inputValue()).toBe('');
    await dan.getByTestId('mic-on').click();
    await dan.getByTestId('mic-off').waitFor();
    expect(await dan.getByTestId('mic-error').count()).toBe(0);
    await expect.poll(async () => (await media(dan)).producerId, { timeout: scaled(10_000) }).not.toBeNull();
    await dan.context().close();
    lea.close();
  });

  it('the picker and meter in another language and the dark scheme', async () => {
    const m = await createMeeting(srv.url, { title: 'Antradienio grupė', language: 'lt' });
    const lea = await Member.join(srv.url, m.tokens.leader, 'Lėja');
    await lea.call('startMeeting', {});
    const ona = await joinAs(m.links.participant, 'Ona', { context: { locale: 'lt-LT', colorScheme: 'dark' } });
    const onaId = await idOf(ona, 'Ona');
    await lea.call('passStick', { to: onaId });
    await ona.getByTestId('holder-mic-prompt').waitFor();
    expect(await ona.getByTestId('holder-mic-prompt').textContent()).toContain('Jūsų mikrofonas išjungtas');
    await shoot(ona, 'lt-dark-holder-mic-off', '[data-testid="holder-mic-prompt"]');
    await ona.getByTestId('holder-mic-on').click();
    await ona.getByTestId('mic-device').waitFor();
    await shoot(ona, 'lt-dark-mic-setup', '[data-testid="mic-setup"]');
    await axeAudit(ona, 'mic picker and meter, lt, dark');
    await ona.context().close();
    lea.close();
  });

  it('[F13] a weak connection measured by the page: a plain sentence for the person, a mark for the leader', async () => {
    const m = await createMeeting(srv.url, { title: 'Weak line' });
    const lea = await joinAs(m.links.leader, 'Lea');
    // The loopback never loses a packet: the page's getStats is made to report 900 ms of round
    // trip on demand (everything else about it is real), as a congested mobile link would.
    const eve = await joinAs(m.links.participant, 'Eve', {
      init: () => {
        const original = RTCPeerConnection.prototype.getStats;
        RTCPeerConnection.prototype.getStats = async function (this: RTCPeerConnection, ...args: unknown[]) {
          const report = (await (original as (...a: unknown[]) => Promise<RTCStatsReport>).apply(this, args)) as RTCStatsReport;
          if (!(window as unknown as { __weak?: boolean }).__weak) return report;
          const entries = new Map<string, unknown>(report as unknown as Map<string, unknown>);
          entries.set('weak-pair', { id: 'weak-pair', type: 'candidate-pair', state: 'succeeded', nominated: true, currentRoundTripTime: 0.9 });
          return entries as unknown as RTCStatsReport;
        };
      },
    });
    const eveId = await idOf(lea, 'Eve');
    expect(await eve.getByTestId('connection-quality').getAttribute('data-level')).toBe('good');
    await eve.evaluate(() => ((window as unknown as { __weak?: boolean }).__weak = true));
    await eve.locator('[data-testid="connection-quality"][data-level="poor"]').waitFor({ timeout: scaled(15_000) });
    expect(await eve.getByTestId('connection-quality').innerText()).toMatch(/connection is weak/);
    const mark = lea.locator(`[data-testid="participant"][data-participant-id="${eveId}"] [data-testid="poor-connection"]`);
    await mark.waitFor({ timeout: scaled(10_000) });
    await shoot(eve, 'own-connection-poor', '[data-testid="connection-quality"]');
    await shoot(lea, 'leader-poor-mark', `[data-participant-id="${eveId}"]`);
    await axeAudit(eve, 'own weak connection');
    await axeAudit(lea, 'leader weak-connection mark');
    // Better again: after three good samples both go away.
    await eve.evaluate(() => ((window as unknown as { __weak?: boolean }).__weak = false));
    await mark.waitFor({ state: 'detached', timeout: scaled(20_000) });
    expect(await eve.getByTestId('connection-quality').getAttribute('data-level')).toBe('good');
    for (const p of [lea, eve]) await p.context().close();
  });

  it('[F13] the leader sees a mark next to a person whose connection is poor; nobody else does', async () => {
    const m = await createMeeting(srv.url, { title: 'Weak links' });
    const lea = await joinAs(m.links.leader, 'Lea');
    const bob = await joinAs(m.links.participant, 'Bob');
    const cat = await Member.join(srv.url, m.tokens.participant, 'Cat');
    await lea.locator(`[data-testid="participant"][data-name="Cat"]`).waitFor();
    expect(await cat.call('reportConnection', { quality: 'poor' })).toEqual({ ok: true });
    const mark = lea.locator(`[data-testid="participant"][data-name="Cat"] [data-testid="poor-connection"]`);
    await mark.waitFor();
    expect(await mark.innerText()).toMatch(/weak connection/i);
    // Bob's page never shows it.
    await sleep(300);
    expect(await bob.getByTestId('poor-connection').count()).toBe(0);
    expect(await cat.call('reportConnection', { quality: 'bad' })).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect(await cat.call('reportConnection', { quality: 'good' })).toEqual({ ok: true });
    await mark.waitFor({ state: 'detached' });
    // Lea's own connection on loopback is good: no sentence about it.
    expect(await lea.getByTestId('connection-quality').getAttribute('data-level')).toBe('good');
    for (const p of [lea, bob]) await p.context().close();
    cat.close();
  });
});
