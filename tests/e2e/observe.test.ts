/**
 * Observers and the end of the meeting in Chromium (rules O2-O6, E1-E4): a leader, two
 * participants and an observer. The observer writes a note, the meeting closes, the observer
 * publishes, participants see the recommendations and the chart, give anonymous feedback, and the
 * leader takes the attendance summary.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { launchChromium, linkOf, pages } from '../helpers/browser.ts';

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
const { newPage, joinAs: join } = pages(() => browser);

async function create(title: string): Promise<Record<'leader' | 'participant' | 'observer', string>> {
  const page = await newPage();
  await page.goto(srv.url);
  await page.getByTestId('title').fill(title);
  await page.getByTestId('create-submit').click();
  const links = { leader: await linkOf(page, 'link-leader'), participant: await linkOf(page, 'link-participant'), observer: await linkOf(page, 'link-observer') };
  await page.context().close();
  return links;
}

const NOTE = 'People listened closely to each other.';
/** A note naming a label: the draft takes it out (O8). */
const LABELLED = 'P2 spoke warmly.';

describe('observers and the end of the meeting in Chromium', () => {
  it('an observer notes, the meeting closes, the observer publishes; everyone sees the recommendations and the chart', async () => {
    const links = await create('Thursday relatives group');
    const lea = await join(links.leader, 'Lea', { profile: 'lived-experience', inAttendance: true });
    const ann = await join(links.participant, 'Ann', { profile: 'relative', inAttendance: true });
    const bob = await join(links.participant, 'Bob', { profile: 'professional', namedToObservers: true });
    const oli = await join(links.observer, 'Oli');
    await lea.getByTestId('start-meeting').click();
    for (const p of [lea, ann, bob, oli]) await p.locator('[data-testid="phase"][data-phase="open"]').waitFor();

    // Ann speaks; the observer sees facts under labels, and Bob by name as he chose.
    const annId = await ann.locator('[data-testid="participant"][data-name="Ann"]').getAttribute('data-participant-id');
    await lea.getByTestId('pass-to').selectOption(annId!);
    await lea.getByTestId('pass-to-submit').click();
    await ann.getByTestId('release-stick').waitFor();
    await ann.waitForTimeout(300);
    await ann.getByTestId('release-stick').click();
    await oli.getByTestId('observer-panel').waitFor();
    const annRow = oli.locator(`[data-testid="observer-fact-row"][data-participant-id="${annId}"]`);
    await expect.poll(() => annRow.getAttribute('data-turns')).toBe('1');
    expect(await annRow.getAttribute('data-label')).toMatch(/^P\d+$/);
    expect(await oli.locator('[data-testid="participant"][data-name="Ann"]').count()).toBe(0);
    expect(await oli.locator('[data-testid="participant"][data-name="Bob"]').count()).toBe(1);
    await oli.getByTestId('observer-balance').waitFor();

    // A structured note; nobody but observers ever sees it.
    await oli.getByTestId('note-scale-atmosphere').locator('input[value="4"]').check();
    await oli.getByTestId('note-scale-interaction').locator('input[value="5"]').check();
    await oli.getByTestId('note-text').fill(`${NOTE} ${LABELLED}`);
    await oli.getByTestId('note-save').click();
    await expect.poll(() => oli.getByTestId('note-item').count()).toBe(1);
    await expect.poll(() => oli.getByTestId('note-item').textContent()).toContain(NOTE);

    // The leader warns and closes.
    await lea.getByTestId('warn-minutes').fill('1');
    await lea.getByTestId('warn-closing').click();
    await lea.getByTestId('close-meeting').click();
    await lea.getByTestId('close-meeting-confirm').click();
    for (const p of [lea, ann, bob, oli]) await p.getByTestId('end-view').waitFor();
    for (const p of [lea, ann, bob]) expect(await p.content()).not.toContain(NOTE);

    // The observer's draft is built from the notes, without labels or numbers (O8); they edit and publish it.
    const draft = oli.getByTestId('reco-draft');
    await expect.poll(() => draft.inputValue()).toContain(`${NOTE} someone spoke warmly.`);
    expect(await draft.inputValue()).not.toMatch(/\bP\d|of 5/);
    await draft.fill(`${await draft.inputValue()}\nThank you for a warm meeting.`);
    await oli.getByTestId('reco-publish').click();
    await oli.getByTestId('reco-published').waitFor();

    for (const p of [ann, bob, lea]) {
      await expect.poll(() => p.getByTestId('end-recommendation').count()).toBe(1);
      await expect.poll(() => p.getByTestId('end-recommendation').textContent()).toContain('Thank you for a warm meeting.');
      // The picture of the word (E6): three people, so words about the whole circle, no bar for anyone.
      const chart = p.getByTestId('end-chart');
      await expect.poll(() => chart.getAttribute('data-people')).toBe('3');
      expect(await chart.getAttribute('data-shown')).toBe('true');
      expect(await chart.getByTestId('end-chart-bar').count()).toBe(0);
      expect(await chart.textContent()).toContain('3 people in the circle.');
      expect(await chart.textContent()).not.toMatch(/Ann|Bob|Lea/);
    }

    // Anonymous feedback from Ann; the leader sees only the totals.
    await ann.getByTestId('feedback-safe').locator('input[value="5"]').check();
    await ann.getByTestId('feedback-heard').locator('input[value="4"]').check();
    await ann.getByTestId('feedback-text').fill('It felt good to be heard.');
    await ann.getByTestId('feedback-send').click();
    await ann.getByTestId('feedback-thanks').waitFor();
    await expect.poll(() => lea.getByTestId('leader-feedback').textContent()).toContain('It felt good to be heard.');
    expect(await bob.content()).not.toContain('It felt good to be heard.');

    // The attendance summary: counts by profile, names only of those who agreed.
    const [download] = await Promise.all([lea.waitForEvent('download'), lea.getByTestId('attendance-download').click()]);
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv.split(/\r?\n/)[0]).toBe('date,title,section,item,count');
    expect(csv).toContain('Thursday relatives group');
    // E7: one person per profile: only counted together.
    expect(csv).toMatch(/profile,relative,\r\n/);
    expect(csv).toMatch(/profile,professional,\r\n/);
    expect(csv).toMatch(/profile,counted together,3\r\n/);
    expect(csv).toMatch(/name,Ann,/);
    expect(csv).toMatch(/name,Lea,/);
    expect(csv).not.toContain('Bob');
    expect(csv).not.toContain('Oli');
  });
});
