/** The closing warning in a real browser: countdown for everyone, the meeting closes by itself. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { launchChromium, linkOf, pages } from '../helpers/browser.ts';
import { scaled } from '../helpers/time.ts';

let srv: RunningServer;
let browser: Browser;
beforeAll(async () => {
  srv = await testServer({ apiRatePerMinute: 1000 });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await srv?.close();
});
const { newPage, joinAs } = pages(() => browser);


/** Creates a meeting through the form; returns the leader and participant links. */
async function create(title: string, opts: { duration?: number; warning?: number } = {}): Promise<{ leader: string; participant: string }> {
  const page = await newPage();
  await page.goto(srv.url);
  await page.getByTestId('title').fill(title);
  if (opts.duration !== undefined) await page.getByTestId('duration').fill(String(opts.duration));
  if (opts.warning !== undefined) await page.getByTestId('closing-warning').fill(String(opts.warning));
  await page.getByTestId('create-submit').click();
  const leader = await linkOf(page, 'link-leader');
  const participant = await linkOf(page, 'link-participant');
  expect(leader).toContain('/#/join/');
  expect(participant).toContain('/#/join/');
  await page.context().close();
  return { leader, participant };
}


/** Leader Lea and participants Ann and Bob, in an open meeting. */
async function openMeeting(title: string): Promise<Page[]> {
  const links = await create(title);
  const lea = await joinAs(links.leader, 'Lea');
  const ann = await joinAs(links.participant, 'Ann');
  const bob = await joinAs(links.participant, 'Bob');
  await lea.getByTestId('start-meeting').click();
  for (const p of [lea, ann, bob]) {
    await p.locator('[data-testid="phase"][data-phase="open"]').waitFor();
    await expect.poll(() => p.getByTestId('participant').count()).toBe(3);
  }
  return [lea, ann, bob];
}

const remaining = async (page: Page): Promise<number> => Number(await page.getByTestId('closing-warning').getAttribute('data-remaining-seconds'));
const closed = (page: Page) => page.locator('[data-testid="phase"][data-phase="closed"]');

describe('the closing warning in Chromium', () => {
  it('the leader warns, everyone sees a countdown, and the meeting closes by itself', async () => {
    const [lea, ann, bob] = (await openMeeting('Closing by itself')) as [Page, Page, Page];
    expect(await ann.getByTestId('closing-warning').count()).toBe(0);

    // Six seconds, through the leader's own field.
    await lea.getByTestId('warn-minutes').fill('0.1');
    await expect.poll(() => lea.getByTestId('warn-closing').textContent()).toMatch(/0\.1 minutes/);
    await lea.getByTestId('warn-closing').click();

    for (const p of [ann, bob, lea]) {
      await p.getByTestId('closing-warning').waitFor();
      await expect.poll(() => p.getByTestId('closing-warning').textContent()).toMatch(/less than a minute/i);
      await expect.poll(() => p.getByTestId('live-polite').textContent()).toMatch(/ends in less than a minute/i);
    }
    const first = await remaining(ann);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(6);
    await expect.poll(() => remaining(ann), { timeout: scaled(4_000) }).toBeLessThan(first);
    await expect.poll(() => remaining(bob), { timeout: scaled(4_000) }).toBeLessThan(first);

    // The leader now extends instead of warning again, and is offered a last round for Ann and Bob.
    await lea.getByTestId('extend-meeting').waitFor();
    expect(await lea.getByTestId('warn-closing').count()).toBe(0);
    await expect.poll(() => lea.getByTestId('last-round').count()).toBe(1);
    expect(await lea.getByText(/2 people have not spoken yet/).count()).toBe(1);
    expect(await ann.getByTestId('last-round').count()).toBe(0);

    for (const p of [lea, ann, bob]) await closed(p).waitFor({ timeout: scaled(15_000) });
    for (const p of [lea, ann, bob]) expect(await p.getByTestId('closing-warning').count()).toBe(0);
  });

  it('a last round from the warning, an extension everyone hears about, then the usual confirm', async () => {
    const [lea, ann, bob] = (await openMeeting('Extended')) as [Page, Page, Page];
    await lea.getByTestId('warn-minutes').fill('0.5');
    await lea.getByTestId('warn-closing').click();
    await ann.getByTestId('closing-warning').waitFor();

    await lea.getByTestId('last-round').click();
    await lea.getByTestId('round-progress').waitFor();
    expect(await lea.getByTestId('last-round').count()).toBe(0);

    const before = await remaining(bob);
    await lea.getByTestId('extend-meeting').click();
    for (const p of [ann, bob]) {
      await expect.poll(() => remaining(p)).toBeGreaterThan(before + 290);
      await expect.poll(() => p.getByTestId('live-polite').textContent()).toMatch(/extended by 5 minutes/i);
      await expect.poll(() => p.getByTestId('closing-warning').textContent()).toMatch(/ends in 6 minutes/i);
    }

    // Warned already: the ordinary confirmation, no "nobody has been warned".
    await lea.getByTestId('close-meeting').click();
    await expect.poll(() => lea.getByTestId('close-meeting-confirm').textContent()).toMatch(/yes, close it/i);
    expect(await lea.getByText(/nobody has been warned/i).count()).toBe(0);
    await lea.getByTestId('close-meeting-confirm').click();
    for (const p of [lea, ann, bob]) await closed(p).waitFor();
  });

  it('closing without a warning asks first, then closes for everyone', async () => {
    const [lea, ann, bob] = (await openMeeting('Closing at once')) as [Page, Page, Page];
    await lea.getByTestId('close-meeting').click();
    await lea.getByText('Nobody has been warned yet. Close anyway?').waitFor();
    // Changing one's mind keeps the meeting open.
    await lea.getByTestId('close-meeting-cancel').click();
    await expect.poll(() => lea.getByTestId('close-meeting-confirm').count()).toBe(0);
    expect(await closed(ann).count()).toBe(0);

    await lea.getByTestId('close-meeting').click();
    await lea.getByTestId('close-meeting-confirm').click();
    for (const p of [lea, ann, bob]) await closed(p).waitFor();
    expect(await lea.getByTestId('command-error').count()).toBe(0);
  });

  it('a meeting with a planned length tells the leader when the group will be reminded', async () => {
    const links = await create('Planned hour', { duration: 60, warning: 10 });
    const lea = await joinAs(links.leader, 'Lea');
    await lea.getByTestId('start-meeting').click();
    await expect.poll(() => lea.getByTestId('auto-warning').textContent()).toMatch(/reminded by itself in 50 minutes/);
    expect(await lea.getByTestId('warn-minutes').inputValue()).toBe('10');
  });
});
