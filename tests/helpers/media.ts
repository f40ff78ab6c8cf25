/**
 * Media test helpers: room snapshots built by hand, peers driven from Node (PlainTransports
 * through the same MediaService code as WebRTC), an Opus RTP sender and UDP sinks.
 */
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import type { MeetingSettings, NewConsumerInfo, ParticipantView, Role, RoomSnapshot, MediaCommandName, MediaResult } from '@peer-circle/shared';
import { MediaService, mediaConfigFromEnv, type PeerSignal } from '../../server/src/media/index.ts';
import type { PushEvent, PushPayload } from '../../server/src/media/peer.ts';
import type { Session } from '../../server/src/transport/session.ts';
import { scaled } from './time.ts';


export const quiet = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export function testMediaService(env: Record<string, string> = {}): Promise<MediaService> {
  return MediaService.create({
    config: mediaConfigFromEnv({ MEDIASOUP_WORKERS: '1', MEDIASOUP_LISTEN_IP: '127.0.0.1', ...env }),
    logger: quiet,
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it is true (or fails after `timeoutMs` times the time factor). */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + scaled(timeoutMs);
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The part of a snapshot these tests fill in (RoomSnapshot may grow; media ignores the rest). */
type SnapshotCore = Pick<RoomSnapshot, 'version' | 'meetingId' | 'title' | 'phase' | 'participants' | 'stick' | 'queue' | 'round' | 'serverNow'> & {
  settings: Pick<MeetingSettings, 'closingWarningMinutes' | 'autoPass' | 'rules' | 'leaderAlwaysHeard' | 'graceSeconds'>;
};

/** A snapshot as the room core would publish it; only what media reads matters. */
export class SnapshotBuilder {
  version = 1;
  phase: RoomSnapshot['phase'] = 'open';
  holderId: string | null = null;
  leaderAlwaysHeard = false;
  readonly people = new Map<string, ParticipantView>();

  constructor(readonly meetingId: string) {}

  person(id: string, role: Role = 'participant', present = true): this {
    this.people.set(id, { id, name: id, role, present, connected: present, turns: 0, passes: 0, coLeader: false, label: id });
    return this;
  }

  leave(id: string): this {
    const p = this.people.get(id);
    if (p) this.people.set(id, { ...p, present: false, connected: false });
    return this;
  }

  stick(holderId: string | null): this {
    this.holderId = holderId;
    return this;
  }

  /** The next committed snapshot (version + 1). */
  next(): RoomSnapshot {
    this.version += 1;
    return this.build();
  }

  /** Media reads only the fields set here; the cast keeps this builder valid as the snapshot grows. */
  build(): RoomSnapshot {
    const view: SnapshotCore = {
      version: this.version,
      meetingId: this.meetingId,
      title: 't',
      phase: this.phase,
      participants: [...this.people.values()].map((p) => ({ ...p })),
      stick: { holderId: this.holderId, since: this.holderId ? 1 : null },
      queue: [],
      round: null,
      settings: { closingWarningMinutes: 5, autoPass: false, rules: [], leaderAlwaysHeard: this.leaderAlwaysHeard, graceSeconds: 60 },
      serverNow: 1,
    };
    return view as RoomSnapshot;
  }
}

/** A person's media driven from Node: PlainTransports, an auto-acking signal that records pushes. */
export class NodePeer implements PeerSignal {
  readonly session: Session;
  readonly offers: NewConsumerInfo[] = [];
  readonly pushes: { event: PushEvent; payload: unknown }[] = [];
  /** Answer to `newConsumer` (set false to play a client that refuses). */
  accept = true;

  constructor(
    readonly service: MediaService,
    meetingId: string,
    participantId: string,
    role: Role = 'participant',
    connId = `n1:${participantId}`,
  ) {
    this.session = { meetingId, participantId, role, connId };
  }

  async offerConsumer(info: NewConsumerInfo): Promise<boolean> {
    this.offers.push(info);
    return this.accept;
  }

  notify<K extends PushEvent>(event: K, payload: PushPayload<K>): void {
    this.pushes.push({ event, payload });
  }

  pushed(event: PushEvent): unknown[] {
    return this.pushes.filter((p) => p.event === event).map((p) => p.payload);
  }

  call(name: MediaCommandName, payload: unknown): Promise<MediaResult & Record<string, unknown>> {
    return this.service.handle(this.session, this, name, payload) as Promise<MediaResult & Record<string, unknown>>;
  }

  async ok(name: MediaCommandName, payload: unknown): Promise<Record<string, unknown>> {
    const r = await this.call(name, payload);
    if (!r.ok) throw new Error(`${name} failed: ${r.error.code} ${r.error.message}`);
    return r;
  }

  /** Listens: loads capabilities, joins with the router's capabilities, a recv transport to `sink`. */
  async listen(sink: RtpSink): Promise<void> {
    const caps = (await this.ok('mediaCapabilities', {})).routerRtpCapabilities;
    await this.ok('mediaJoin', { rtpCapabilities: caps });
    const t = await this.service.createPlainTransport(this.session, this, 'recv');
    await t.connect({ ip: '127.0.0.1', port: sink.port });
  }

  /** Opens a send transport (comedia) and produces Opus with `ssrc`; returns where to send RTP. */
  async speak(ssrc: number): Promise<{ producerId: string; port: number }> {
    await this.ok('mediaCapabilities', {});
    const t = await this.service.createPlainTransport(this.session, this, 'send');
    const r = await this.ok('produce', { transportId: t.id, kind: 'audio', rtpParameters: opusRtpParameters(ssrc) });
    return { producerId: r.producerId as string, port: t.tuple.localPort };
  }
}

export const OPUS_PT = 100;

/** Header extension id used for RFC 6464 audio levels in our crafted packets. */
export const AUDIO_LEVEL_EXT_ID = 1;

export function opusRtpParameters(ssrc: number) {
  return {
    codecs: [{ mimeType: 'audio/opus', payloadType: OPUS_PT, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 } }],
    headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level', id: AUDIO_LEVEL_EXT_ID }],
    encodings: [{ ssrc }],
    rtcp: { cname: `cname-${ssrc}` },
  };
}

/** Sends one Opus RTP packet every `intervalMs` to 127.0.0.1:`port` (20 ms, like a real encoder). */
export class RtpSender {
  readonly #socket = dgram.createSocket('udp4');
  #timer: NodeJS.Timeout | null = null;
  #seq = Math.floor(Math.random() * 65535);
  #ts = Math.floor(Math.random() * 2 ** 31);
  packets = 0;

  /** -dBov carried in the audio level header extension (0 = loudest, 127 = silence); null: none. */
  audioLevel: number | null = null;

  constructor(
    readonly port: number,
    readonly ssrc: number,
    readonly intervalMs = 20,
  ) {}

  /**
   * One RTP packet (RFC 3550) with an Opus payload of random bytes; with `audioLevel`, a one-byte
   * header extension (RFC 8285) carrying the RFC 6464 level. A fixed `payload` (the bytes after
   * the Opus TOC) spares a load generator the random bytes.
   */
  static packet(seq: number, ts: number, ssrc: number, audioLevel: number | null = null, payloadBytes = 80, payload?: Buffer): Buffer {
    if (payload) payloadBytes = payload.length + 1;
    const ext = audioLevel === null ? 0 : 8;
    const b = Buffer.alloc(12 + ext + payloadBytes);
    b[0] = audioLevel === null ? 0x80 : 0x90; // V=2, no padding, X when extended, CC=0
    b[1] = OPUS_PT & 0x7f;
    b.writeUInt16BE(seq & 0xffff, 2);
    b.writeUInt32BE(ts >>> 0, 4);
    b.writeUInt32BE(ssrc >>> 0, 8);
    if (audioLevel !== null) {
      b.writeUInt16BE(0xbede, 12); // one-byte header profile
      b.writeUInt16BE(1, 14); // one 32-bit word of elements
      b[16] = (AUDIO_LEVEL_EXT_ID << 4) | 0; // id, length - 1
      b[17] = 0x80 | (audioLevel & 0x7f); // voice activity + level
    }
    // Opus TOC: config 31 (CELT FB 20 ms), mono, one frame; then any bytes.
    b[12 + ext] = 0xf8;
    (payload ?? randomBytes(payloadBytes - 1)).copy(b, 13 + ext);
    return b;
  }

  sendOne(): void {
    this.#socket.send(RtpSender.packet(this.#seq++, this.#ts, this.ssrc, this.audioLevel), this.port, '127.0.0.1');
    this.#ts += 960;
    this.packets += 1;
  }

  start(): this {
    this.#timer ??= setInterval(() => this.sendOne(), this.intervalMs);
    return this;
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

/** A UDP socket on loopback that counts the RTP a consumer sends it. */
export class RtpSink {
  readonly #socket = dgram.createSocket('udp4');
  bytes = 0;
  packets = 0;
  /** performance.now() of the last RTP packet (RTCP is not counted). */
  lastAt = 0;
  port = 0;
  /** The same counts per RTP SSRC (each consumer sends with its own SSRC: whose voice it is). */
  readonly bySsrc = new Map<number, { bytes: number; packets: number; firstAt: number; lastAt: number }>();

  static async open(): Promise<RtpSink> {
    const s = new RtpSink();
    await new Promise<void>((r) => s.#socket.bind(0, '127.0.0.1', r));
    s.port = s.#socket.address().port;
    s.#socket.on('message', (msg) => {
      // RTCP packet types 200-204 (second byte) share the port (rtcp-mux): skip them.
      const pt = msg[1] ?? 0;
      if (pt >= 200 && pt <= 204) return;
      s.bytes += msg.length;
      s.packets += 1;
      s.lastAt = performance.now();
      if (msg.length >= 12) {
        const ssrc = msg.readUInt32BE(8);
        const c = s.bySsrc.get(ssrc) ?? { bytes: 0, packets: 0, firstAt: s.lastAt, lastAt: 0 };
        c.bytes += msg.length;
        c.packets += 1;
        c.lastAt = s.lastAt;
        s.bySsrc.set(ssrc, c);
      }
    });
    return s;
  }

  close(): void {
    this.#socket.close();
  }
}
