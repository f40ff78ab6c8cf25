/**
 * A page behind a firewall that lets nothing but TURN through: both pages are forced to
 * `iceTransportPolicy: "relay"` (RTCPeerConnection wrapped before the app loads), so their only
 * candidates are relayed by a real coturn on loopback, with the time-limited credentials the
 * server handed out. The holder's audio reaches the listener through it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { launchChromium } from '../helpers/browser.ts';
import { createMeeting, Member } from '../helpers/client.ts';
import { sleep } from '../helpers/media.ts';
import { startTurn, type TestTurn } from '../helpers/turn.ts';
import { scaled } from '../helpers/time.ts';

interface MediaDebug {
  inboundBytes(): Promise<number>;
}

let turn: TestTurn;
let srv: RunningServer;
let browser: Browser;
beforeAll(async () => {
  turn = await startTurn();
  process.env.MEDIASOUP_WORKERS ??= '1';
  process.env.MEDIASOUP_LISTEN_IP ??= '127.0.0.1';
  srv = await testServer({ media: true, apiRatePerMinute: 1000, turn: { urls: [turn.url], secret: turn.secret, ttlSeconds: 600 } });
  browser = await launchChromium({ fakeMedia: true });
}, scaled(60_000));
afterAll(async () => {
  await browser?.close();
  await srv?.close();
  await turn?.stop();
});

/** Runs first in the page: every RTCPeerConnection may only use relayed candidates. */
const FORCE_RELAY = () => {
  const Original = window.RTCPeerConnection;
  const pcs: RTCPeerConnection[] = [];
  (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = pcs;
  class RelayOnly extends Original {
    constructor(config?: RTCConfiguration) {
      super({ ...config, iceTransportPolicy: 'relay' });
      pcs.push(this);
    }
  }
  window.RTCPeerConnection = RelayOnly;
};

async function joinAs(link: string, name: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(scaled(15_000));
  await page.addInitScript(FORCE_RELAY);
  await page.goto(link);
  await page.getByTestId('join-name').fill(name);
  await page.getByTestId('join-accept').check();
  await page.getByTestId('join-submit').click();
  await page.getByTestId('connection-status').and(page.locator('[data-status="connected"]')).waitFor();
  await page.locator('[data-testid="audio-panel"][data-status="ready"]').waitFor();
  return page;
}

const inbound = (p: Page) => p.evaluate(() => (window as unknown as { __peerCircleMedia: MediaDebug }).__peerCircleMedia.inboundBytes());
async function receivedDuring(p: Page, ms: number): Promise<number> {
  const before = await inbound(p);
  await sleep(ms);
  return (await inbound(p)) - before;
}

/** The candidate types of the page's nominated (succeeded) ICE pairs, local side. */
const selectedCandidateTypes = (p: Page) =>
  p.evaluate(async () => {
    const types: string[] = [];
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      const stats = await pc.getStats();
      stats.forEach((s: { type: string; state?: string; nominated?: boolean; localCandidateId?: string }) => {
        if (s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated) {
          const local = stats.get(s.localCandidateId!) as { candidateType?: string } | undefined;
          if (local?.candidateType) types.push(local.candidateType);
        }
      });
    }
    return types;
  });

describe('TURN in Chromium', () => {
  it('a page forced to relay-only ICE hears the holder through coturn', { timeout: scaled(120_000) }, async () => {
    const m = await createMeeting(srv.url, { title: 'Strict firewall' });
    const lea = await Member.join(srv.url, m.tokens.leader, 'Lea');
    await lea.call('startMeeting', {});
    const ann = await joinAs(m.links.participant, 'Ann');
    const bob = await joinAs(m.links.participant, 'Bob');
    const annId = await ann.locator('[data-testid="participant"][data-name="Ann"]').getAttribute('data-participant-id');
    await ann.getByTestId('mic-on').click();
    await ann.getByTestId('mic-off').waitFor();
    expect(await lea.call('passStick', { to: annId })).toEqual({ ok: true });
    await expect.poll(() => receivedDuring(bob, 500), { timeout: scaled(20_000) }).toBeGreaterThan(1000);
    const types = await selectedCandidateTypes(bob);
    expect(types.length).toBeGreaterThan(0);
    expect(new Set(types)).toEqual(new Set(['relay']));
    for (const p of [ann, bob]) await p.context().close();
    lea.close();
  });
});
