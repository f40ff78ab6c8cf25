/**
 * Every language in a real browser (issue 13): for English and each of the five languages, a
 * browser set to that language goes from the start page through creating a meeting (in the
 * page's language, the default), the join page, the room as leader and as participant (second
 * in the queue: the ordinal), to the end of the meeting. On each screen:
 * - `<html lang>` is the language;
 * - no English is left: the page's words are compared with the English page's words for the same
 *   screen (names, the title and the language names aside);
 * - nothing overflows its box and nothing scrolls sideways, at 360 px and at 320 px (what a 640 px
 *   window shows at 200 % zoom), and a 360 px screenshot is saved (I18N_SCREENSHOTS=<dir>, else
 *   the system's temp dir);
 * - in Finnish (the longest words), axe-core checks every screen too (WCAG 2.2 AA).
 * And the language switch: a choice beats the browser's and the meeting's language, is
 * remembered, and changes `<html lang>` at once.
 */
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { LANGUAGE_NAMES, LOCALE_DATA, type Language } from '@peer-circle/shared';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { inRoom, launchChromium, linkOf } from '../helpers/browser.ts';
import { axeAudit } from '../helpers/axe.ts';

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

const SHOTS = process.env.I18N_SCREENSHOTS ?? joinPath(tmpdir(), 'peer-circle-i18n-screenshots');
const BROWSER_LOCALE: Record<Language, string> = { en: 'en-US', lt: 'lt-LT', lv: 'lv-LV', pl: 'pl-PL', sl: 'sl-SI', fi: 'fi-FI' };
/** People's names and the meeting's title: the same in every run, never English words. */
const TITLE = 'Kiwi 7';
const NAMES = ['Ilze', 'Jurek'];
/**
 * Words that are the same in every language: the product's name, the switch's language names, and
 * the minute's short unit as Intl writes it in all six ("5 min", Lithuanian "5 min.").
 */
const SAME_EVERYWHERE = new Set(['peer', 'circle', 'min', ...TITLE.toLowerCase().split(' '), ...NAMES.map((n) => n.toLowerCase()), ...Object.values(LANGUAGE_NAMES).map((n) => n.toLowerCase())]);

type Screen = 'home' | 'links' | 'join' | 'leader room' | 'participant room' | 'participant end' | 'leader end';

async function newPage(lang: Language): Promise<Page> {
  const ctx = await browser.newContext({ locale: BROWSER_LOCALE[lang], viewport: { width: 360, height: 740 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

/** The words a person sees (letters only, lower case), without the ones every language shares. */
async function visibleWords(page: Page): Promise<Set<string>> {
  // Links are addresses, not words.
  const text = (await page.evaluate(() => document.body.innerText)).replace(/https?:\/\/\S+/g, ' ');
  return new Set((text.toLowerCase().match(/\p{L}[\p{L}'’-]*/gu) ?? []).filter((w) => w.length >= 3 && !SAME_EVERYWHERE.has(w)));
}

/**
 * Text that spills out of its box (or is clipped by it), and sideways scrolling. Each piece of
 * text is measured against the nearest box around it: a button, a label, a table cell... Names
 * cut with an ellipsis on purpose (the full name in `title`) are left alone.
 */
async function overflows(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth + 1) out.push(`the page scrolls sideways: ${doc.scrollWidth}px in ${doc.clientWidth}px`);
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent?.trim() ?? '';
      const parent = node.parentElement;
      if (!text || !parent || parent.closest('.visually-hidden, svg, [hidden], dialog:not([open]), select, script, style')) continue;
      let box: HTMLElement = parent;
      while (getComputedStyle(box).display === 'inline' && box.parentElement) box = box.parentElement;
      const style = getComputedStyle(box);
      if (style.display === 'none' || style.visibility === 'hidden') continue;
      if (style.textOverflow === 'ellipsis' && box.title) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const outer = box.getBoundingClientRect();
      if (outer.width < 2) continue;
      for (const r of range.getClientRects()) {
        if (r.width === 0) continue;
        const where = `${box.tagName.toLowerCase()}${box.dataset['testid'] ? `[data-testid=${box.dataset['testid']}]` : ''} "${text.slice(0, 40)}"`;
        if (r.right > outer.right + 1 || r.left < outer.left - 1) {
          out.push(`${where}: text ${Math.round(r.left)}-${Math.round(r.right)}px out of its box ${Math.round(outer.left)}-${Math.round(outer.right)}px`);
          break;
        }
        if (r.right > doc.clientWidth + 1) {
          out.push(`${where}: reaches ${Math.round(r.right)}px of ${doc.clientWidth}px`);
          break;
        }
      }
    }
    return out;
  });
}

/** Words that are the same as the English ones, and rightly so: names of formats, and loanwords. */
const SAME_WORD: Partial<Record<Language, string[]>> = {
  lt: ['csv'],
  lv: ['csv'],
  // "link" is the Polish word for a link; "minute" is a Slovenian plural of "minuta".
  pl: ['csv', 'link'],
  sl: ['csv', 'minute'],
  fi: ['csv'],
};

/** English words of each screen, from the English run, to compare the other languages with. */
const englishWords = new Map<Screen, Set<string>>();

async function checkScreen(page: Page, lang: Language, screen: Screen): Promise<void> {
  // Judge the screen at rest: fades and the chart's bars settle first.
  await page.evaluate(() => Promise.all(document.getAnimations().filter((a) => a.effect?.getComputedTiming().iterations !== Infinity).map((a) => a.finished.catch(() => undefined))));
  expect(await page.evaluate(() => document.documentElement.lang), `${lang} ${screen}: <html lang>`).toBe(lang);
  const words = await visibleWords(page);
  if (lang === 'en') englishWords.set(screen, words);
  else {
    const english = englishWords.get(screen);
    expect(english, `the English ${screen} was seen first`).toBeDefined();
    const leftovers = [...words].filter((w) => english!.has(w) && !SAME_WORD[lang]?.includes(w));
    expect.soft(leftovers, `${lang} ${screen}: English words left`).toEqual([]);
  }
  await mkdir(SHOTS, { recursive: true });
  const file = `${lang}-${screen.replace(/\s+/g, '-')}`;
  await page.screenshot({ path: joinPath(SHOTS, `${file}-360.png`), fullPage: true });
  // For a person's look at the details: the page in screen-sized parts, and at a desktop's width.
  if (process.env.I18N_SCREENSHOT_PARTS) {
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    for (let y = 0, i = 1; y < height; y += 740, i++) {
      await page.screenshot({ path: joinPath(SHOTS, `${file}-360-part${i}.png`), fullPage: true, clip: { x: 0, y, width: 360, height: Math.min(740, height - y) } });
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: joinPath(SHOTS, `${file}-1280.png`) });
    await page.setViewportSize({ width: 360, height: 740 });
  }
  expect.soft(await overflows(page), `${lang} ${screen} at 360px: overflowing`).toEqual([]);
  await page.setViewportSize({ width: 320, height: 740 });
  expect.soft(await overflows(page), `${lang} ${screen} at 320px: overflowing`).toEqual([]);
  await page.setViewportSize({ width: 360, height: 740 });
  if (lang === 'fi') await axeAudit(page, `fi ${screen}`);
}

describe('each language, on every page, in a real browser', () => {
  it.each(['en', 'lt', 'sl', 'lv', 'pl', 'fi'] as const)('%s: home, join, room (leader and participant) and end', { timeout: 120_000 }, async (lang) => {
    // Home: the browser's language is the default; the meeting's language follows the page's.
    const lea = await newPage(lang);
    await lea.goto(srv.url);
    await lea.getByTestId('title').waitFor();
    await checkScreen(lea, lang, 'home');
    expect(await lea.getByTestId('meeting-language').inputValue()).toBe(lang);
    // The rules are offered in the meeting's language.
    await expect.poll(() => lea.getByTestId('rule-input').first().inputValue()).toBe(LOCALE_DATA[lang].defaultRules[0]);
    await lea.getByTestId('title').fill(TITLE);
    await lea.getByTestId('create-submit').click();
    await lea.getByTestId('link-leader').waitFor();
    await checkScreen(lea, lang, 'links');
    const leaderLink = await linkOf(lea, 'link-leader');
    const participantLink = await linkOf(lea, 'link-participant');

    // Join, then the room as leader.
    await lea.goto(leaderLink);
    await lea.getByTestId('join-name').waitFor();
    await checkScreen(lea, lang, 'join');
    await lea.getByTestId('join-name').fill(NAMES[0]!);
    await lea.getByTestId('join-accept').check();
    await lea.getByTestId('join-submit').click();
    await inRoom(lea);
    await lea.getByTestId('start-meeting').click();
    await lea.locator('[data-testid="phase"][data-phase="open"]').waitFor();

    // A participant: second in the queue, so the ordinal shows.
    const jurek = await newPage(lang);
    await jurek.goto(participantLink);
    await jurek.getByTestId('join-name').fill(NAMES[1]!);
    await jurek.getByTestId('join-accept').check();
    await jurek.getByTestId('join-submit').click();
    await inRoom(jurek);
    await lea.getByTestId('raise-hand').click();
    await lea.getByTestId('my-position').waitFor();
    await jurek.getByTestId('raise-hand').click();
    await jurek.locator('[data-testid="my-position"][data-position="2"]').waitFor();
    await checkScreen(jurek, lang, 'participant room');
    await lea.getByTestId('queue-item').nth(1).waitFor();
    await checkScreen(lea, lang, 'leader room');

    // The end.
    await lea.getByTestId('close-meeting').click();
    await lea.getByTestId('close-meeting-confirm').click();
    for (const p of [lea, jurek]) await p.getByTestId('end-view').waitFor();
    await jurek.getByTestId('feedback-form').waitFor();
    await checkScreen(jurek, lang, 'participant end');
    await checkScreen(lea, lang, 'leader end');
    await lea.context().close();
    await jurek.context().close();
  });
});

describe('the layout check itself', () => {
  it('finds a word that spills out of its button, and sideways scrolling', async () => {
    const page = await newPage('fi');
    await page.setContent(
      '<body style="margin:0"><button style="width:80px;white-space:nowrap">Puheenvuorokeppi</button><p style="width:500px">Tapaamisen</p></body>',
    );
    const found = await overflows(page);
    expect(found.some((f) => f.startsWith('the page scrolls sideways'))).toBe(true);
    expect(found.some((f) => f.includes('Puheenvuorokeppi') && f.includes('out of its box'))).toBe(true);
    await page.context().close();
  });
});

describe('the language switch', () => {
  it('a choice beats the browser’s and the meeting’s language, is remembered, and sets <html lang>', { timeout: 60_000 }, async () => {
    const page = await newPage('lt');
    await page.goto(srv.url);
    await page.getByTestId('title').waitFor();
    const lang = () => page.evaluate(() => document.documentElement.lang);
    expect(await lang()).toBe('lt');
    // Each choice is named in its own language.
    expect(await page.getByTestId('language-switch').locator('option').allTextContents()).toEqual(Object.values(LANGUAGE_NAMES));
    await page.getByTestId('language-switch').selectOption('pl');
    expect(await lang()).toBe('pl');
    await expect.poll(() => page.locator('h1').textContent()).not.toBe('');
    await page.reload();
    await page.getByTestId('title').waitFor();
    expect(await lang()).toBe('pl');
    expect(await page.title()).toContain('Peer Circle');

    // A Finnish meeting: its invitation opens in Finnish for someone who did not choose...
    const res = await fetch(`${srv.url}/api/meetings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: TITLE, language: 'fi' }) });
    const { links } = (await res.json()) as { links: Record<string, string> };
    const other = await newPage('lt');
    await other.goto(links['participant']!);
    await other.getByTestId('join-name').waitFor();
    expect(await other.evaluate(() => document.documentElement.lang)).toBe('fi');
    expect(await other.getByTestId('language-switch').inputValue()).toBe('fi');
    // ...and in the chosen language for someone who chose one.
    await page.goto(links['participant']!);
    await page.getByTestId('join-name').waitFor();
    expect(await lang()).toBe('pl');
    // Leaving the meeting's pages, the start page speaks the browser's language again.
    await other.goto(srv.url);
    await other.getByTestId('title').waitFor();
    expect(await other.evaluate(() => document.documentElement.lang)).toBe('lt');
    await page.context().close();
    await other.context().close();
  });

  it('the create form re-offers the usual rules in a newly chosen meeting language, unless they were edited', { timeout: 60_000 }, async () => {
    const page = await newPage('en');
    await page.goto(srv.url);
    const firstRule = () => page.getByTestId('rule-input').first().inputValue();
    await expect.poll(firstRule).toBe(LOCALE_DATA.en.defaultRules[0]);
    await page.getByTestId('meeting-language').selectOption('sl');
    await expect.poll(firstRule).toBe(LOCALE_DATA.sl.defaultRules[0]);
    // The page itself stays in English: only the meeting's language changed.
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await page.getByTestId('rule-input').first().fill('Our own first rule');
    await page.getByTestId('meeting-language').selectOption('lv');
    expect(await firstRule()).toBe('Our own first rule');
    expect(await page.getByTestId('rule-input').nth(1).inputValue()).toBe(LOCALE_DATA.sl.defaultRules[1]);
    await page.context().close();
  });
});
