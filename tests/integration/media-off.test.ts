/**
 * With MEDIA=false (a server without audio) every audio request still gets an answer at once,
 * `unavailable`, so a page never waits for a timeout (issue 11, item 5).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA_COMMAND_NAMES } from '@peer-circle/shared';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { Member } from '../helpers/client.ts';

let srv: RunningServer;
beforeAll(async () => {
  srv = await testServer({ media: false });
});
afterAll(async () => {
  await srv.close();
});

async function createMeeting(): Promise<{ tokens: Record<string, string> }> {
  const res = await fetch(`${srv.url}/api/meetings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'No audio here' }) });
  expect(res.status).toBe(201);
  return (await res.json()) as { tokens: Record<string, string> };
}

describe('audio turned off (MEDIA=false)', () => {
  it('answers every media request with unavailable, joined or not', async () => {
    const m = await createMeeting();
    const lea = await Member.join(srv.url, m.tokens.leader!, 'Lea');
    for (const name of MEDIA_COMMAND_NAMES) {
      const r = await lea.call(name, {});
      expect(r, name).toMatchObject({ ok: false, error: { code: 'unavailable', key: 'media.off' } });
    }
    lea.close();
  });
});
