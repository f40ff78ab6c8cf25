/** The meeting room in a real browser: leader and two participants in separate pages. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { holderOf, launchChromium, pages } from '../helpers/browser.ts';

let srv: RunningServer;
let browser: Browser;
beforeAll(async () => {
  srv = await testServer({ media: process.env.E2E_MEDIA === 'true', apiRatePerMinute: 1000 });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await srv?.close();
});
const { newPage, joinAs } = pages(() => browser);




describe('the room in Chromium', () => {
  it('the leader creates a meeting, participants join, raise hands, and everyone sees who holds the stick', async () => {
    const leaderPage = await newPage();
    await leaderPage.goto(srv.url);
    await leaderPage.getByTestId('title').fill('Thursday relatives group');
    await leaderPage.getByTestId('create-submit').click();
    const participantLink = (await leaderPage.getByTestId('link-participant').textContent())?.trim() ?? (await leaderPage.getByTestId('link-participant').inputValue());
    const leaderLink = (await leaderPage.getByTestId('link-leader').textContent())?.trim() || (await leaderPage.getByTestId('link-leader').inputValue());
    expect(participantLink).toContain('/#/join/');
    expect(leaderLink).not.toBe(participantLink);

    const lea = await joinAs(leaderLink, 'Lea');
    await lea.getByTestId('start-meeting').click();
    await lea.locator('[data-testid="phase"][data-phase="open"]').waitFor();

    const ann = await joinAs(participantLink, 'Ann');
    const bob = await joinAs(participantLink, 'Bob');
    for (const p of [lea, ann, bob]) await expect.poll(() => p.getByTestId('participant').count()).toBe(3);

    await bob.getByTestId('raise-hand').click();
    await ann.getByTestId('raise-hand').click();
    await expect.poll(() => ann.getByTestId('my-position').textContent()).toMatch(/2nd/);
    await expect.poll(() => lea.getByTestId('queue-item').allTextContents()).toEqual([expect.stringContaining('Bob'), expect.stringContaining('Ann')]);

    // Pass to the next in the queue: Bob.
    await lea.getByTestId('pass-next').click();
    for (const p of [lea, ann, bob]) {
      await expect.poll(() => holderOf(p).getAttribute('data-name')).toBe('Bob');
      await expect.poll(() => p.getByTestId('holder-name').textContent()).toContain('Bob');
    }
    await expect.poll(() => bob.getByTestId('live-assertive').textContent()).toMatch(/you have the stick/i);
    await bob.getByTestId('release-stick').waitFor();
    await bob.getByTestId('decline-stick').waitFor();
    await expect.poll(() => ann.getByTestId('my-position').textContent()).toMatch(/1st|next/i);

    // Bob passes (the right to silence); the stick returns to the centre.
    await bob.getByTestId('decline-stick').click();
    for (const p of [lea, ann, bob]) await expect.poll(() => holderOf(p).count()).toBe(0);

    // The leader passes to a named person.
    const annId = await ann.locator('[data-testid="participant"][data-name="Ann"]').getAttribute('data-participant-id');
    await lea.getByTestId('pass-to').selectOption(annId!);
    await lea.getByTestId('pass-to-submit').click();
    for (const p of [lea, ann, bob]) await expect.poll(() => holderOf(p).getAttribute('data-name')).toBe('Ann');

    // Keyboard only: Ann finishes with Tab + Enter.
    await ann.getByTestId('release-stick').focus();
    await ann.keyboard.press('Enter');
    for (const p of [lea, ann, bob]) await expect.poll(() => holderOf(p).count()).toBe(0);

    // A reload keeps Bob's seat (resume secret), not a second Bob.
    await bob.reload();
    await bob.getByTestId('connection-status').and(bob.locator('[data-status="connected"]')).waitFor();
    await expect.poll(() => lea.locator('[data-testid="participant"][data-name="Bob"]').count()).toBe(1);
  });
});
