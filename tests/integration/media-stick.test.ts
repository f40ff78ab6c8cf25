/**
 * The stick decides who is heard, in the SFU: a real mediasoup worker, Opus RTP sent from a
 * Node socket every 20 ms into a PlainTransport producer, and two listeners whose
 * PlainTransport consumers send to local UDP sockets. Snapshots are built by hand and fed
 * through `onRoomChanged`, as the room service does.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MediaService } from '../../server/src/media/index.ts';
import { NodePeer, RtpSender, RtpSink, SnapshotBuilder, opusRtpParameters, sleep, testMediaService, until } from '../helpers/media.ts';

let service: MediaService;
beforeAll(async () => {
  service = await testMediaService();
});
afterAll(async () => service?.close());

let n = 0;
interface Circle {
  snap: SnapshotBuilder;
  ann: NodePeer;
  bob: NodePeer;
  cat: NodePeer;
  sinks: { bob: RtpSink; cat: RtpSink };
  sender: RtpSender;
  producerId: string;
}
const open: { sinks: RtpSink[]; senders: RtpSender[] } = { sinks: [], senders: [] };

/** Ann speaks into her microphone the whole time; Bob and Cat listen. The stick starts in the centre. */
async function circle(opts: { leaderAlwaysHeard?: boolean } = {}): Promise<Circle> {
  const meetingId = `stick-${++n}`;
  const snap = new SnapshotBuilder(meetingId).person('lea', 'leader').person('ann').person('bob').person('cat').person('obs', 'observer');
  snap.leaderAlwaysHeard = opts.leaderAlwaysHeard ?? false;
  service.onRoomChanged(snap.next());
  const ann = new NodePeer(service, meetingId, 'ann');
  const bob = new NodePeer(service, meetingId, 'bob');
  const cat = new NodePeer(service, meetingId, 'cat');
  const sinks = { bob: await RtpSink.open(), cat: await RtpSink.open() };
  open.sinks.push(sinks.bob, sinks.cat);
  await bob.listen(sinks.bob);
  await cat.listen(sinks.cat);
  const { producerId, port } = await ann.speak(1111);
  const sender = new RtpSender(port, 1111).start();
  open.senders.push(sender);
  return { snap, ann, bob, cat, sinks, sender, producerId };
}

afterEach(() => {
  for (const s of open.senders.splice(0)) s.close();
  for (const s of open.sinks.splice(0)) s.close();
});

/** Bytes received by both sinks over `ms` while the sender keeps sending. */
async function flowDuring(c: Circle, ms: number): Promise<{ bob: number; cat: number }> {
  const before = { bob: c.sinks.bob.bytes, cat: c.sinks.cat.bytes };
  await sleep(ms);
  return { bob: c.sinks.bob.bytes - before.bob, cat: c.sinks.cat.bytes - before.cat };
}

describe('the stick decides who is heard', () => {
  it('[A1] a microphone is silent in the SFU until its owner holds the stick', async () => {
    const c = await circle();
    await sleep(300);
    expect(c.sender.packets).toBeGreaterThan(5);
    expect(await flowDuring(c, 300)).toEqual({ bob: 0, cat: 0 });
    // Consumers exist already: a handoff needs no renegotiation.
    expect(c.bob.offers.map((o) => o.producerId)).toEqual([c.producerId]);
    expect(c.cat.offers.map((o) => o.producerId)).toEqual([c.producerId]);
    expect(c.bob.offers[0]!.participantId).toBe('ann');
  });

  it('[A2] audio reaches everyone else while the owner holds the stick, and stops within 200 ms when it moves on', async () => {
    const c = await circle();
    service.onRoomChanged(c.snap.stick('ann').next());
    await until(() => c.sinks.bob.packets > 5 && c.sinks.cat.packets > 5, 2000, 'audio at bob and cat');
    const flowing = await flowDuring(c, 300);
    expect(flowing.bob).toBeGreaterThan(0);
    expect(flowing.cat).toBeGreaterThan(0);
    await until(() => c.ann.pushed('producerState').some((p) => (p as { paused: boolean }).paused === false), 1000, 'heard');

    // The stick moves to Cat while Ann's microphone keeps sending.
    const movedAt = performance.now();
    service.onRoomChanged(c.snap.stick('cat').next());
    await sleep(500);
    expect(c.sender.packets).toBeGreaterThan(40);
    expect(c.sinks.bob.lastAt - movedAt).toBeLessThan(200);
    expect(c.sinks.cat.lastAt - movedAt).toBeLessThan(200);
    expect(await flowDuring(c, 300)).toEqual({ bob: 0, cat: 0 });
    await until(() => (c.ann.pushed('producerState').at(-1) as { paused: boolean } | undefined)?.paused === true, 1000, 'not heard');
  });

  it('[A2] the stick coming back makes the same consumers carry audio again (no new offers)', async () => {
    const c = await circle();
    service.onRoomChanged(c.snap.stick('ann').next());
    await until(() => c.sinks.bob.packets > 3, 2000, 'audio');
    service.onRoomChanged(c.snap.stick(null).next());
    await sleep(100);
    expect(await flowDuring(c, 200)).toEqual({ bob: 0, cat: 0 });
    service.onRoomChanged(c.snap.stick('ann').next());
    await until(() => c.sinks.cat.packets > 10, 2000, 'audio again');
    expect(c.bob.offers).toHaveLength(1);
    expect(c.cat.offers).toHaveLength(1);
  });

  it('[A3] an older snapshot arriving late changes nothing', async () => {
    const c = await circle();
    const holding = c.snap.stick('ann').next();
    const moved = c.snap.stick('bob').next();
    service.onRoomChanged(moved);
    service.onRoomChanged(holding); // delivered out of order
    await sleep(300);
    expect(await flowDuring(c, 300)).toEqual({ bob: 0, cat: 0 });
  });

  it('[A4] nobody is heard in a closed meeting, not even the holder', async () => {
    const c = await circle();
    service.onRoomChanged(c.snap.stick('ann').next());
    await until(() => c.sinks.bob.packets > 3, 2000, 'audio');
    c.snap.phase = 'closed';
    service.onRoomChanged(c.snap.next());
    await sleep(150);
    expect(await flowDuring(c, 300)).toEqual({ bob: 0, cat: 0 });
  });

  it('[A5] with leaderAlwaysHeard the leader is heard while someone else holds the stick', async () => {
    const c = await circle({ leaderAlwaysHeard: true });
    const lea = new NodePeer(service, c.snap.meetingId, 'lea', 'leader');
    const { port } = await lea.speak(2222);
    const leaSender = new RtpSender(port, 2222).start();
    open.senders.push(leaSender);
    service.onRoomChanged(c.snap.stick('cat').next());
    await until(() => c.sinks.bob.packets > 10, 2000, "the leader's audio at bob");
    // Only Lea's voice flows: Ann is not holding the stick.
    const annPackets = c.sinks.bob.packets;
    await sleep(200);
    expect(c.sinks.bob.packets - annPackets).toBeLessThan(16); // ~10 from Lea in 200 ms, none from Ann
    c.snap.leaderAlwaysHeard = false;
    service.onRoomChanged(c.snap.next());
    await sleep(150);
    expect(await flowDuring(c, 300)).toEqual({ bob: 0, cat: 0 });
  });

  it('[A5] without leaderAlwaysHeard the leader is heard only with the stick', async () => {
    const c = await circle({ leaderAlwaysHeard: false });
    const lea = new NodePeer(service, c.snap.meetingId, 'lea', 'leader');
    const { port } = await lea.speak(3333);
    open.senders.push(new RtpSender(port, 3333).start());
    service.onRoomChanged(c.snap.stick('cat').next());
    await sleep(300);
    expect(await flowDuring(c, 300)).toEqual({ bob: 0, cat: 0 });
  });

  it('[A6] an observer can never produce, and asking changes nothing', async () => {
    const c = await circle();
    const obs = new NodePeer(service, c.snap.meetingId, 'obs', 'observer');
    await obs.ok('mediaCapabilities', {});
    const before = service.stats();
    const t = await obs.call('createTransport', { direction: 'send' });
    expect(t.ok).toBe(true);
    const r = await obs.call('produce', { transportId: t.transportId, kind: 'audio', rtpParameters: opusRtpParameters(4444) });
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(service.stats().producers).toBe(before.producers);
    // Even holding the stick (which the room never allows) gives an observer no voice.
    service.onRoomChanged(c.snap.stick('obs').next());
    expect(service.stats().producers).toBe(before.producers);
  });

  it('[A7] a person who is no longer present loses their media; the others keep theirs', async () => {
    const c = await circle();
    const before = service.stats();
    service.onRoomChanged(c.snap.leave('ann').next());
    await until(() => service.stats().producers === before.producers - 1, 1000, "ann's producer closed");
    expect(service.meeting(c.snap.meetingId)!.peer('ann')).toBeUndefined();
    expect(service.meeting(c.snap.meetingId)!.peer('bob')).toBeDefined();
    await until(() => c.bob.pushed('consumerClosed').length === 1, 1000, 'consumerClosed at bob');
  });

  it('[A8] bad payloads are refused with invalid_payload and nothing changes', async () => {
    const c = await circle();
    const before = service.stats();
    const bad: [Parameters<NodePeer['call']>[0], unknown][] = [
      ['createTransport', { direction: 'sideways' }],
      ['createTransport', null],
      ['createTransport', { direction: 'send', extra: 1 }],
      ['connectTransport', { transportId: '<script>', dtlsParameters: { fingerprints: [] } }],
      ['produce', { transportId: 'x', kind: 'video', rtpParameters: opusRtpParameters(1) }],
      ['produce', { transportId: 'x', kind: 'audio', rtpParameters: { codecs: [] } }],
      ['mediaJoin', { rtpCapabilities: { codecs: 'opus' } }],
      ['closeProducer', { producerId: 'x'.repeat(1000) }],
      ['restartIce', 'please'],
    ];
    for (const [name, payload] of bad) {
      const r = await c.bob.call(name, payload);
      expect(r, name).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    }
    expect(service.stats()).toEqual(before);
  });

  it('[A8] a request without a session is forbidden', async () => {
    const r = await service.handle(undefined, new NodePeer(service, 'x', 'y'), 'mediaCapabilities', {});
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('[A13] speaking levels are sent for the voice being heard, never for a held-back microphone', async () => {
    const c = await circle();
    c.sender.audioLevel = 20; // -20 dBov: clearly speaking
    await sleep(1000);
    const levelsFor = (p: NodePeer, id: string) =>
      p.pushed('speaking').filter((x) => (x as { levels: { participantId: string }[] }).levels.some((l) => l.participantId === id));
    expect(levelsFor(c.bob, 'ann')).toHaveLength(0);
    service.onRoomChanged(c.snap.stick('ann').next());
    await until(() => levelsFor(c.bob, 'ann').length > 0 && levelsFor(c.cat, 'ann').length > 0, 2000, 'speaking levels');
    const level = (levelsFor(c.bob, 'ann')[0] as { levels: { participantId: string; volume: number }[] }).levels[0]!;
    expect(level).toEqual({ participantId: 'ann', volume: -20 });
    // Ann speaks on without the stick: her level is no longer reported (silence is).
    service.onRoomChanged(c.snap.stick('cat').next());
    await sleep(600);
    const seen = levelsFor(c.bob, 'ann').length;
    await sleep(1000);
    expect(levelsFor(c.bob, 'ann')).toHaveLength(seen);
    expect(c.bob.pushed('speaking').at(-1)).toEqual({ levels: [] });
  });

  it('[A9] a listener who joins after the microphone was opened gets it offered and hears the holder', async () => {
    const c = await circle();
    service.onRoomChanged(c.snap.person('dan').stick('ann').next());
    const dan = new NodePeer(service, c.snap.meetingId, 'dan');
    const sink = await RtpSink.open();
    open.sinks.push(sink);
    await dan.listen(sink);
    await until(() => sink.packets > 5, 2000, 'audio at the late listener');
    expect(dan.offers.map((o) => o.producerId)).toEqual([c.producerId]);
  });
});
