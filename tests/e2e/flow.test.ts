/**
 * A whole meeting from welcome to close in Chromium, with the meeting-flow features (rules
 * F2-F9, L1): the lobby, the agenda, the rules, a round with "come back to me", silent signs, the
 * share timer, a private check-in, a co-leader, the closing warning, and the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { holderOf as holder, inRoom, launchChromium, linkOf, pages } from '../helpers/browser.ts';
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


describe('a whole meeting in Chromium', () => {
  it('welcome, lobby, agenda, rules, a kind round, signs, share timer, check-in, co-leader, closing', { timeout: scaled(150_000) }, async () => {
    // The leader creates the meeting: people wait in a lobby, a 1-minute share guideline.
    const create = await newPage();
    await create.goto(srv.url);
    await create.getByTestId('title').fill('Monday peer group');
    await create.getByTestId('admission').selectOption('leader-admits');
    await create.getByTestId('share-timer').selectOption('1');
    await create.getByTestId('create-submit').click();
    const leaderLink = await linkOf(create, 'link-leader');
    const participantLink = await linkOf(create, 'link-participant');
    await create.context().close();

    const lea = await arrive(leaderLink, 'Lea');
    await inRoom(lea);

    // Arrivals wait in the lobby; the leader lets Ann and Bob in and turns Eve away.
    const ann = await arrive(participantLink, 'Ann');
    const bob = await arrive(participantLink, 'Bob');
    const eve = await arrive(participantLink, 'Eve');
    for (const p of [ann, bob, eve]) await p.getByTestId('lobby').waitFor();
    await expect.poll(() => lea.getByTestId('lobby-entry').count()).toBe(3);
    for (const name of ['Ann', 'Bob']) await lea.locator(`[data-testid="lobby-entry"][data-name="${name}"]`).getByTestId('admit').click();
    await lea.locator('[data-testid="lobby-entry"][data-name="Eve"]').getByTestId('turn-away').click();
    await inRoom(ann);
    await inRoom(bob);
    await eve.locator('[data-testid="session-ended"][data-reason="turnedAway"]').waitFor();
    for (const p of [lea, ann, bob]) await expect.poll(() => p.getByTestId('participant').count()).toBe(3);

    // The agenda, set before the start, is seen by everyone with the current item marked.
    await lea.getByTestId('agenda-edit').click();
    for (const [i, text] of ['Welcome and rules', 'Round: how was your week', 'Announcements'].entries()) {
      await lea.getByTestId('agenda-add').click();
      await lea.getByTestId('agenda-input').nth(i).fill(text);
    }
    await lea.getByTestId('agenda-save').click();
    for (const p of [ann, bob]) await expect.poll(() => p.getByTestId('agenda-item').count()).toBe(3);
    await lea.getByTestId('agenda-item').nth(1).getByTestId('agenda-set-current').click();
    for (const p of [ann, bob]) {
      await expect.poll(() => p.locator('[data-testid="agenda-item"][aria-current="step"]').textContent()).toContain('how was your week');
    }

    // Anyone can reopen the group's rules.
    await bob.getByTestId('rules-open').click();
    await expect.poll(() => bob.getByTestId('rules-list').textContent()).toMatch(/nobody has to speak/i);
    await bob.getByTestId('rules-close').click();

    await lea.getByTestId('start-meeting').click();
    for (const p of [lea, ann, bob]) await p.locator('[data-testid="phase"][data-phase="open"]').waitFor();

    // A round in circle order; Ann says "come back to me" and gets her turn at the end.
    await lea.getByTestId('start-round').click();
    await expect.poll(() => holder(ann).getAttribute('data-name')).toBe('Lea');
    await expect.poll(() => ann.getByTestId('round-progress').getAttribute('data-current')).toBe('1');
    expect(await ann.getByTestId('round-progress').getAttribute('data-total')).toBe('3');
    await lea.getByTestId('release-stick').click();
    await expect.poll(() => holder(bob).getAttribute('data-name')).toBe('Ann');
    await ann.getByTestId('defer-turn').click();
    await expect.poll(() => holder(ann).getAttribute('data-name')).toBe('Bob');
    await bob.getByTestId('release-stick').click();
    await expect.poll(() => holder(lea).getAttribute('data-name')).toBe('Ann');
    await expect.poll(() => ann.getByTestId('round-progress').getAttribute('data-current')).toBe('3');
    expect(await ann.getByTestId('defer-turn').count()).toBe(0); // once per round
    await ann.getByTestId('release-stick').click();
    await expect.poll(() => lea.getByTestId('round-progress').count()).toBe(0);

    // Ann shares; the guideline is one minute. Meanwhile Bob sends a silent sign and Ann asks
    // the leader privately to check in with her after the meeting.
    const annId = (await ann.locator('[data-testid="participant"][data-name="Ann"]').getAttribute('data-participant-id'))!;
    await lea.getByTestId('pass-to').selectOption(annId);
    await lea.getByTestId('pass-to-submit').click();
    await ann.getByTestId('release-stick').waitFor();
    await lea.getByTestId('speaker-elapsed').waitFor();
    await bob.getByTestId('sign-hear').click();
    await expect.poll(() => ann.locator('[data-testid="sign"][data-kind="hear"]').count()).toBe(1);
    await expect.poll(() => ann.getByTestId('signs-feed').textContent()).toContain('Bob');
    expect(await holder(ann).getAttribute('data-name')).toBe('Ann'); // a sign never interrupts
    await ann.getByTestId('check-in').check();
    await expect.poll(() => lea.getByTestId('leader-checkin').textContent()).toContain('Ann');
    expect(await bob.getByTestId('leader-checkin').count()).toBe(0);

    // The share timer: only Ann sees the gentle cue; nobody is cut off.
    await ann.getByTestId('share-cue').waitFor({ timeout: scaled(75_000) });
    expect(await bob.getByTestId('share-cue').count()).toBe(0);
    expect(Number(await lea.getByTestId('speaker-elapsed').getAttribute('data-seconds'))).toBeGreaterThanOrEqual(60);
    expect(await holder(bob).getAttribute('data-name')).toBe('Ann');
    await ann.getByTestId('release-stick').click();

    // Bob becomes co-leader; the leader's page goes away and Bob carries the meeting to its close.
    await lea.locator('[data-testid="manage-person"][data-name="Bob"]').getByTestId('co-leader').click();
    await bob.getByTestId('warn-closing').waitFor();
    await lea.context().close();
    expect(await ann.getByTestId('leader-away').count()).toBe(0);
    await bob.getByTestId('warn-minutes').fill('0.1');
    await bob.getByTestId('warn-closing').click();
    for (const p of [ann, bob]) await p.getByTestId('closing-warning').waitFor();
    for (const p of [ann, bob]) await p.locator('[data-testid="phase"][data-phase="closed"]').waitFor({ timeout: scaled(15_000) });
    for (const p of [ann, bob]) await p.getByTestId('end-view').waitFor();
  });
});
