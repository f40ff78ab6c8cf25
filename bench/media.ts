/**
 * Media benchmark: what one mediasoup worker carries for Peer Circle's audio, driven through
 * the real MediaService (stick rule, offers, plain RTP transports instead of WebRTC) on loopback.
 * Method and figures: docs/media.md ("Benchmarks").
 *
 *   npm run bench:media                     (= tsx bench/media.ts)
 *   STEPS=1008,2016,2520 WINDOW_S=8 JOINS=40 PAUSED_MEETINGS=112 MAX_SECONDS=240 npm run bench:media
 *   DEBUG_CPU=1 also prints the worker's user/system split at each window edge.
 *
 * 1. Active consumers: meetings of 10, the leader (leaderAlwaysHeard) and the stick holder
 *    speaking, everyone listening: 18 active Opus consumers per meeting. Node sends one 20 ms
 *    Opus packet (with an RFC 6464 audio level) per speaker; consumers send to a loopback UDP
 *    socket that is never read (the kernel drops what overflows: no receiver competes for the 2
 *    cores, see Sink). For each
 *    step: worker CPU (getResourceUsage, user+system) over a window / RTP packets the consumers
 *    sent in it (consumer stats), and the share of one core.
 * 2. Join to first audio: at the middle step, guests join meetings one after another and listen;
 *    time from their first media request to the first RTP packet at their UDP socket.
 * 3. Paused consumers: meetings of 10 where everyone's microphone is on and nobody holds the
 *    stick (leaderAlwaysHeard off): 90 paused consumers per meeting, 10,080 in all. Worker CPU
 *    with the microphones silent, then with every microphone sending 50 packets/s (which the
 *    SFU drops at the paused producers).
 *
 * Bounded: fixed steps and windows, everything on 127.0.0.1, about 2 minutes on 2 cores.
 */
import dgram from 'node:dgram';
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import type { NewConsumerInfo, Role, RoomSnapshot, ParticipantView } from '@peer-circle/shared';
import { MediaService, mediaConfigFromEnv, type PeerSignal } from '../server/src/media/index.ts';
import type { Session } from '../server/src/transport/session.ts';
import { RtpSender } from '../tests/helpers/media.ts';
import type { Consumer } from 'mediasoup/types';

const num = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);
const STEPS = (process.env.STEPS ?? '1008,2016,2520').split(',').map(Number);
const WINDOW_S = num('WINDOW_S', 8);
const JOINS = num('JOINS', 40);
const MAX_SECONDS = num('MAX_SECONDS', 240);
const PAUSED_MEETINGS = num('PAUSED_MEETINGS', 112);
const MEETING_SIZE = 10;
const ACTIVE_PER_MEETING = 2 * (MEETING_SIZE - 1);
/** Where consumers send: a socket nobody reads (see Sink); set in main(). */
let SINK_PORT = 0;
const OPUS_PT = 100;
const PACKET_MS = 20;

const logger = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// --- load generation -----------------------------------------------------------------------

/** One socket sending a 20 ms Opus packet per stream, every 20 ms. */
class Blaster {
  readonly #socket = dgram.createSocket('udp4');
  readonly #streams: { port: number; ssrc: number; seq: number; ts: number; level: number | null }[] = [];
  #timer: NodeJS.Timeout | null = null;
  sent = 0;

  add(port: number, ssrc: number, level: number | null = 30): void {
    this.#streams.push({ port, ssrc, seq: ssrc & 0xffff, ts: ssrc * 7, level });
  }

  get streams(): number {
    return this.#streams.length;
  }

  start(): void {
    this.#timer ??= setInterval(() => {
      for (const s of this.#streams) {
        this.#socket.send(RtpSender.packet(s.seq, s.ts, s.ssrc, s.level, 0, PAYLOAD), s.port, '127.0.0.1');
        s.seq = (s.seq + 1) & 0xffff;
        s.ts = (s.ts + 960) >>> 0;
        this.sent += 1;
      }
    }, PACKET_MS);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  close(): void {
    this.stop();
    this.#socket.close();
  }
}

const PAYLOAD = Buffer.alloc(79, 0x5a);
const rtpParameters = (ssrc: number) => ({
  codecs: [{ mimeType: 'audio/opus', payloadType: OPUS_PT, clockRate: 48000, channels: 2 }],
  headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level', id: 1 }],
  encodings: [{ ssrc }],
});

/**
 * A UDP socket that is never read: a child Node process binds it and then blocks its only thread
 * (Atomics.wait, no CPU), so the kernel queues and then drops what consumers send. The full
 * loopback delivery is paid by the worker's send, as to a real listener, without a receiver
 * competing for the cores and without the ICMP "port unreachable" path of a closed port.
 */
class Sink {
  static readonly CODE = `
    const s = require('node:dgram').createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      process.stdout.write(String(s.address().port) + '\\n', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0));
    });`;
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static open(): Promise<Sink> {
    const child = spawn(process.execPath, ['-e', Sink.CODE], { stdio: ['ignore', 'pipe', 'inherit'] });
    return new Promise((resolve, reject) => {
      child.stdout!.once('data', (d: Buffer) => resolve(new Sink(child, Number(String(d).trim()))));
      child.once('exit', (code) => reject(new Error(`sink exited (${code})`)));
    });
  }

  close(): void {
    if (this.child.pid !== undefined && this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

// --- peers driven from Node ----------------------------------------------------------------

/** Accepts every consumer at once (a browser answers in a few ms). */
class BenchSignal implements PeerSignal {
  offered = 0;
  onOffer: ((info: NewConsumerInfo) => void) | null = null;
  async offerConsumer(info: NewConsumerInfo): Promise<boolean> {
    this.offered += 1;
    this.onOffer?.(info);
    return true;
  }
  notify(): void {}
}

class Bench {
  readonly service: MediaService;
  readonly blaster = new Blaster();
  #ssrc = 1000;
  #meetings = 0;

  private constructor(service: MediaService) {
    this.service = service;
  }

  static async create(): Promise<Bench> {
    const config = mediaConfigFromEnv({ MEDIASOUP_WORKERS: '1', MEDIASOUP_LISTEN_IP: '127.0.0.1', MEDIASOUP_LOG_LEVEL: 'error' });
    return new Bench(await MediaService.create({ config, logger }));
  }

  get worker() {
    return this.service.pool.workers[0]!.worker;
  }

  snapshot(meetingId: string, version: number, people: { id: string; role: Role }[], holderId: string | null, leaderAlwaysHeard: boolean): RoomSnapshot {
    const participants: ParticipantView[] = people.map((p) => ({ id: p.id, name: p.id, role: p.role, present: true, connected: true, turns: 0, passes: 0, coLeader: false, label: p.id }));
    return {
      version,
      meetingId,
      title: 'bench',
      phase: 'open',
      participants,
      stick: { holderId, since: holderId ? 1 : null },
      queue: [],
      round: null,
      settings: { closingWarningMinutes: 5, autoPass: false, rules: [], leaderAlwaysHeard, graceSeconds: 60 },
      serverNow: Date.now(),
    } as unknown as RoomSnapshot;
  }

  /** One person listening (recv transport to the blackhole) and, if `speaks`, producing. */
  async person(meetingId: string, id: string, role: Role, speaks: boolean, sendLevel = true): Promise<void> {
    const session: Session = { meetingId, participantId: id, role, connId: `bench:${id}` };
    const signal = new BenchSignal();
    const caps = await this.service.handle(session, signal, 'mediaCapabilities', {});
    if (!caps.ok) throw new Error(`mediaCapabilities: ${caps.error.message}`);
    const joined = await this.service.handle(session, signal, 'mediaJoin', { rtpCapabilities: (caps as unknown as { routerRtpCapabilities: object }).routerRtpCapabilities });
    if (!joined.ok) throw new Error(`mediaJoin: ${joined.error.message}`);
    const recv = await this.service.createPlainTransport(session, signal, 'recv');
    await recv.connect({ ip: '127.0.0.1', port: SINK_PORT });
    if (!speaks) return;
    const send = await this.service.createPlainTransport(session, signal, 'send');
    const ssrc = this.#ssrc++;
    const r = await this.service.handle(session, signal, 'produce', { transportId: send.id, kind: 'audio', rtpParameters: rtpParameters(ssrc) });
    if (!r.ok) throw new Error(`produce: ${r.error.message}`);
    this.blaster.add(send.tuple.localPort, ssrc, sendLevel ? 30 : null);
  }

  /** A meeting of 10: `speakers` of them produce; the stick with the second person. */
  async meeting(opts: { everyoneSpeaks: boolean; holder: boolean; leaderAlwaysHeard: boolean }): Promise<string> {
    const meetingId = `bench-${++this.#meetings}`;
    const people = Array.from({ length: MEETING_SIZE }, (_, i) => ({ id: `${meetingId}-p${i}`, role: (i === 0 ? 'leader' : 'participant') as Role }));
    this.service.onRoomChanged(this.snapshot(meetingId, 2, people, opts.holder ? people[1]!.id : null, opts.leaderAlwaysHeard));
    await Promise.all(people.map((p, i) => this.person(meetingId, p.id, p.role, opts.everyoneSpeaks || i < 2)));
    return meetingId;
  }

  async consumers(): Promise<Consumer[]> {
    const out: Consumer[] = [];
    for (const id of this.#meetingIds()) {
      const m = this.service.meeting(id);
      if (!m) continue;
      for (const peer of m.peers()) out.push(...peer.consumers());
    }
    return out;
  }

  *#meetingIds(): Generator<string> {
    for (let i = 1; i <= this.#meetings; i++) yield `bench-${i}`;
  }

  async waitConsumers(n: number): Promise<void> {
    const end = Date.now() + 30_000;
    while (this.service.stats().consumers < n) {
      if (Date.now() > end) throw new Error(`only ${this.service.stats().consumers} of ${n} consumers`);
      await sleep(20);
    }
  }

  async close(): Promise<void> {
    this.blaster.close();
    await this.service.close();
  }
}

// --- measuring -----------------------------------------------------------------------------

const cpuMs = async (b: Bench) => {
  const u = await b.worker.getResourceUsage();
  if (process.env.DEBUG_CPU) console.log(`utime ${u.ru_utime} stime ${u.ru_stime} nvcsw ${u.ru_nvcsw} nivcsw ${u.ru_nivcsw}`);
  return u.ru_utime + u.ru_stime;
};

async function packetsSent(consumers: Consumer[]): Promise<number> {
  let total = 0;
  for (let i = 0; i < consumers.length; i += 200) {
    const stats = await Promise.all(consumers.slice(i, i + 200).map((c) => c.getStats().catch(() => [])));
    for (const list of stats) for (const s of list) if (s.type === 'outbound-rtp') total += s.packetCount;
  }
  return total;
}

interface Window {
  /** Worker CPU (user + system) over the window. */
  cpuMs: number;
  seconds: number;
  /** RTP packets the consumers sent, per second (from their stats, read around the window). */
  forwardedPerS: number;
  /** RTP packets Node sent to the producers, per second. */
  sentPerS: number;
}

async function measure(b: Bench, consumers: Consumer[], seconds: number): Promise<Window> {
  const s0 = performance.now();
  const p0 = await packetsSent(consumers);
  const sent0 = b.blaster.sent;
  const c0 = await cpuMs(b);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const c1 = await cpuMs(b);
  const t1 = performance.now();
  const sent1 = b.blaster.sent;
  const p1 = await packetsSent(consumers);
  const s1 = performance.now();
  // The stats are read just before and after the CPU window: their own span gives the rate.
  const statsSpan = (s1 - s0) / 1000 - ((s1 - t1) + (t0 - s0)) / 2000;
  return { cpuMs: c1 - c0, seconds: (t1 - t0) / 1000, forwardedPerS: (p1 - p0) / statsSpan, sentPerS: (sent1 - sent0) / ((t1 - t0) / 1000) };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Guests join one at a time and listen; ms from their first request to their first RTP packet. */
async function joinToFirstAudio(b: Bench, count: number): Promise<number[]> {
  const times: number[] = [];
  const meetings = Math.max(1, Math.floor(STEPS[0]! / ACTIVE_PER_MEETING));
  for (let i = 0; i < count; i++) {
    const meetingId = `bench-${(i % meetings) + 1}`;
    const guestId = `${meetingId}-guest${i}`;
    const sink = dgram.createSocket('udp4');
    await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
    const first = new Promise<number>((resolve) => sink.once('message', () => resolve(performance.now())));
    const m = b.service.meeting(meetingId)!;
    const snap = m.snapshot!;
    const session: Session = { meetingId, participantId: guestId, role: 'participant', connId: `bench:${guestId}` };
    const signal = new BenchSignal();
    const t0 = performance.now();
    b.service.onRoomChanged({
      ...snap,
      version: snap.version + 1,
      participants: [...snap.participants, { id: guestId, name: guestId, role: 'participant', present: true, connected: true, turns: 0, passes: 0, coLeader: false, label: guestId }],
    });
    const caps = await b.service.handle(session, signal, 'mediaCapabilities', {});
    await b.service.handle(session, signal, 'mediaJoin', { rtpCapabilities: (caps as unknown as { routerRtpCapabilities: object }).routerRtpCapabilities });
    const recv = await b.service.createPlainTransport(session, signal, 'recv');
    await recv.connect({ ip: '127.0.0.1', port: sink.address().port });
    const at = await Promise.race([first, sleep(5000).then(() => NaN)]);
    times.push(at - t0);
    b.service.onRoomChanged({ ...snap, version: snap.version + 2 });
    sink.close();
    await sleep(50);
  }
  return times;
}

// --- the run -------------------------------------------------------------------------------

const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

async function main(): Promise<void> {
  const started = performance.now();
  const sink = await Sink.open();
  SINK_PORT = sink.port;
  process.on('exit', () => sink.close());
  // Bounded: a run that cannot finish (a saturated worker answers slowly) stops itself.
  setTimeout(() => {
    console.error(`bench: stopped after ${MAX_SECONDS} s`);
    process.exit(2);
  }, MAX_SECONDS * 1000).unref();
  const results = { active: [] as { consumers: number; corePct: number; usPerPacket: number; forwardedPerS: number }[] };
  const rows: string[][] = [];
  let joinTimes: number[] = [];

  // 1 + 2: active consumers, growing.
  {
    const b = await Bench.create();
    let meetings = 0;
    b.blaster.start();
    for (const target of STEPS) {
      const want = Math.ceil(target / ACTIVE_PER_MEETING);
      while (meetings < want) {
        await b.meeting({ everyoneSpeaks: false, holder: true, leaderAlwaysHeard: true });
        meetings += 1;
      }
      const active = meetings * ACTIVE_PER_MEETING;
      await b.waitConsumers(active);
      await sleep(1000); // let every new consumer settle
      const consumers = await b.consumers();
      const w = await measure(b, consumers, WINDOW_S);
      const perPacketUs = (w.cpuMs * 1000) / (w.forwardedPerS * w.seconds);
      const expected = w.sentPerS * (MEETING_SIZE - 1);
      results.active.push({ consumers: active, corePct: (w.cpuMs / (w.seconds * 1000)) * 100, usPerPacket: perPacketUs, forwardedPerS: w.forwardedPerS });
      rows.push([
        `${active} active consumers (${meetings} meetings, ${b.blaster.streams} voices)`,
        `${fmt((w.cpuMs / (w.seconds * 1000)) * 100)} % of a core`,
        `${fmt(perPacketUs, 2)} us/packet`,
        `${Math.round(w.forwardedPerS)} pkt/s out (${fmt((100 * w.forwardedPerS) / Math.max(1, expected))} % of sent x listeners; ${fmt(w.sentPerS / b.blaster.streams)} of 50 pkt/s per voice sent)`,
      ]);
      console.log(rows.at(-1)!.join(' | '));
      if (target === STEPS[Math.floor((STEPS.length - 1) / 2)]) {
        joinTimes = (await joinToFirstAudio(b, JOINS)).sort((x, y) => x - y);
        console.log(`join to first audio over ${joinTimes.length} joins: p50 ${fmt(percentile(joinTimes, 50))} ms, p95 ${fmt(percentile(joinTimes, 95))} ms`);
      }
    }
    await b.close();
  }

  // 3: paused consumers.
  const paused: string[][] = [];
  {
    const b = await Bench.create();
    for (let i = 0; i < PAUSED_MEETINGS; i++) await b.meeting({ everyoneSpeaks: true, holder: false, leaderAlwaysHeard: false });
    const n = PAUSED_MEETINGS * MEETING_SIZE * (MEETING_SIZE - 1);
    await b.waitConsumers(n);
    await sleep(1000);
    const consumers = await b.consumers();
    const idle = await measure(b, consumers, WINDOW_S);
    paused.push([`${n} paused consumers, microphones silent`, `${fmt((idle.cpuMs / (idle.seconds * 1000)) * 100, 2)} % of a core`, `${Math.round(idle.forwardedPerS)} pkt/s out`]);
    console.log(paused.at(-1)!.join(' | '));
    b.blaster.start();
    await sleep(1000);
    const live = await measure(b, consumers, WINDOW_S);
    paused.push([
      `${n} paused consumers, ${b.blaster.streams} microphones sending`,
      `${fmt((live.cpuMs / (live.seconds * 1000)) * 100, 2)} % of a core`,
      `${Math.round(live.forwardedPerS)} pkt/s out, ${Math.round(live.sentPerS)} pkt/s dropped at paused producers`,
    ]);
    console.log(paused.at(-1)!.join(' | '));
    await b.close();
  }

  console.log('\nPeer Circle media benchmark: one mediasoup worker, loopback, Opus 20 ms packets');
  console.log(`node ${process.version}, ${process.platform}/${process.arch}, window ${WINDOW_S} s per figure\n`);
  const table = [['scenario', 'worker CPU', 'per forwarded packet', 'forwarded'], ...rows, ...paused.map((r) => [r[0]!, r[1]!, '', r[2]!])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  for (const [i, r] of table.entries()) {
    console.log(r.map((c, j) => c.padEnd(widths[j]!)).join(' | '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  }
  console.log(
    `\njoin to first audio (${joinTimes.length} joins under load): p50 ${fmt(percentile(joinTimes, 50))} ms, p95 ${fmt(percentile(joinTimes, 95))} ms, max ${fmt(joinTimes.at(-1) ?? NaN)} ms`,
  );
  console.log(`run time ${fmt((performance.now() - started) / 1000, 0)} s`);
  sink.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
