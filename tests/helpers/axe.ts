/**
 * axe-core in a real page (WCAG 2.2 AA): used by the accessibility check of every screen
 * (tests/e2e/a11y.test.ts) and by the language check, which runs it in Finnish (tests/e2e/i18n.test.ts).
 */
import { mkdir } from 'node:fs/promises';
import { join as joinPath } from 'node:path';
import axe from 'axe-core';
import type { AxeResults, Result as AxeResult } from 'axe-core';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const BLOCKING = new Set(['serious', 'critical']);

function describeViolations(violations: AxeResult[]): string {
  return violations
    .map((v) => {
      const targets = v.nodes.map((n) => `      ${n.target.join(' ')}${n.failureSummary ? `\n        ${n.failureSummary.replace(/\n/g, '\n        ')}` : ''}`);
      return `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${targets.join('\n')}`;
    })
    .join('\n');
}

/**
 * Runs axe on the page as it is now; fails on serious or critical violations, and lists the
 * moderate and minor ones in the log so they are seen too.
 */
export async function axeAudit(page: Page, screen: string, shots?: string): Promise<void> {
  // Judge the screen at rest: a fade-in caught half-way would read as low contrast. (Capped:
  // a silent sign fades out over seconds on purpose.)
  await page.evaluate(() =>
    Promise.race([
      Promise.all(
        document
          .getAnimations()
          .filter((a) => a.effect?.getComputedTiming().iterations !== Infinity)
          .map((a) => a.finished.catch(() => undefined)),
      ),
      new Promise((resolve) => setTimeout(resolve, 1_500)),
    ]),
  );
  if (shots) {
    await mkdir(shots, { recursive: true });
    await page.screenshot({ path: joinPath(shots, `${screen.replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true });
  }
  const injected = await page.evaluate(() => 'axe' in window);
  // The app's Content-Security-Policy (script-src 'self') rightly refuses an inline <script>
  // (page.addScriptTag), so axe is evaluated through the DevTools protocol, which CSP does not
  // govern; the page keeps its real policy while it is checked.
  if (!injected) await page.evaluate(axe.source);
  const results = await page.evaluate(
    (tags) =>
      (window as unknown as { axe: { run(ctx: Document, o: object): Promise<AxeResults> } }).axe.run(document, {
        runOnly: { type: 'tag', values: tags },
        resultTypes: ['violations'],
      }),
    WCAG_TAGS,
  );
  const blocking = results.violations.filter((v) => BLOCKING.has(v.impact ?? ''));
  const other = results.violations.filter((v) => !BLOCKING.has(v.impact ?? ''));
  if (other.length > 0) console.warn(`axe, ${screen}: moderate or minor\n${describeViolations(other)}`);
  // Soft: every screen is checked in one run, and each one's list is reported.
  expect.soft(blocking.map((v) => `${v.impact} ${v.id}`), `axe, ${screen}: serious or critical violations\n${describeViolations(blocking)}`).toEqual([]);
}
