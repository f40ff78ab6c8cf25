/**
 * Media resources come and go with people: nothing leaks after many joins and leaves, the
 * router closes with the last person, and a dead worker is replaced with the meeting rebuilt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaService } from '../../server/src/media/index.ts';
import { NodePeer, RtpSender, RtpSink, SnapshotBuilder, sleep, testMediaService, until } from '../helpers/media.ts';

describe('media lifecycle', () => {
  let service: MediaService;
  beforeAll(async () => {
    service = await testMediaService();
  });
  afterAll(async () => service?.close());

  it('[A10] after 50 joins and leaves the counts are back where they started', async () => {
    const meetingId = 'churn';
    const snap = new SnapshotBuilder(meetingId).person('lea', 'leader').person('ann').stick('ann');
    service.onRoomChanged(snap.next());
    // Someone stays the whole time, speaking, so every newcomer gets a consumer.
    const ann = new NodePeer(service, meetingId, 'ann');
    const annSink = await RtpSink.open();
    await ann.listen(annSink);
    await ann.speak(5000);
    const start = service.stats();
    expect(start).toMatchObject({ routers: 1, transports: 2, producers: 1, consumers: 0 });

    for (let i = 0; i < 50; i++) {
      const id = `p${i}`;
      service.onRoomChanged(snap.person(id).next());
      const p = new NodePeer(service, meetingId, id);
      const sink = await RtpSink.open();
      await p.listen(sink);
      await p.speak(6000 + i);
      await until(() => service.stats().consumers >= 2, 1000, 'consumers both ways');
      // Leaving takes every path in turn: leave, disconnect, a snapshot without them.
      if (i % 3 === 0) expect(await p.call('mediaLeave', {})).toEqual({ ok: true });
      else if (i % 3 === 1) service.onSessionEnded(meetingId, id);
      else service.onRoomChanged(snap.leave(id).next());
      sink.close();
      await until(() => service.stats().consumers === 0, 1000, 'consumers gone');
    }
    expect(service.stats()).toEqual(start);
    const router = service.meeting(meetingId)!.router;
    const dump = await router.dump();
    expect(dump.transportIds).toHaveLength(2);
    expect(dump.mapConsumerIdProducerId).toHaveLength(0);

    service.onSessionEnded(meetingId, 'ann');
    annSink.close();
    expect(service.stats()).toMatchObject({ routers: 0, transports: 0, producers: 0, consumers: 0 });
    expect(service.meeting(meetingId)).toBeUndefined();
    expect(router.closed).toBe(true);
  });

  it('[A10] a session ended by an older connection does not close the newer one', async () => {
    const meetingId = 'supersede';
    const snap = new SnapshotBuilder(meetingId).person('ann');
    service.onRoomChanged(snap.next());
    const old = new NodePeer(service, meetingId, 'ann', 'participant', 'n1:old');
    await old.ok('mediaCapabilities', {});
    const fresh = new NodePeer(service, meetingId, 'ann', 'participant', 'n1:new');
    await fresh.ok('mediaCapabilities', {});
    expect(old.pushed('mediaReset')).toEqual([{ reason: 'superseded' }]);
    service.onSessionEnded(meetingId, 'ann', 'n1:old');
    expect(service.meeting(meetingId)?.peer('ann')?.connId).toBe('n1:new');
    service.onSessionEnded(meetingId, 'ann', 'n1:new');
    expect(service.meeting(meetingId)).toBeUndefined();
  });

  it('[A11] media is refused in a closed meeting and to people who left', async () => {
    const meetingId = 'ended';
    const snap = new SnapshotBuilder(meetingId).person('ann').person('bob');
    service.onRoomChanged(snap.leave('bob').next());
    const bob = new NodePeer(service, meetingId, 'bob');
    expect(await bob.call('mediaCapabilities', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    snap.phase = 'closed';
    service.onRoomChanged(snap.next());
    const ann = new NodePeer(service, meetingId, 'ann');
    expect(await ann.call('mediaCapabilities', {})).toMatchObject({ ok: false, error: { code: 'wrong_phase' } });
    expect(service.meeting(meetingId)).toBeUndefined();
  });
});

describe('worker death', () => {
  let service: MediaService;
  beforeAll(async () => {
    service = await testMediaService();
  });
  afterAll(async () => service?.close());

  it('[A12] a dead worker is replaced, the meeting gets a new router and every client is told to reconnect', async () => {
    const meetingId = 'phoenix';
    const snap = new SnapshotBuilder(meetingId).person('ann').person('bob').stick('ann');
    service.onRoomChanged(snap.next());
    const ann = new NodePeer(service, meetingId, 'ann');
    const bob = new NodePeer(service, meetingId, 'bob');
    const sink = await RtpSink.open();
    await bob.listen(sink);
    const { port } = await ann.speak(7000);
    const sender = new RtpSender(port, 7000).start();
    await until(() => sink.packets > 3, 2000, 'audio before the crash');

    const meeting = service.meeting(meetingId)!;
    const oldRouter = meeting.router;
    const oldPid = service.pool.workers[0]!.worker.pid;
    const died = new Promise((r) => service.pool.once('workerDied', r));
    process.kill(oldPid, 'SIGKILL');
    await died;
    sender.close();

    await until(() => ann.pushed('mediaReset').length === 1 && bob.pushed('mediaReset').length === 1, 5000, 'mediaReset');
    expect(ann.pushed('mediaReset')).toEqual([{ reason: 'workerDied' }]);
    expect(service.pool.size).toBe(1);
    expect(service.pool.workers[0]!.worker.pid).not.toBe(oldPid);
    expect(service.meeting(meetingId)).toBe(meeting);
    expect(meeting.router.id).not.toBe(oldRouter.id);
    expect(meeting.router.closed).toBe(false);
    expect(service.stats()).toMatchObject({ workers: 1, routers: 1, transports: 0, producers: 0, consumers: 0 });

    // The clients start again, as the browser does on `mediaReset`, and audio flows again.
    const sink2 = await RtpSink.open();
    await bob.listen(sink2);
    const again = await ann.speak(7001);
    const sender2 = new RtpSender(again.port, 7001).start();
    await until(() => sink2.packets > 3, 3000, 'audio after the crash');
    sender2.close();
    sink.close();
    sink2.close();
    await sleep(10);
  });
});
