/**
 * A meeting goes on when the leader's connection does not (rules F11, F12, S12), in Chromium:
 * the leader drops, the group keeps passing the stick, a participant keeps the circle, and the
 * leader comes back from a fresh browser context with the leader link (one seat, the role back).
 * Screenshots of the leaderless banner and the offer go to /tmp/shots-leaderless/ at 360x740 and
 * 1280x800 (looked at by hand; the test checks the banner is inside the first viewport).
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { createMeeting } from '../helpers/client.ts';
import { holderOf as holder, inRoom, launchChromium, pages } from '../helpers/browser.ts';
import { scaled } from '../helpers/time.ts';
import { axeAudit } from '../helpers/axe.ts';

const SHOTS = '/tmp/shots-leaderless';
let srv: RunningServer;
let browser: Browser;
beforeAll(async () => {
  // A short grace period: the test waits for events, never for a minute to pass.
  srv = await testServer({ apiRatePerMinute: 1000, graceSeconds: 2, tickMs: 100 });
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await srv?.close();
});
const { joinAs } = pages(() => browser);

/** Screenshots of the page's top at a phone's and a laptop's size; the banner must be in view. */
async function shoot(page: Page, name: string, banner: string): Promise<void> {
  for (const [w, h] of [
    [360, 740],
    [1280, 800],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.evaluate(() => window.scrollTo(0, 0));
    const box = await page.getByTestId(banner).boundingBox();
    expect(box, `${banner} is on the page`).not.toBeNull();
    expect(box!.y + box!.height, `${banner} is inside the first screen at ${w}x${h}`).toBeLessThanOrEqual(h);
    await page.screenshot({ path: `${SHOTS}/${name}-${w}x${h}.png` });
  }
  await page.setViewportSize({ width: 1000, height: 900 });
}

describe('a group that never freezes, in Chromium', () => {
  it('[F11][F12][S12] the leader drops, the group passes the stick on, a participant keeps the circle, the leader returns from a fresh browser', { timeout: scaled(150_000) }, async () => {
    const m = await createMeeting(srv.url, { title: 'Thursday group' });
    const lea = await joinAs(m.links.leader, 'Lea');
    const ann = await joinAs(m.links.participant, 'Ann');
    const bob = await joinAs(m.links.participant, 'Bob');
    const cat = await joinAs(m.links.participant, 'Cat');
    for (const p of [lea, ann, bob, cat]) await expect.poll(() => p.getByTestId('participant').count()).toBe(4);
    await lea.getByTestId('start-meeting').click();
    for (const p of [ann, bob, cat]) await p.locator('[data-testid="phase"][data-phase="open"]').waitFor();

    await ann.getByTestId('raise-hand').click();
    await expect.poll(() => lea.getByTestId('pass-next').isEnabled()).toBe(true);
    await bob.getByTestId('raise-hand').click();
    await lea.getByTestId('pass-next').click();
    await expect.poll(() => holder(cat).getAttribute('data-name')).toBe('Ann');

    // The leader's browser goes away (no "Leave"): first the meeting waits for them...
    await lea.context().close();
    await cat.getByTestId('leader-away').waitFor();
    // ...then, after the grace period, the group carries on: the first waiting gets the stick.
    await cat.getByTestId('leaderless').waitFor({ timeout: scaled(15_000) });
    await expect.poll(() => holder(cat).getAttribute('data-name')).toBe('Bob');
    await expect.poll(() => cat.getByTestId('leader-away').count()).toBe(0);

    // The offer to keep the circle, as a participant sees it.
    await cat.getByTestId('keep-circle').waitFor();
    await shoot(cat, 'leaderless-offer', 'leaderless');
    // WCAG AA in both colour schemes, with the banner and the offer on screen.
    await axeAudit(cat, 'leaderless offer light');
    await cat.emulateMedia({ colorScheme: 'dark' });
    await axeAudit(cat, 'leaderless offer dark', SHOTS);
    await cat.emulateMedia({ colorScheme: 'light' });

    // The group keeps passing the stick by itself.
    await cat.getByTestId('raise-hand').click();
    await bob.getByTestId('release-stick').click();
    await expect.poll(() => holder(ann).getAttribute('data-name')).toBe('Cat');

    // Ann keeps the circle: everyone sees it, in the banner and in the circle.
    await ann.getByTestId('keep-circle').click();
    await ann.getByTestId('keeper-you').waitFor();
    // Said to screen readers too.
    await expect.poll(() => ann.getByTestId('live-polite').textContent()).toContain('You keep the circle now');
    await expect.poll(() => cat.getByTestId('live-polite').textContent()).toContain('Ann keeps the circle now');
    for (const p of [bob, cat]) {
      await expect.poll(() => p.getByTestId('keeper-name').textContent()).toContain('Ann');
      await expect.poll(() => p.locator('[data-testid="participant"][data-keeper="true"]').getAttribute('data-name')).toBe('Ann');
      expect(await p.getByTestId('keep-circle').count()).toBe(0);
    }
    await shoot(bob, 'leaderless-kept', 'leaderless');
    // The keeper has the leader's pass buttons.
    await bob.getByTestId('raise-hand').click();
    await ann.getByTestId('take-back').click();
    await expect.poll(() => holder(bob).count()).toBe(0);
    await expect.poll(() => ann.getByTestId('pass-next').isEnabled()).toBe(true);
    await ann.getByTestId('pass-next').click();
    await expect.poll(() => holder(cat).getAttribute('data-name')).toBe('Bob');
    await shoot(ann, 'leaderless-keeper', 'leaderless');

    // The leader comes back from a fresh browser (no stored seat) with the leader link.
    const back = await joinAs(m.links.leader, 'Lea');
    for (const p of [ann, bob, cat]) await expect.poll(() => p.getByTestId('leaderless').count()).toBe(0);
    // One leader seat: the same four people, the leader's tools back on the leader's page only.
    for (const p of [back, ann, bob, cat]) await expect.poll(() => p.getByTestId('participant').count()).toBe(4);
    await expect.poll(() => back.locator('[data-testid="participant"][data-role="leader"]').count()).toBe(1);
    await expect.poll(() => ann.getByTestId('pass-next').count()).toBe(0);
    await expect.poll(() => cat.locator('[data-testid="participant"][data-keeper="true"]').count()).toBe(0);
    expect(await holder(back).getAttribute('data-name')).toBe('Bob'); // nobody was cut off
    await back.getByTestId('take-back').click();
    await expect.poll(() => holder(cat).count()).toBe(0);
  });

  it('[S12] the leader link opened in a second browser: the first page says its seat continues elsewhere', { timeout: scaled(60_000) }, async () => {
    const m = await createMeeting(srv.url, { title: 'Friday group' });
    const first = await joinAs(m.links.leader, 'Lea');
    const ann = await joinAs(m.links.participant, 'Ann');
    const second = await joinAs(m.links.leader, 'Lea');
    await first.locator('[data-testid="session-ended"][data-reason="superseded"]').waitFor();
    expect(await first.getByTestId('session-ended').textContent()).toMatch(/another browser or on another device/);
    await shoot(first, 'superseded-leader', 'session-ended');
    await expect.poll(() => ann.getByTestId('participant').count()).toBe(2);
    await expect.poll(() => second.getByTestId('start-meeting').isVisible()).toBe(true);
    // "Continue here instead" on the first page takes the seat back (its old secret, the same link).
    await first.getByTestId('continue-here').click();
    await inRoom(first);
    await second.locator('[data-testid="session-ended"][data-reason="superseded"]').waitFor();
    await expect.poll(() => ann.getByTestId('participant').count()).toBe(2);
  });
});
