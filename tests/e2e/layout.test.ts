/**
 * The room as a leader runs it (issue 10, items 1, 2 and 6), at 1280x800 and at 360x740:
 * - the leader sees, in the first screen and without scrolling, who holds the stick, "Pass to
 *   <next>", "Take back", the round, the queue with a button per person, the ending, and an
 *   arrival in the lobby with "Let in" (and hears a soft sound, which can be switched off);
 * - a participant's own buttons are in the first screen too (on a phone, in the bottom bar);
 * - changes that concern me are said in words, on the screen and in the live region:
 *   "You're 1st", "The leader took the stick back", "We'll come back to you…"; "Leave" asks once.
 * Screenshots go to /tmp/shots-layout (or LAYOUT_SHOTS) for a human look.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { holderOf as holder, inRoom, linkOf, launchChromium, pages } from '../helpers/browser.ts';
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
const SHOTS = process.env.LAYOUT_SHOTS ?? '/tmp/shots-layout';
mkdirSync(SHOTS, { recursive: true });

const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 360, height: 740 },
] as const;

/** Counts the notes the page plays through Web Audio (the arrival sound is made on the spot). */
const countTones = () => {
  const w = window as unknown as { __tones: number };
  w.__tones = 0;
  const create = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function (this: AudioContext) {
    w.__tones += 1;
    return create.call(this);
  };
};
const tones = (page: Page) => page.evaluate(() => (window as unknown as { __tones: number }).__tones);

/**
 * Each element is in the first screen as the page opens: the page is not scrolled, the box lies
 * inside the window, and the element is what is drawn at its centre (nothing, such as the
 * bottom bar, covers it).
 */
async function inFirstScreen(page: Page, testIds: string[]): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  const report = await page.evaluate((ids) => {
    const out: { id: string; problem: string }[] = [];
    if (window.scrollY !== 0) out.push({ id: '(page)', problem: `scrollY ${window.scrollY}` });
    for (const id of ids) {
      const els = [...document.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];
      if (els.length === 0) out.push({ id, problem: 'missing' });
      for (const el of els) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) out.push({ id, problem: 'not drawn' });
        else if (r.top < 0 || r.left < 0 || r.bottom > window.innerHeight || r.right > window.innerWidth)
          out.push({ id, problem: `outside the window: ${Math.round(r.top)}..${Math.round(r.bottom)} of ${window.innerHeight}` });
        else {
          // The centre and the four corners (2 px in): a bar over any part of it is a failure.
          const points = [
            [r.left + r.width / 2, r.top + r.height / 2],
            [r.left + 2, r.top + 2],
            [r.right - 2, r.top + 2],
            [r.left + 2, r.bottom - 2],
            [r.right - 2, r.bottom - 2],
          ] as const;
          for (const [x, y] of points) {
            const hit = document.elementFromPoint(x, y);
            if (!hit || !(el === hit || el.contains(hit) || hit.contains(el))) {
              out.push({ id, problem: `covered at ${Math.round(x)},${Math.round(y)} by ${hit?.outerHTML.slice(0, 80)}` });
              break;
            }
          }
        }
      }
    }
    return out;
  }, testIds);
  expect(report, `${page.viewportSize()?.width}px`).toEqual([]);
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  // A colour change just switched is still fading (150 ms): picture the page once it is done.
  // (Transitions only: a looping animation never finishes; a replaced transition is cancelled.)
  await page.evaluate(() => Promise.all(document.getAnimations().filter((a) => a instanceof CSSTransition).map((a) => a.finished.catch(() => undefined))));
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

/** The words are on the screen (in `testId`) and were said in the polite live region. */
async function saidAndShown(page: Page, testId: string, words: RegExp): Promise<void> {
  await expect.poll(() => page.getByTestId(testId).textContent()).toMatch(words);
  expect(await page.getByTestId(testId).isVisible()).toBe(true);
  await expect.poll(() => page.getByTestId('live-polite').textContent()).toMatch(words);
  expect(await page.getByTestId('live-polite').getAttribute('aria-live')).toBe('polite');
}

const idOf = (page: Page, name: string) => page.locator(`[data-testid="participant"][data-name="${name}"]`).getAttribute('data-participant-id');

describe('the room as a leader runs it', () => {
  it('essentials in the first screen at 1280x800 and 360x740; arrivals reach the leader; no silent changes', { timeout: scaled(180_000) }, async () => {
    const create = await newPage();
    await create.goto(srv.url);
    await create.getByTestId('title').fill('Tuesday evening group');
    await create.getByTestId('admission').selectOption('leader-admits');
    await create.getByTestId('create-submit').click();
    await create.getByTestId('link-leader').waitFor();
    const leaderLink = await linkOf(create, 'link-leader');
    const participantLink = await linkOf(create, 'link-participant');
    await create.context().close();

    const lea = await newPage();
    await lea.addInitScript(countTones);
    await lea.goto(leaderLink);
    await lea.getByTestId('join-name').fill('Lea');
    await lea.getByTestId('join-accept').check();
    await lea.getByTestId('join-submit').click();
    await inRoom(lea);

    // Four people come in through the lobby; each arrival is a notice with a soft sound.
    const people: Page[] = [];
    for (const name of ['Ann', 'Bob', 'Cid', 'Dan']) {
      const before = await tones(lea);
      const page = await arrive(participantLink, name);
      const entry = lea.locator(`[data-testid="lobby-entry"][data-name="${name}"]`);
      await entry.waitFor();
      await expect.poll(() => tones(lea)).toBeGreaterThan(before);
      await expect.poll(() => lea.getByTestId('live-polite').textContent()).toContain(`${name} is waiting to be let in.`);
      await entry.getByTestId('admit').click();
      await inRoom(page);
      people.push(page);
    }
    const [ann, bob, cid, dan] = people as [Page, Page, Page, Page];
    await expect.poll(() => lea.getByTestId('lobby-entry').count()).toBe(0);

    await lea.getByTestId('start-meeting').click();
    for (const p of [lea, ...people]) await p.locator('[data-testid="phase"][data-phase="open"]').waitFor();

    // Ann shares; Bob, Cid and Dan raise their hands. Bob is told he is first, in words.
    await lea.getByTestId('pass-to').selectOption((await idOf(lea, 'Ann'))!);
    await lea.getByTestId('pass-to-submit').click();
    await ann.getByTestId('release-stick').waitFor();
    for (const p of [bob, cid, dan]) {
      await p.getByTestId('raise-hand').click();
      await p.getByTestId('my-position').waitFor();
    }
    await saidAndShown(bob, 'my-position', /You’re 1st — you’ll have the stick next/);
    await expect.poll(() => lea.getByTestId('queue-item').count()).toBe(3);

    // Eve arrives and waits in the lobby.
    const before = await tones(lea);
    const eve = await arrive(participantLink, 'Eve');
    await eve.getByTestId('lobby').waitFor();
    await lea.locator('[data-testid="lobby-entry"][data-name="Eve"]').waitFor();
    await expect.poll(() => tones(lea)).toBeGreaterThan(before);

    const leaderEssentials = ['holder-name', 'pass-next', 'take-back', 'start-round', 'queue-item', 'queue-pass', 'lobby-entry', 'admit', 'turn-away'];
    for (const vp of VIEWPORTS) {
      const size = `${vp.width}x${vp.height}`;
      await lea.setViewportSize(vp);
      await bob.setViewportSize(vp);
      await ann.setViewportSize(vp);
      await expect.poll(() => lea.getByTestId('pass-next').textContent()).toContain('Pass to Bob');
      await shoot(lea, `leader-${size}-light`);
      await shoot(bob, `participant-queued-${size}-light`);
      await shoot(ann, `participant-holding-${size}-light`);
      for (const p of [lea, bob]) await p.emulateMedia({ colorScheme: 'dark', reducedMotion: 'reduce' });
      await shoot(lea, `leader-${size}-dark`);
      await shoot(bob, `participant-queued-${size}-dark`);
      for (const p of [lea, bob]) await p.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' });
      // The ending: in the console on a desktop; its first step in the bottom bar on a phone.
      await inFirstScreen(lea, vp.width >= 1000 ? [...leaderEssentials, 'warn-closing'] : [...leaderEssentials, 'dock-warn']);
      expect(await lea.getByTestId('dock-warn').isVisible()).toBe(vp.width < 1000);
      await inFirstScreen(bob, ['lower-hand', 'my-position', 'holder-name']);
      await inFirstScreen(ann, ['release-stick', 'decline-stick']);
      // Thumb-sized: every button of the phone's bottom bar is at least 44 px high.
      if (vp.width < 500) {
        for (const id of ['pass-next', 'take-back', 'start-round', 'dock-warn', 'queue-pass', 'admit']) {
          const box = await lea.getByTestId(id).first().boundingBox();
          expect(box!.height, id).toBeGreaterThanOrEqual(44);
        }
      }
    }
    // The same first screens in the five other languages (Finnish and Lithuanian: the longest
    // words), on the phone: the leader's, and the waiting and the speaking participant's.
    for (const lang of ['lt', 'sl', 'lv', 'pl', 'fi']) {
      for (const p of [lea, bob, ann]) {
        await p.getByTestId('language-switch').selectOption(lang);
        await expect.poll(() => p.locator('html').getAttribute('lang')).toBe(lang);
      }
      await shoot(lea, `leader-360x740-${lang}`);
      await shoot(bob, `participant-queued-360x740-${lang}`);
      await shoot(ann, `participant-holding-360x740-${lang}`);
      await inFirstScreen(lea, [...leaderEssentials, 'dock-warn']);
      await inFirstScreen(bob, ['lower-hand', 'my-position', 'holder-name']);
      await inFirstScreen(ann, ['release-stick', 'decline-stick']);
    }
    for (const p of [lea, bob, ann]) {
      await p.getByTestId('language-switch').selectOption('en');
      await expect.poll(() => p.locator('html').getAttribute('lang')).toBe('en');
    }

    // The leader switches the arrival sound off: the next arrival is silent (and the choice is kept).
    await lea.getByTestId('arrival-sound').click();
    expect(await lea.getByTestId('arrival-sound').getAttribute('aria-pressed')).toBe('false');
    expect(await lea.evaluate(() => localStorage.getItem('peer-circle.arrivalSound'))).toBe('off');
    await lea.locator('[data-testid="lobby-entry"][data-name="Eve"]').getByTestId('admit').click();
    await inRoom(eve);
    const quiet = await tones(lea);
    const fay = await arrive(participantLink, 'Fay');
    await lea.locator('[data-testid="lobby-entry"][data-name="Fay"]').waitFor();
    await expect.poll(() => lea.getByTestId('live-polite').textContent()).toContain('Fay is waiting to be let in.');
    expect(await tones(lea)).toBe(quiet);
    await lea.locator('[data-testid="lobby-entry"][data-name="Fay"]').getByTestId('turn-away').click();
    await fay.locator('[data-testid="session-ended"][data-reason="turnedAway"]').waitFor();

    // "Take back": Ann is told, in words, on her screen and to her screen reader.
    await lea.getByTestId('take-back').click();
    await expect.poll(() => holder(ann).count()).toBe(0);
    await saidAndShown(ann, 'my-news', /The leader took the stick back\./);
    await ann.getByTestId('raise-hand').waitFor();
    await inFirstScreen(ann, ['raise-hand', 'my-news']);
    await shoot(ann, 'participant-taken-back-360x740-light');

    // A round; Ann says "come back to me" and is told the stick will come back.
    await lea.getByTestId('start-round').click();
    await expect.poll(() => holder(ann).getAttribute('data-name')).toBe('Lea');
    await lea.getByTestId('release-stick').click();
    await expect.poll(() => holder(ann).getAttribute('data-name')).toBe('Ann');
    await ann.getByTestId('defer-turn').click();
    await expect.poll(() => holder(ann).getAttribute('data-name')).toBe('Bob');
    await saidAndShown(ann, 'my-news', /We’ll come back to you at the end of the round\./);
    await shoot(ann, 'participant-deferred-360x740-light');

    // The closing warning on the phone, in one tap of the bottom bar (the meeting's own 5 minutes):
    // the banner comes, the console keeps its buttons in reach, and "+5 minutes" takes the warning's place.
    await lea.getByTestId('dock-warn').click();
    await lea.getByTestId('dock-extend').waitFor();
    await ann.getByTestId('closing-warning').waitFor();
    const left = Number(await lea.getByTestId('closing-warning').getAttribute('data-remaining-seconds'));
    expect(left).toBeGreaterThan(200);
    expect(left).toBeLessThanOrEqual(300);
    await inFirstScreen(lea, ['pass-next', 'take-back', 'end-round', 'dock-extend', 'holder-name']);
    await shoot(lea, 'leader-closing-360x740-light');
    await shoot(ann, 'participant-closing-360x740-light');

    // "Leave" asks once: "Stay" keeps Dan in, "Yes, leave" lets him go.
    await dan.getByTestId('leave').click();
    await dan.getByTestId('leave-confirm-panel').waitFor();
    await expect.poll(() => dan.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('leave-cancel');
    await dan.getByTestId('leave-cancel').click();
    expect(await dan.getByTestId('leave-confirm-panel').count()).toBe(0);
    await inRoom(dan);
    await dan.getByTestId('leave').click();
    await dan.getByTestId('leave-confirm').click();
    await dan.locator('[data-testid="session-ended"][data-reason="left"]').waitFor();
    await expect.poll(() => lea.locator('[data-testid="participant"][data-name="Dan"]').count()).toBe(0);
  });
});
