/**
 * TURN credentials against a real coturn (`turnserver --use-auth-secret`) on loopback: what the
 * server hands out with each transport is accepted, and the same scheme with an expiry in the
 * past, or a wrong secret, is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { turnCredential } from '../../server/src/media/turn.ts';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { createMeeting, Member } from '../helpers/client.ts';
import { startTurn, turnAllocate, type TestTurn } from '../helpers/turn.ts';

let turn: TestTurn;
let srv: RunningServer;
beforeAll(async () => {
  turn = await startTurn();
  process.env.MEDIASOUP_WORKERS ??= '1';
  process.env.MEDIASOUP_LISTEN_IP ??= '127.0.0.1';
  srv = await testServer({ media: true, turn: { urls: [turn.url], secret: turn.secret, ttlSeconds: 120 } });
});
afterAll(async () => {
  await srv?.close();
  await turn?.stop();
});

describe('TURN (coturn use-auth-secret)', () => {
  it('each transport comes with iceServers whose time-limited credential the TURN server accepts', async () => {
    const m = await createMeeting(srv.url);
    const ann = await Member.join(srv.url, m.tokens.participant, 'Ann');
    expect((await ann.call('mediaCapabilities', {})).ok).toBe(true);
    const t = await ann.call('createTransport', { direction: 'recv' });
    expect(t.ok).toBe(true);
    const [server] = t.iceServers as { urls: string[]; username: string; credential: string }[];
    expect(server!.urls).toEqual([turn.url]);
    const expiry = Number(server!.username.split(':')[0]);
    expect(expiry - Date.now() / 1000).toBeGreaterThan(110);
    expect(expiry - Date.now() / 1000).toBeLessThanOrEqual(120);
    expect(await turnAllocate(turn.port, server!.username, server!.credential)).toEqual({ ok: true });
    // The page never sees the shared secret.
    expect(JSON.stringify(t)).not.toContain(turn.secret);
    ann.close();
  });

  it('a credential whose expiry has passed is refused (401), and so is one signed with another secret', async () => {
    const expired = turnCredential(turn.secret, 60, Date.now() - 120_000);
    expect(await turnAllocate(turn.port, expired.username, expired.credential)).toEqual({ ok: false, code: 401 });
    const forged = turnCredential('not-the-shared-secret-at-all', 600);
    expect(await turnAllocate(turn.port, forged.username, forged.credential)).toEqual({ ok: false, code: 401 });
    const fresh = turnCredential(turn.secret, 60);
    expect(await turnAllocate(turn.port, fresh.username, fresh.credential)).toEqual({ ok: true });
  });
});
