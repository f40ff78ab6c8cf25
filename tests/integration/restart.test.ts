/**
 * One Redis (no Sentinel) that restarts empty: meetings are gone (names never reach disk, by
 * design). People are told plainly; the leader's page opens a new meeting with the same title,
 * rules, agenda and settings in one request, built from the last snapshot it holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type CreateMeetingResponse } from '@peer-circle/shared';
import type { RunningServer } from '../../server/src/server.ts';
import { reopenBody } from '../../client/src/features/join/reopen.ts';
import { testServer } from '../helpers/server.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { createMeeting, Member } from '../helpers/client.ts';

let redis: TestRedis;
let srv: RunningServer;
beforeAll(async () => {
  redis = await startRedis();
  srv = await testServer({ redisUrl: redis.url, redisPrefix: 'restart:', heartbeatMs: 200 });
});
afterAll(async () => {
  await srv?.close();
  await redis?.stop();
});

describe('a single Redis that restarts empty', () => {
  it('re-joining says the meeting is unknown (not a seat problem), and the same meeting opens again in one step', async () => {
    const m = await createMeeting(srv.url, {
      title: 'Thursday relatives',
      rules: ['What is said here stays here', 'Speak from your own experience'],
      agenda: ['Arrival', 'Round of news', 'Closing words'],
      closingWarningMinutes: 10,
      durationMinutes: 90,
      shareTimerMinutes: 4,
      admission: 'leader-admits',
      autoPass: true,
      signsEnabled: false,
    });
    const lea = await Member.join(srv.url, m.tokens.leader, 'Lea');
    expect((await lea.call('startMeeting', {})).ok).toBe(true);
    const last = await lea.waitFor((s) => s.phase === 'open');

    const dropped = new Promise<string>((resolve) => lea.socket.once('disconnect', resolve));
    await redis.kill();
    await redis.start();
    // The process finds itself forgotten at its next heartbeat and drops its sockets so that
    // every client re-joins; the meeting is not there any more.
    expect(await dropped).toBe('io server disconnect');
    await new Promise<void>((resolve) => {
      lea.socket.once('connect', () => resolve());
      lea.socket.connect();
    });
    const again = await lea.call('join', { token: m.tokens.leader, name: 'Lea', protocolVersion: PROTOCOL_VERSION, resume: lea.resume });
    expect(again.ok).toBe(false);
    expect(again.error).toMatchObject({ code: 'not_found', key: 'link.unknown' });
    lea.close();

    const res = await fetch(`${srv.url}/api/meetings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(reopenBody(last)) });
    expect(res.status).toBe(201);
    const fresh = (await res.json()) as CreateMeetingResponse;
    expect(fresh.meetingId).not.toBe(m.meetingId);
    const lea2 = await Member.join(srv.url, fresh.tokens.leader, 'Lea');
    const s = lea2.latest;
    expect(s.title).toBe('Thursday relatives');
    expect(s.settings).toMatchObject({
      rules: ['What is said here stays here', 'Speak from your own experience'],
      closingWarningMinutes: 10,
      durationMinutes: 90,
      shareTimerMinutes: 4,
      admission: 'leader-admits',
      autoPass: true,
      signsEnabled: false,
    });
    expect(s.agenda.items.map((i) => i.text)).toEqual(['Arrival', 'Round of news', 'Closing words']);
    // Nobody and nothing from the lost meeting comes along.
    expect(s.participants.map((p) => p.name)).toEqual(['Lea']);
    expect(s.phase).toBe('waiting');
    lea2.close();
  });
});
