/** Debian's Chromium driven by playwright-core: never a downloaded browser. */
import { chromium, type Browser, type Page } from 'playwright-core';

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

/** Page helpers bound to a browser that is launched later (in beforeAll). */
export function pages(getBrowser: () => Browser) {
  async function newPage(): Promise<Page> {
    const ctx = await getBrowser().newContext({ viewport: { width: 1000, height: 900 } });
    const page = await ctx.newPage();
    page.setDefaultTimeout(10_000);
    return page;
  }
  /** Opens a meeting link, chooses a name, accepts the rules and waits until connected. */
  async function joinAs(link: string, name: string): Promise<Page> {
    const page = await newPage();
    await page.goto(link);
    await page.getByTestId('join-name').fill(name);
    await page.getByTestId('join-accept').check();
    await page.getByTestId('join-submit').click();
    await page.getByTestId('connection-status').and(page.locator('[data-status="connected"]')).waitFor();
    return page;
  }
  return { newPage, joinAs };
}
