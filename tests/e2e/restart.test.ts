/**
 * One Redis restarting empty, seen in Chromium: people are told plainly that the meeting could
 * not be kept, and the leader opens a new one with the same title, rules and agenda in one click.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { createMeeting, Member } from '../helpers/client.ts';
import { launchChromium, linkOf, pages } from '../helpers/browser.ts';

let redis: TestRedis;
let srv: RunningServer;
let browser: Browser;
beforeAll(async () => {
  redis = await startRedis();
  srv = await testServer({ redisUrl: redis.url, redisPrefix: 'e2e-restart:', heartbeatMs: 200, apiRatePerMinute: 1000 });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await srv?.close();
  await redis?.stop();
});
const { joinAs } = pages(() => browser);

const NOT_KEPT = /could not be kept after a server restart/;

describe('a meeting lost to a Redis restart, in Chromium', () => {
  it('says so plainly to everyone, and the leader opens it again with the same title, rules and agenda', async () => {
    const m = await createMeeting(srv.url, { title: 'Sunday circle', rules: ['One voice at a time'], agenda: ['Arrival', 'Sharing'] });
    const lea = await joinAs(m.links.leader, 'Lea');
    const ann = await joinAs(m.links.participant, 'Ann');

    await redis.kill();
    await redis.start();

    for (const page of [lea, ann]) {
      const notice = page.locator('[data-testid="session-ended"][data-reason="notKept"]');
      await notice.waitFor({ timeout: 15_000 });
      expect(await notice.textContent()).toMatch(NOT_KEPT);
    }
    // Only the leader is offered to open it again; the participant is told to ask for the new link.
    expect(await ann.getByTestId('reopen').count()).toBe(0);
    await lea.getByTestId('reopen').click();
    const leaderLink = await linkOf(lea, 'link-leader');
    const participantLink = await linkOf(lea, 'link-participant');
    expect(leaderLink).toContain('/#/join/');
    expect(leaderLink).not.toBe(m.links.leader);
    expect(participantLink).not.toBe(m.links.participant);

    const token = leaderLink.split('/#/join/')[1]!;
    const again = await Member.join(srv.url, token, 'Lea');
    expect(again.latest.title).toBe('Sunday circle');
    expect(again.latest.settings.rules).toEqual(['One voice at a time']);
    expect(again.latest.agenda.items.map((i) => i.text)).toEqual(['Arrival', 'Sharing']);
    again.close();
    // Two browser joins and a restart: generous on a shared two-core machine.
  }, 90_000);
});
