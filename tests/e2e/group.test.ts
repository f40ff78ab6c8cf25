/**
 * A weekly group's whole week in Chromium (rules G1-G7): the leader sets the group up, the
 * group's page before the meeting ("the next meeting is on ..."), the join form appearing by
 * itself when the leader opens this week's meeting, the meeting, its end, the leader handing the
 * next meeting's facilitation to a participant (whose own page alone shows the link), the
 * facilitator's page, and the season's records with the chart. With PEER_CIRCLE_SHOTS=<dir> it
 * also saves screenshots at 360 and 1280 px.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { axeAudit } from '../helpers/axe.ts';
import { inRoom, launchChromium, linkOf, pages } from '../helpers/browser.ts';
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
const { newPage } = pages(() => browser);

const SHOTS = process.env.PEER_CIRCLE_SHOTS;
/** Screenshots for a person to look at (only when asked for): a phone and a desktop width. */
async function shoot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  const size = page.viewportSize();
  for (const [w, h] of [
    [360, 740],
    [1280, 800],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: path.join(SHOTS, `${name}-${w}.png`), fullPage: true });
  }
  if (size) await page.setViewportSize(size);
}

/**
 * axe-core (WCAG 2.2 AA) on the screen at rest, with the same check as every other screen: a
 * colour transition caught half-way (a button just enabled) would read as low contrast.
 */
const audit = (page: Page, screen: string): Promise<void> => axeAudit(page, screen);

async function join(page: Page, name: string, choices: { inAttendance?: boolean } = {}): Promise<void> {
  await page.getByTestId('join-name').fill(name);
  if (choices.inAttendance) await page.getByTestId('join-in-attendance').check();
  await page.getByTestId('join-accept').check();
  await page.getByTestId('join-submit').click();
  await inRoom(page);
}

describe('a group page that cannot reach the server', () => {
  it('[G2] says so, with "Try again", and shows the group as soon as the server answers', async () => {
    const res = await fetch(`${srv.url}/api/groups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Thursday group', language: 'en', rules: ['What is said here stays here.'], agenda: [], settings: { closingWarningMinutes: 5, admission: 'open', signsEnabled: true } }),
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { links: { participant: string } };
    const page = await newPage();
    // The network drops every lookup of the group (the page itself is already loaded).
    const offline = (route: { abort: () => Promise<void> }) => route.abort();
    await page.route('**/api/groups/**', offline);
    await page.goto(created.links.participant);
    await page.getByTestId('group-error').waitFor();
    expect(await page.getByTestId('group-error').textContent()).toMatch(/could not reach the group/);
    await page.unroute('**/api/groups/**', offline);
    // Without waiting for the next automatic try (5 s after the failed one): the click asks at once.
    const asked = page.waitForRequest('**/api/groups/**', { timeout: scaled(2_000) });
    await page.getByTestId('group-retry').click();
    await asked;
    await expect.poll(() => page.getByTestId('group-title').textContent()).toContain('Thursday group');
    expect(await page.getByTestId('group-error').count()).toBe(0);
    await page.context().close();
  });
});

describe('a weekly group in Chromium', () => {
  it('[G1] [G2] [G3] [G5] [G7] the group page before the meeting, the join form appearing when it opens, the hand-over at the end', { timeout: 150_000 }, async () => {
    // The leader sets the group up once, from the create page.
    const create = await newPage();
    await create.goto(srv.url);
    await create.getByTestId('weekly-group-link').click();
    await create.getByTestId('group-name').fill('Tuesday relatives group');
    // Today's weekday at midnight: a meeting opened now stands for today.
    const weekday = String(new Date().getDay() || 7);
    await create.getByTestId('group-weekday').selectOption(weekday);
    await create.getByTestId('group-time').fill('00:00');
    await create.getByTestId('group-agenda').fill('Check-in\nSharing round\nClosing words');
    // This group's leader is heard only with the stick, like everyone (F10): kept for every meeting.
    expect(await create.getByTestId('group-leader-heard').isChecked()).toBe(true);
    await create.getByTestId('group-leader-heard').uncheck();
    await shoot(create, 'group-create');
    await audit(create, 'group create form');
    await create.getByTestId('group-submit').click();
    const participantLink = await linkOf(create, 'group-link-participant');
    const leaderLink = await linkOf(create, 'group-link-leader');
    expect(participantLink).toContain('/#/group/');
    await shoot(create, 'group-created');

    // Before the meeting: a calm page with the next meeting, the rules, the calendar, no form.
    const ona = await newPage();
    await ona.goto(participantLink);
    await expect.poll(() => ona.getByTestId('group-next').textContent()).toMatch(/The next meeting is on .+/);
    await ona.getByTestId('group-calendar').waitFor();
    expect(await ona.getByTestId('join-name').count()).toBe(0);
    await shoot(ona, 'group-page-before');
    await audit(ona, 'group page before the meeting');

    // The leader opens this week's meeting from the group's page (the browser kept the links).
    const lea = create;
    await lea.goto(leaderLink);
    await lea.getByTestId('open-meeting').waitFor();
    await lea.getByTestId('group-rota').waitFor();
    await lea.getByTestId('tools-link-participant').waitFor({ state: 'attached' });
    await shoot(lea, 'group-page-leader');
    await audit(lea, 'group page of the leader');
    await lea.getByTestId('open-meeting').click();

    // The participant's page turns into the join form by itself.
    await ona.getByTestId('join-name').waitFor({ timeout: 20_000 });
    await shoot(ona, 'group-join-form');
    await join(lea, 'Lea', { inAttendance: true });
    await join(ona, 'Ona', { inAttendance: true });
    const ben = await newPage();
    await ben.goto(participantLink);
    await join(ben, 'Ben');

    // The meeting runs and closes properly; then the leader hands next week to Ona.
    await lea.getByTestId('tools-tab-settings').click();
    expect(await lea.getByTestId('settings-leader-heard').isChecked()).toBe(false);
    await lea.getByTestId('start-meeting').click();
    await lea.getByTestId('close-meeting').click();
    await lea.getByTestId('close-meeting-confirm').click();
    for (const p of [lea, ona, ben]) await p.getByTestId('end-view').waitFor();
    await lea.getByTestId('handover-panel').waitFor();
    expect(await ona.getByTestId('handover-panel').count()).toBe(0);
    await lea.getByTestId('handover-person').selectOption({ label: 'Ona' });
    await shoot(lea, 'group-handover');
    await audit(lea, 'hand-over at the end');
    await lea.getByTestId('handover-submit').click();
    await expect.poll(() => lea.getByTestId('handover-done').textContent()).toMatch(/Ona facilitates on/);

    // Only Ona's page shows her personal facilitator link.
    await ona.getByTestId('facilitation-card').waitFor();
    const facilitatorLink = (await ona.getByTestId('facilitation-link').textContent())!.trim();
    expect(facilitatorLink).toContain('/#/group/');
    expect(await ben.getByTestId('facilitation-card').count()).toBe(0);
    expect(await ben.content()).not.toContain(facilitatorLink);
    await shoot(ona, 'group-facilitation-card');
    await audit(ona, 'facilitator link card');

    // Ona's facilitator page: her date, and no rights over the group (no rota, no records).
    const onaNext = await newPage();
    await onaNext.goto(facilitatorLink);
    await expect.poll(() => onaNext.getByTestId('group-when').textContent()).toMatch(/You facilitate the meeting on/);
    expect(await onaNext.getByTestId('group-rota').count()).toBe(0);
    expect(await onaNext.getByTestId('group-records').count()).toBe(0);
    await shoot(onaNext, 'group-facilitator-page');

    // The group's leader sees the rota and the season's records with the chart.
    const records = await newPage();
    await records.goto(leaderLink);
    await expect.poll(() => records.getByTestId('group-rota').textContent()).toContain('Ona');
    await records.locator('svg[data-testid="trend-chart"]').waitFor();
    await expect.poll(() => records.getByTestId('group-records').textContent()).toContain('Lea, Ona');
    await shoot(records, 'group-records');
    await audit(records, 'season records');
  });
});
