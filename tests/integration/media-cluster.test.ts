/**
 * One meeting's audio across three server processes on one Redis (docs/media.md, "Several server
 * processes"): the meeting's media home forwards, the other processes carry requests to it, the
 * stick rule holds wherever people are connected, and losing the home costs a few seconds.
 *
 * Processes 1 and 2 run in this test process (startServer, each with its own mediasoup worker);
 * process 3 is a real child process (`tsx server/src/main.ts`), so that it can be killed with
 * kill -9. Audio is Opus RTP crafted in Node into PlainTransports on the home (asked for through
 * the processes' media RPC, as a browser's WebRTC transport would be), listened to by UDP sinks
 * that count bytes per SSRC, i.e. per voice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import type { NewConsumerInfo } from '@peer-circle/shared';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { startRedis, freePort, type TestRedis } from '../helpers/redis.ts';
import { createMeeting, Member } from '../helpers/client.ts';
import { RtpSender, RtpSink, opusRtpParameters, sleep, until } from '../helpers/media.ts';
import { scaled } from '../helpers/time.ts';
import { serverProcess as startProcess } from '../helpers/process.ts';

const PREFIX = 'mc:';

let redis: TestRedis;
let p1: RunningServer;
let p2: RunningServer;
let p3: { url: string; nodeId: string; child: ChildProcess };
const open: { senders: RtpSender[]; sinks: RtpSink[]; members: Member[] } = { senders: [], sinks: [], members: [] };

async function childServer(): Promise<{ url: string; nodeId: string; child: ChildProcess }> {
  const port = await freePort();
  const { url, child } = await startProcess(port, {
    REDIS_URL: redis.url,
    REDIS_PREFIX: PREFIX,
    MEDIA: 'true',
    MEDIA_PLAIN_RTP: '1',
    MEDIASOUP_WORKERS: '1',
    MEDIASOUP_LISTEN_IP: '127.0.0.1',
    MEDIASOUP_MIN_PORT: '46000',
    MEDIASOUP_MAX_PORT: '46999',
    HEARTBEAT_MS: '1000',
  });
  const health = (await (await fetch(`${url}/api/health`)).json()) as { nodeId: string };
  return { url, nodeId: health.nodeId, child };
}

beforeAll(async () => {
  redis = await startRedis();
  // The in-process servers read their media settings from the environment, as main.ts does.
  Object.assign(process.env, { MEDIASOUP_WORKERS: '1', MEDIASOUP_LISTEN_IP: '127.0.0.1', MEDIASOUP_MIN_PORT: '44000', MEDIASOUP_MAX_PORT: '45999' });
  const common = { redisUrl: redis.url, redisPrefix: PREFIX, media: true, mediaPlainRtp: true, turn: null } as const;
  [p1, p2, p3] = await Promise.all([testServer(common), testServer(common), childServer()]);
}, scaled(90_000));

afterAll(async () => {
  cleanup();
  p3?.child.kill('SIGKILL');
  await p1?.close();
  await p2?.close();
  await redis?.stop();
});

function cleanup(): void {
  for (const s of open.senders.splice(0)) s.close();
  for (const s of open.sinks.splice(0)) s.close();
  for (const m of open.members.splice(0)) m.close();
}

/** Whose media process each member's socket is on: the connection id names it. */
class Person {
  /** Consumer SSRC -> whose voice (from the server's `newConsumer` offers). */
  readonly voices = new Map<number, string>();
  resets = 0;
  sink: RtpSink | null = null;

  constructor(
    readonly member: Member,
    readonly nodeId: string,
  ) {
    const on = member.socket.on.bind(member.socket) as unknown as (e: string, fn: (...a: unknown[]) => void) => void;
    on('newConsumer', (info, ack) => {
      const i = info as NewConsumerInfo;
      const ssrc = (i.rtpParameters as { encodings?: { ssrc?: number }[] }).encodings?.[0]?.ssrc;
      if (ssrc) this.voices.set(ssrc, i.participantId);
      (ack as (r: unknown) => void)({ ok: true });
    });
    on('mediaReset', () => (this.resets += 1));
  }

  get session() {
    return { meetingId: '', participantId: this.member.me.id, role: this.member.me.role, connId: `${this.nodeId}:${this.member.socket.id}` };
  }

  async ask(name: string, payload: unknown): Promise<Record<string, unknown>> {
    const r = await this.member.call(name, payload);
    if (!r.ok) throw new Error(`${name}: ${r.error?.code} ${r.error?.message}`);
    return r;
  }

  /** Loads the router's capabilities and joins (the home is chosen now if the meeting has none). */
  async capabilities(): Promise<unknown> {
    return (await this.ask('mediaCapabilities', {})).routerRtpCapabilities;
  }

  async listen(meetingId: string): Promise<void> {
    this.sink ??= await RtpSink.open();
    if (!open.sinks.includes(this.sink)) open.sinks.push(this.sink);
    const caps = await this.capabilities();
    await this.ask('mediaJoin', { rtpCapabilities: caps });
    await p1.mediaCluster!.plainTransport({ ...this.session, meetingId }, 'recv', { ip: '127.0.0.1', port: this.sink.port });
  }

  async speak(meetingId: string, ssrc: number): Promise<RtpSender> {
    await this.capabilities();
    const t = await p1.mediaCluster!.plainTransport({ ...this.session, meetingId }, 'send');
    await this.ask('produce', { transportId: t.transportId, kind: 'audio', rtpParameters: opusRtpParameters(ssrc) });
    const sender = new RtpSender(t.port, ssrc).start();
    open.senders.push(sender);
    return sender;
  }

  /** What this person's sink received of `participantId`'s voice (every consumer of it so far). */
  heard(participantId: string): { bytes: number; lastAt: number; firstAt: number } {
    let bytes = 0;
    let lastAt = 0;
    let firstAt = Infinity;
    for (const [ssrc, c] of this.sink?.bySsrc ?? []) {
      if (this.voices.get(ssrc) !== participantId) continue;
      bytes += c.bytes;
      lastAt = Math.max(lastAt, c.lastAt);
      firstAt = Math.min(firstAt, c.firstAt);
    }
    return { bytes, lastAt, firstAt };
  }

  /** Every SSRC that reached this sink without a known voice, or from someone in `never`. */
  heardFromAny(never: string[]): number {
    let bytes = 0;
    for (const [ssrc, c] of this.sink?.bySsrc ?? []) {
      const who = this.voices.get(ssrc);
      if (who === undefined || never.includes(who)) bytes += c.bytes;
    }
    return bytes;
  }
}

async function join(url: string, nodeId: string, token: string, name: string): Promise<Person> {
  const m = await Member.join(url, token, name);
  open.members.push(m);
  return new Person(m, nodeId);
}

/** The leader and Ann on process 1, Bob on 2, Cat on 3; Cat asks for audio first (so the home is 3). */
async function circle() {
  const m = await createMeeting(p1.url);
  const lea = await join(p1.url, p1.nodeId, m.tokens.leader, 'Lea');
  const ann = await join(p1.url, p1.nodeId, m.tokens.participant, 'Ann');
  const bob = await join(p2.url, p2.nodeId, m.tokens.participant, 'Bob');
  const cat = await join(p3.url, p3.nodeId, m.tokens.participant, 'Cat');
  expect(await lea.member.call('startMeeting', {})).toEqual({ ok: true });
  // The first to ask chooses the home by load; with every process idle, its own process.
  await cat.capabilities();
  return { meetingId: m.meetingId, lea, ann, bob, cat };
}

/** Waits for every process's media to be idle (the last test's routers closed), so the home choice is by load alone. */
async function idle(): Promise<void> {
  let seen = '';
  try {
    await until(async () => {
      const h3 = (await (await fetch(`${p3.url}/api/health`)).json()) as { mediaLoad: { meetings: number } };
      seen = JSON.stringify([p1.media!.stats(), p2.media!.stats(), h3.mediaLoad]);
      return p1.media!.stats().routers === 0 && p2.media!.stats().routers === 0 && h3.mediaLoad.meetings === 0;
    }, 10_000, 'idle media');
  } catch (err) {
    throw new Error(`${(err as Error).message}: ${seen}`);
  }
}

describe('one meeting across three processes', () => {
  it('[A8] a bad media request is refused where it arrives, and no media home is chosen for it', async () => {
    const m = await createMeeting(p2.url);
    const bob = await join(p2.url, p2.nodeId, m.tokens.participant, 'Bob');
    const bad = await bob.member.call('createTransport', { direction: 'sideways' });
    expect(bad.ok).toBe(false);
    expect(bad.error?.code).toBe('invalid_payload');
    expect(await bob.member.call('mediaLeave', {})).toEqual({ ok: true });
    expect(await p2.mediaCluster!.homeOf(m.meetingId)).toBeNull();
    cleanup();
  });

  it('[A15] audio from the holder on process 1 reaches process 2 and 3 only while they hold the stick, and stops within 200 ms of it moving on', { timeout: scaled(60_000) }, async () => {
    const { meetingId, lea, ann, bob, cat } = await circle();
    expect(await p1.mediaCluster!.homeOf(meetingId)).toBe(p3.nodeId);
    expect(p1.media!.stats().routers).toBe(0);
    expect(p2.media!.stats().routers).toBe(0);
    await bob.listen(meetingId);
    await cat.listen(meetingId);
    await lea.listen(meetingId);
    const annSender = await ann.speak(meetingId, 1111);
    // Bob's microphone is on the whole time, and he never holds the stick.
    await bob.speak(meetingId, 2222);
    await until(() => bob.voices.size >= 1 && cat.voices.size >= 2 && lea.voices.size >= 2, 5000, 'offers across processes');

    // [A1] Nobody holds the stick: nothing reaches anyone while both send.
    await sleep(300);
    expect(annSender.packets).toBeGreaterThan(5);
    expect(bob.heard(ann.member.me.id).bytes + cat.heard(ann.member.me.id).bytes).toBe(0);

    await lea.member.call('passStick', { to: ann.member.me.id });
    await until(() => bob.heard(ann.member.me.id).bytes > 500 && cat.heard(ann.member.me.id).bytes > 500 && lea.heard(ann.member.me.id).bytes > 500, 5000, "Ann's voice at Bob, Cat and Lea");

    const t0 = performance.now();
    expect(await lea.member.call('passStick', { to: cat.member.me.id })).toEqual({ ok: true });
    await cat.member.waitFor((s) => s.stick.holderId === cat.member.me.id);
    // The home applies the change a moment after the snapshot reaches people: judge a later window.
    await sleep(250);
    const stopped = { bob: bob.heard(ann.member.me.id).bytes, cat: cat.heard(ann.member.me.id).bytes };
    await sleep(300);
    // Ann keeps sending; the last packet reached them within 200 ms of the stick moving on.
    expect(bob.heard(ann.member.me.id).bytes).toBe(stopped.bob);
    expect(cat.heard(ann.member.me.id).bytes).toBe(stopped.cat);
    for (const p of [bob, cat, lea]) expect(p.heard(ann.member.me.id).lastAt - t0).toBeLessThan(200);
    console.log(`[media-cluster] holder on process 1: last packet at ${Math.max(...[bob, cat, lea].map((p) => p.heard(ann.member.me.id).lastAt - t0)).toFixed(1)} ms relative to sending the pass (negative: none after it)`);
    // Bob was never heard by anyone.
    for (const p of [cat, lea]) expect(p.heardFromAny([bob.member.me.id])).toBe(0);
    cleanup();
  });

  it('[A15] the same with the holder on process 3 (the home), heard on processes 1 and 2', { timeout: scaled(60_000) }, async () => {
    await idle();
    const { meetingId, lea, ann, bob, cat } = await circle();
    await ann.listen(meetingId);
    await bob.listen(meetingId);
    await cat.speak(meetingId, 3333);
    await until(() => ann.voices.size >= 1 && bob.voices.size >= 1, 5000, 'offers');
    await sleep(300);
    expect(ann.heard(cat.member.me.id).bytes + bob.heard(cat.member.me.id).bytes).toBe(0);
    await lea.member.call('passStick', { to: cat.member.me.id });
    await until(() => ann.heard(cat.member.me.id).bytes > 500 && bob.heard(cat.member.me.id).bytes > 500, 5000, "Cat's voice at Ann and Bob");
    const t0 = performance.now();
    expect(await cat.member.call('releaseStick', {})).toEqual({ ok: true });
    await ann.member.waitFor((s) => s.stick.holderId === null);
    await sleep(250);
    const stopped = ann.heard(cat.member.me.id).bytes + bob.heard(cat.member.me.id).bytes;
    await sleep(300);
    expect(ann.heard(cat.member.me.id).bytes + bob.heard(cat.member.me.id).bytes).toBe(stopped);
    for (const p of [ann, bob]) expect(p.heard(cat.member.me.id).lastAt - t0).toBeLessThan(200);
    console.log(`[media-cluster] holder on process 3: last packet at ${Math.max(...[ann, bob].map((p) => p.heard(cat.member.me.id).lastAt - t0)).toFixed(1)} ms relative to sending the release (negative: none after it)`);
    cleanup();
  });

  it('[A15] a new meeting\'s audio goes to the least-loaded process, not to the busy one its first person reached', { timeout: scaled(60_000) }, async () => {
    await idle();
    // A first meeting, all of it on process 1 (its people there and its home there).
    const busy = await createMeeting(p1.url);
    const lea = await join(p1.url, p1.nodeId, busy.tokens.leader, 'Lea');
    const ann = await join(p1.url, p1.nodeId, busy.tokens.participant, 'Ann');
    await lea.member.call('startMeeting', {});
    await ann.listen(busy.meetingId);
    await lea.speak(busy.meetingId, 4444);
    expect(await p1.mediaCluster!.homeOf(busy.meetingId)).toBe(p1.nodeId);
    await until(() => p1.media!.stats().consumers >= 1, 5000, 'load on process 1');
    // Its load reaches Redis with the next heartbeat.
    await until(async () => JSON.parse((await redis.client().get(`${PREFIX}media:node:${p1.nodeId}`)) ?? '{}').consumers >= 1, 5000, 'heartbeat with load');

    const next = await createMeeting(p1.url);
    const dan = await join(p1.url, p1.nodeId, next.tokens.participant, 'Dan');
    await dan.capabilities();
    const home = await p1.mediaCluster!.homeOf(next.meetingId);
    expect([p2.nodeId, p3.nodeId]).toContain(home);
    expect(p1.media!.meeting(next.meetingId)).toBeUndefined();
    cleanup();
  });

  it('[A16] kill -9 of the media home mid-share: audio flows again within 10 s, holder and queue unchanged, nobody without the stick ever heard', { timeout: scaled(90_000) }, async () => {
    await idle();
    const { meetingId, lea, ann, bob, cat } = await circle();
    expect(await p1.mediaCluster!.homeOf(meetingId)).toBe(p3.nodeId);
    // Everyone who stays rebuilds their audio by themselves on `mediaReset`, as the page does.
    const roles: { p: Person; speak?: number }[] = [{ p: lea }, { p: ann, speak: 1111 }, { p: bob, speak: 2222 }];
    const senders = new Map<Person, RtpSender>();
    const start = async ({ p, speak }: { p: Person; speak?: number }) => {
      await p.listen(meetingId);
      if (speak) {
        const old = senders.get(p);
        if (old) {
          old.close();
          open.senders.splice(open.senders.indexOf(old), 1);
        }
        senders.set(p, await p.speak(meetingId, speak));
      }
    };
    for (const r of roles) await start(r);
    await cat.listen(meetingId);
    for (const r of roles) {
      const on = r.p.member.socket.on.bind(r.p.member.socket) as unknown as (e: string, fn: () => void) => void;
      on('mediaReset', () => void start(r).catch(() => undefined));
    }
    await bob.member.call('raiseHand', {});
    await lea.member.call('passStick', { to: ann.member.me.id });
    await until(() => bob.heard(ann.member.me.id).bytes > 500 && lea.heard(ann.member.me.id).bytes > 500, 5000, "Ann's voice");
    const before = await lea.member.waitFor((s) => s.stick.holderId === ann.member.me.id && s.queue.length === 1);

    const killedAt = performance.now();
    const heardBefore = bob.heard(ann.member.me.id).lastAt;
    p3.child.kill('SIGKILL');
    await until(() => bob.heard(ann.member.me.id).lastAt > heardBefore + 1000 && lea.heard(ann.member.me.id).lastAt > killedAt + 1000, 15_000, "Ann's voice again");
    const backAfter = Math.max(bob.heard(ann.member.me.id).lastAt, lea.heard(ann.member.me.id).lastAt);
    // First packet of the new consumers, wherever they are.
    const firstAgain = Math.max(
      ...[bob, lea].map((p) => Math.min(...[...p.sink!.bySsrc].filter(([ssrc, c]) => p.voices.get(ssrc) === ann.member.me.id && c.firstAt > killedAt).map(([, c]) => c.firstAt))),
    );
    console.log(`[media-cluster] audio back ${((firstAgain - killedAt) / 1000).toFixed(2)} s after kill -9 of the media home`);
    expect(firstAgain - killedAt).toBeLessThan(10_000);
    expect(backAfter).toBeGreaterThan(killedAt);
    expect(bob.resets).toBeGreaterThanOrEqual(1);
    const home = await p1.mediaCluster!.homeOf(meetingId);
    expect([p1.nodeId, p2.nodeId]).toContain(home);

    const after = lea.member.latest;
    expect(after.stick.holderId).toBe(ann.member.me.id);
    expect(after.queue).toEqual(before.queue);
    // Bob's microphone sent all along: nobody ever received it.
    for (const p of [lea, ann]) expect(p.heardFromAny([bob.member.me.id])).toBe(0);
    cleanup();
  });
});
