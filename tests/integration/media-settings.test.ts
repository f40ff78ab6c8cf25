/**
 * "Can anyone hear me?" on the SFU side, through the real server: the leader's
 * `updateSettings {leaderAlwaysHeard}` (F10) reaches the media service through the room service's
 * committed changes and pauses or resumes the leader's voice at once (A5); a quiet voice still
 * reaches the speaking indicator (A14). Seats join over Socket.IO; their audio is driven from
 * Node through PlainTransports (the same MediaService code paths as WebRTC).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { createMeeting, Member } from '../helpers/client.ts';
import { NodePeer, RtpSender, RtpSink, sleep, until } from '../helpers/media.ts';

let srv: RunningServer;
beforeAll(async () => {
  process.env.MEDIASOUP_WORKERS ??= '1';
  process.env.MEDIASOUP_LISTEN_IP ??= '127.0.0.1';
  srv = await testServer({ media: true });
});
afterAll(async () => srv?.close());

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

/** Lea (leader) speaks the whole time; Bob listens. */
async function circle(body: Record<string, unknown> = {}) {
  const m = await createMeeting(srv.url, { title: 'Tuesday group', ...body });
  const lea = await Member.join(srv.url, m.tokens.leader, 'Lea');
  const bob = await Member.join(srv.url, m.tokens.participant, 'Bob');
  const ann = await Member.join(srv.url, m.tokens.participant, 'Ann');
  closers.push(() => lea.close(), () => bob.close(), () => ann.close());
  const media = srv.media!;
  const leaMedia = new NodePeer(media, m.meetingId, lea.me.id, 'leader');
  const bobMedia = new NodePeer(media, m.meetingId, bob.me.id);
  const sink = await RtpSink.open();
  closers.push(() => sink.close());
  await bobMedia.listen(sink);
  const { port } = await leaMedia.speak(5151);
  const sender = new RtpSender(port, 5151).start();
  closers.push(() => sender.close());
  return { m, lea, bob, ann, leaMedia, bobMedia, sink, sender };
}

async function flowDuring(sink: RtpSink, ms: number): Promise<number> {
  const before = sink.packets;
  await sleep(ms);
  return sink.packets - before;
}

const lastPaused = (p: NodePeer) => (p.pushed('producerState').at(-1) as { paused: boolean } | undefined)?.paused;

describe('the leader-always-heard setting drives the SFU live', () => {
  it('[F10][A5] switching leaderAlwaysHeard off in the settings stops forwarding the leader within 200 ms; on again resumes it', async () => {
    const c = await circle();
    await c.lea.call('startMeeting', {});
    // Heard by default (to welcome people), without the stick.
    await until(() => c.sink.packets > 10, 3000, "the leader's voice at Bob");
    await until(() => lastPaused(c.leaMedia) === false, 2000, 'the leader told she is heard');

    const changedAt = performance.now();
    expect(await c.lea.call('updateSettings', { leaderAlwaysHeard: false })).toEqual({ ok: true });
    await until(() => lastPaused(c.leaMedia) === true, 2000, 'the leader told she is not heard');
    await sleep(300);
    expect(c.sink.lastAt - changedAt).toBeLessThan(200);
    expect(await flowDuring(c.sink, 300)).toBe(0);
    expect(c.sender.packets).toBeGreaterThan(30); // she kept sending all along

    await c.lea.call('updateSettings', { leaderAlwaysHeard: true });
    await until(() => lastPaused(c.leaMedia) === false, 2000, 'heard again');
    expect(await flowDuring(c.sink, 300)).toBeGreaterThan(5);
  });

  it('[F10] a meeting created with leaderAlwaysHeard false forwards the leader only with the stick', async () => {
    const c = await circle({ leaderAlwaysHeard: false });
    await c.lea.call('startMeeting', {});
    await sleep(400);
    expect(await flowDuring(c.sink, 300)).toBe(0);
    const snap = c.bob.states.at(-1)!;
    expect(snap.settings.leaderAlwaysHeard).toBe(false);
    // Only the holder is heard.
    await c.lea.call('passStick', { to: c.ann.me.id });
    await sleep(300);
    expect(await flowDuring(c.sink, 300)).toBe(0);
    await c.lea.call('updateSettings', { leaderAlwaysHeard: true });
    await until(() => c.sink.packets > 5, 2000, 'the leader heard after the change');
  });

  it('[F10] a bad value is refused and changes nothing: the leader stays heard', async () => {
    const c = await circle();
    await c.lea.call('startMeeting', {});
    await until(() => c.sink.packets > 5, 3000, "the leader's voice");
    const r = await c.lea.call('updateSettings', { leaderAlwaysHeard: 'no' });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect(await c.bob.call('updateSettings', { leaderAlwaysHeard: false })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await flowDuring(c.sink, 300)).toBeGreaterThan(5);
    expect(c.lea.states.at(-1)!.settings.leaderAlwaysHeard).toBe(true);
  });
});

describe('quiet voices reach the speaking indicator', () => {
  it('[A14] a voice at -72 dBov is reported in `speaking`; digital silence is not', async () => {
    const c = await circle();
    await c.lea.call('startMeeting', {});
    c.sender.audioLevel = 72;
    const reported = () =>
      c.bobMedia.pushed('speaking').some((p) => (p as { levels: { participantId: string; volume: number }[] }).levels.some((l) => l.participantId === c.lea.me.id));
    await until(reported, 3000, 'the quiet leader reported as speaking');
    const level = (c.bobMedia.pushed('speaking') as { levels: { participantId: string; volume: number }[] }[])
      .flatMap((p) => p.levels)
      .find((l) => l.participantId === c.lea.me.id)!;
    expect(level.volume).toBeLessThanOrEqual(-70);
    // Digital silence (-127) is never a voice.
    c.sender.audioLevel = 127;
    await until(() => (c.bobMedia.pushed('speaking').at(-1) as { levels: unknown[] }).levels.length === 0, 3000, 'silence');
  });
});
