/**
 * Automated accessibility checks (WCAG 2.2 AA, shared/experience.md) of real pages in Chromium:
 * axe-core runs on every screen of a whole meeting, as people see it: the create form and its
 * links, the join page, the lobby, the leader's room in full swing, a participant holding the
 * stick in a round on a 360 px phone, the observer's panel with a note, the closing warning, and
 * the end of the meeting for a participant, the leader and an observer.
 *
 * axe cannot judge everything (meaningful wording, focus order, announcements): it catches the
 * mechanical faults (contrast, names, labels, structure, ARIA misuse) that must never come back.
 * Set A11Y_SCREENSHOTS=<dir> to also save a screenshot of each checked screen for a human look.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { holderOf as holder, inRoom, launchChromium, linkOf, pages } from '../helpers/browser.ts';
import { axeAudit } from '../helpers/axe.ts';
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
const { newPage, arrive } = pages(() => browser);

/** Set A11Y_SCREENSHOTS=<dir> to also save a screenshot of each checked screen. */
const SHOTS = process.env.A11Y_SCREENSHOTS;
const audit = (page: Page, screen: string) => axeAudit(page, screen, SHOTS);

describe('accessibility of every screen (axe-core, WCAG 2.2 AA)', () => {
  it('no serious or critical violations from creating a meeting to its end', { timeout: scaled(120_000) }, async () => {
    // Create: the form, then the links.
    const create = await newPage();
    await create.goto(srv.url);
    await create.getByTestId('title').waitFor();
    await audit(create, 'create page');
    await create.getByTestId('title').fill('Wednesday peer group');
    await create.getByTestId('admission').selectOption('leader-admits');
    await create.getByTestId('create-submit').click();
    await create.getByTestId('link-leader').waitFor();
    await audit(create, 'links page');
    const leaderLink = await linkOf(create, 'link-leader');
    const participantLink = await linkOf(create, 'link-participant');
    const observerLink = await linkOf(create, 'link-observer');
    await create.context().close();

    // Join: the page as it opens.
    const lea = await newPage();
    await lea.goto(leaderLink);
    await lea.getByTestId('join-name').waitFor();
    await audit(lea, 'join page');
    await lea.getByTestId('join-name').fill('Lea');
    await lea.getByTestId('join-accept').check();
    await lea.getByTestId('join-submit').click();
    await inRoom(lea);

    // The lobby: waiting to be let in.
    const ann = await arrive(participantLink, 'Ann');
    await ann.getByTestId('lobby').waitFor();
    await audit(ann, 'lobby');
    const bob = await arrive(participantLink, 'Bob');
    const oli = await arrive(observerLink, 'Oli');
    await expect.poll(() => lea.getByTestId('lobby-entry').count()).toBe(3);
    for (const name of ['Ann', 'Bob', 'Oli']) await lea.locator(`[data-testid="lobby-entry"][data-name="${name}"]`).getByTestId('admit').click();
    for (const p of [ann, bob, oli]) await inRoom(p);
    const cid = await arrive(participantLink, 'Cid'); // stays in the lobby
    await cid.getByTestId('lobby').waitFor();
    await lea.locator('[data-testid="lobby-entry"][data-name="Cid"]').waitFor();

    // The leader's room in full swing: an agenda, the meeting open, Ann holding the stick,
    // Bob waiting in the queue, Cid in the lobby.
    await lea.getByTestId('agenda-edit').click();
    for (const [i, text] of ['Welcome', 'Round: how was your week'].entries()) {
      await lea.getByTestId('agenda-add').click();
      await lea.getByTestId('agenda-input').nth(i).fill(text);
    }
    await lea.getByTestId('agenda-save').click();
    await lea.getByTestId('agenda-item').nth(1).getByTestId('agenda-set-current').click();
    await lea.getByTestId('start-meeting').click();
    for (const p of [lea, ann, bob, oli]) await p.locator('[data-testid="phase"][data-phase="open"]').waitFor();
    const annId = (await ann.locator('[data-testid="participant"][data-name="Ann"]').getAttribute('data-participant-id'))!;
    await lea.getByTestId('pass-to').selectOption(annId);
    await lea.getByTestId('pass-to-submit').click();
    await ann.getByTestId('release-stick').waitFor();
    await bob.getByTestId('raise-hand').click();
    await lea.getByTestId('queue-item').waitFor();
    await lea.getByTestId('speaker-elapsed').waitFor();
    await audit(lea, 'leader room');
    await audit(bob, 'participant in the queue');

    // A participant on a 360 px phone, holding the stick in a round.
    await ann.getByTestId('release-stick').click();
    await expect.poll(() => holder(lea).count()).toBe(0);
    await lea.getByTestId('start-round').click();
    await expect.poll(() => holder(ann).getAttribute('data-name')).toBe('Lea');
    await lea.getByTestId('release-stick').click();
    await expect.poll(() => holder(ann).getAttribute('data-name')).toBe('Ann');
    await ann.setViewportSize({ width: 360, height: 780 });
    await ann.getByTestId('round-progress').waitFor();
    await ann.getByTestId('release-stick').waitFor();
    await audit(ann, 'participant holding the stick in a round at 360px');

    // The observer's panel with a saved note, on a desktop and on a phone.
    await oli.getByTestId('observer-panel').waitFor();
    await oli.getByTestId('note-scale-atmosphere').locator('input[value="4"]').check();
    await oli.getByTestId('note-text').fill('Warm listening.');
    await oli.getByTestId('note-save').click();
    await oli.getByTestId('note-item').waitFor();
    await oli.setViewportSize({ width: 1280, height: 900 });
    await audit(oli, 'observer room at 1280px');
    await oli.setViewportSize({ width: 360, height: 780 });
    await audit(oli, 'observer room at 360px');

    // The closing warning, on the phone.
    await lea.getByTestId('warn-minutes').fill('1');
    await lea.getByTestId('warn-closing').click();
    await ann.getByTestId('closing-warning').waitFor();
    await audit(ann, 'closing warning at 360px');

    // The end: the observer publishes; a participant sees the form, the chart and the words.
    await lea.getByTestId('close-meeting').click();
    await lea.getByTestId('close-meeting-confirm').click();
    for (const p of [lea, ann, oli]) await p.getByTestId('end-view').waitFor();
    await expect.poll(() => oli.getByTestId('reco-draft').inputValue()).toContain('Warm listening.');
    await oli.getByTestId('reco-publish').click();
    await oli.getByTestId('reco-published').waitFor();
    await audit(oli, 'observer end view');
    await ann.setViewportSize({ width: 1000, height: 900 });
    await ann.getByTestId('end-recommendation').waitFor();
    await ann.getByTestId('end-chart').waitFor();
    await ann.getByTestId('feedback-form').waitFor();
    await audit(ann, 'participant end view');
    await audit(lea, 'leader end view');
  });
});
