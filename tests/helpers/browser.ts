/** Debian's Chromium driven by playwright-core: never a downloaded browser. */
import { chromium, type Browser, type Page } from 'playwright-core';
import { scaled } from './time.ts';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function launchChromium(opts: { fakeMedia?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, ...(opts.fakeMedia ? ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'] : [])],
  });
}

/** What a person may choose on the join page besides their name (all optional). */
export interface JoinChoices {
  profile?: string;
  namedToObservers?: boolean;
  inAttendance?: boolean;
}

/** A meeting link as the created-links page shows it (text, or the link's href). */
export async function linkOf(page: Page, testId: string): Promise<string> {
  const el = page.getByTestId(testId);
  return (await el.textContent())?.trim() || (await el.getAttribute('href')) || '';
}

/** Waits until the page's connection is up and it is in the room (not the lobby). */
export const inRoom = (page: Page): Promise<void> => page.getByTestId('connection-status').and(page.locator('[data-status="connected"]')).waitFor();

/** Who holds the stick in this page's circle. */
export const holderOf = (page: Page) => page.locator('[data-testid="participant"][data-holder="true"]');

/** Page helpers bound to a browser that is launched later (in beforeAll). */
export function pages(getBrowser: () => Browser) {
  async function newPage(): Promise<Page> {
    const ctx = await getBrowser().newContext({ viewport: { width: 1000, height: 900 } });
    const page = await ctx.newPage();
    page.setDefaultTimeout(scaled(10_000));
    return page;
  }
  /**
   * Opens a meeting link, chooses a name (and any join choices), accepts the rules and asks to
   * join; does not wait for the room, since the lobby may come first.
   */
  async function arrive(link: string, name: string, choices: JoinChoices = {}): Promise<Page> {
    const page = await newPage();
    await page.goto(link);
    await page.getByTestId('join-name').fill(name);
    if (choices.profile) await page.getByTestId('join-profile').selectOption(choices.profile);
    if (choices.namedToObservers) await page.getByTestId('join-named-to-observers').check();
    if (choices.inAttendance) await page.getByTestId('join-in-attendance').check();
    await page.getByTestId('join-accept').check();
    await page.getByTestId('join-submit').click();
    return page;
  }
  /** Like arrive, then waits until connected in the room. */
  async function joinAs(link: string, name: string, choices: JoinChoices = {}): Promise<Page> {
    const page = await arrive(link, name, choices);
    await inRoom(page);
    return page;
  }
  return { newPage, arrive, joinAs };
}
