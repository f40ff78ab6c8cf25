/**
 * One meeting's media on this node: a router on one worker, an audio level observer for the
 * speaking indicators, and the peers. It reacts to room snapshots (who is heard, who is still
 * here) and never changes the room: the domain drives media, never the reverse.
 */
import { EventEmitter } from 'node:events';
import type {
  AudioLevelObserver,
  PlainTransport,
  Router,
  RtpCapabilities,
  RtpParameters,
  DtlsParameters,
  Transport,
  WebRtcTransport,
  WebRtcTransportOptions,
} from 'mediasoup/types';
import type { Logger } from 'pino';
import {
  heardParticipantIds,
  SPEAKING_INTERVAL_MS,
  type ParticipantId,
  type RoomSnapshot,
  type TransportDirection,
  type TransportInfo,
  type WireDtlsParameters,
  type IceParametersInfo,
} from '@peer-circle/shared';
import { MEDIA_CODECS, type MediaConfig } from './config.ts';
import { MediaError, MediaPeer, type MediaAppData, type PeerIdentity, type PeerSignal, type ProducerRecord, type PushEvent, type PushPayload } from './peer.ts';
import type { PoolWorker, WorkerPool } from './worker-pool.ts';

/** Live mediasoup objects, counted from their own `observer` events (so nothing is missed). */
export class Census {
  routers = 0;
  transports = 0;
  producers = 0;
  consumers = 0;

  watch(router: Router): void {
    this.routers += 1;
    router.observer.once('close', () => (this.routers -= 1));
    router.observer.on('newtransport', (t) => {
      this.transports += 1;
      t.observer.once('close', () => (this.transports -= 1));
      t.observer.on('newproducer', (p) => {
        this.producers += 1;
        p.observer.once('close', () => (this.producers -= 1));
      });
      t.observer.on('newconsumer', (c) => {
        this.consumers += 1;
        c.observer.once('close', () => (this.consumers -= 1));
      });
    });
  }
}

export interface MeetingMediaOptions {
  meetingId: string;
  pool: WorkerPool;
  config: MediaConfig;
  logger: Logger;
  census: Census;
}

type MeetingEvents = { closed: [] };

/**
 * Quieter than this (dBov) counts as silence (A14). Low on purpose: a quiet speaker on a far
 * phone microphone arrives around -65..-72 dBov; whether that is speech is the page's call
 * (client/src/lib/media/speaking.ts, with hysteresis). Only forwarded voices are reported (A13).
 */
const LEVEL_THRESHOLD_DBOV = -80;

const isBadInput = (err: unknown) =>
  err instanceof TypeError || (err instanceof Error && err.name === 'UnsupportedError');

export class MeetingMedia extends EventEmitter<MeetingEvents> {
  readonly meetingId: string;
  readonly #pool: WorkerPool;
  readonly #config: MediaConfig;
  readonly #logger: Logger;
  readonly #census: Census;
  #slot!: PoolWorker;
  #router!: Router;
  #levels!: AudioLevelObserver;
  /** Resolves when the router is usable (it is being rebuilt after a worker died otherwise). */
  #ready: Promise<void> = Promise.resolve();
  /** Bumped on every rebuild: work started on an older router is dropped. */
  #epoch = 0;
  readonly #peers = new Map<ParticipantId, MediaPeer>();
  #snapshot: RoomSnapshot | null = null;
  #heard = new Set<ParticipantId>();
  #closed = false;

  static async create(opts: MeetingMediaOptions): Promise<MeetingMedia> {
    const m = new MeetingMedia(opts);
    await m.#open();
    return m;
  }

  private constructor(opts: MeetingMediaOptions) {
    super();
    this.meetingId = opts.meetingId;
    this.#pool = opts.pool;
    this.#config = opts.config;
    this.#logger = opts.logger.child({ component: 'media.meeting', meetingId: opts.meetingId });
    this.#census = opts.census;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get router(): Router {
    return this.#router;
  }

  get worker(): PoolWorker {
    return this.#slot;
  }

  get peerCount(): number {
    return this.#peers.size;
  }

  get snapshot(): RoomSnapshot | null {
    return this.#snapshot;
  }

  /** Waits for a rebuild in progress. */
  ready(): Promise<void> {
    return this.#ready;
  }

  peer(participantId: ParticipantId): MediaPeer | undefined {
    return this.#peers.get(participantId);
  }

  peers(): IterableIterator<MediaPeer> {
    return this.#peers.values();
  }

  async #open(): Promise<void> {
    const slot = this.#pool.acquire();
    let router: Router | undefined;
    try {
      router = await slot.worker.createRouter({
        mediaCodecs: MEDIA_CODECS.map((c) => ({ ...c })),
        appData: { meetingId: this.meetingId },
      });
      this.#census.watch(router);
      const levels = await router.createAudioLevelObserver({
        maxEntries: 20,
        threshold: LEVEL_THRESHOLD_DBOV,
        interval: SPEAKING_INTERVAL_MS,
      });
      levels.on('volumes', (volumes) => {
        const levelsOut = volumes
          .filter((v) => this.#isResumed(v.producer.id))
          .map((v) => ({ participantId: (v.producer.appData as MediaAppData).participantId, volume: v.volume }));
        this.#broadcast('speaking', { levels: levelsOut });
      });
      levels.on('silence', () => this.#broadcast('speaking', { levels: [] }));
      if (this.#closed) {
        // Closed while the router was being made (a rebuild racing the last person leaving).
        router.close();
        this.#pool.release(slot);
        return;
      }
      this.#slot = slot;
      this.#router = router;
      this.#levels = levels;
      this.#logger.debug({ routerId: router.id, pid: slot.worker.pid }, 'router opened');
    } catch (err) {
      router?.close();
      this.#pool.release(slot);
      throw err;
    }
  }

  /**
   * The worker under this meeting died: its router and every transport are gone. Open a new
   * router (on the replacement or another worker) and tell every client to start media again.
   */
  rebuild(): Promise<void> {
    this.#epoch += 1;
    // The dead worker's slot has left the pool already: nothing to release.
    for (const peer of this.#peers.values()) peer.resetMedia();
    this.#ready = this.#open().then(
      () => {
        if (this.#closed) return;
        this.#logger.info({ routerId: this.#router.id, peers: this.#peers.size }, 'router rebuilt after worker death');
        this.#broadcast('mediaReset', { reason: 'workerDied' });
        this.reconcileAgain();
      },
      (err: Error) => {
        this.#logger.error({ err: err.message }, 'router rebuild failed');
        this.#broadcast('mediaReset', { reason: 'workerDied' });
        this.close();
      },
    );
    return this.#ready;
  }

  /** Applies a (newer) room snapshot: closes the media of people no longer here, pauses or resumes voices. */
  reconcile(snapshot: RoomSnapshot): void {
    if (this.#closed) return;
    this.#snapshot = snapshot;
    this.#heard = heardParticipantIds(snapshot);
    const present = new Map(snapshot.participants.map((p) => [p.id, p.present]));
    for (const peer of [...this.#peers.values()]) {
      const isPresent = present.get(peer.participantId);
      if (isPresent === true) peer.listed = true;
      // Not listed yet: the snapshot of their joining may still be on its way.
      else if (isPresent === false || peer.listed) this.detach(peer.participantId);
    }
    for (const peer of this.#peers.values()) for (const rec of peer.producers()) this.#applyStickRule(rec);
  }

  reconcileAgain(): void {
    if (this.#snapshot) this.reconcile(this.#snapshot);
  }

  /** Adds a person's media peer; a newer connection of the same person replaces the older one. */
  attach(identity: PeerIdentity, signal: PeerSignal): MediaPeer {
    if (this.#closed) throw new MediaError('conflict', 'media.closed');
    const existing = this.#peers.get(identity.participantId);
    if (existing && existing.connId === identity.connId) return existing;
    if (existing) {
      this.detach(identity.participantId);
      existing.signal.notify('mediaReset', { reason: 'superseded' });
    }
    const p = this.#snapshot?.participants.find((x) => x.id === identity.participantId);
    if (p && !p.present) throw new MediaError('forbidden', 'join.first');
    const peer = MediaPeer.create(identity, signal);
    peer.listed = p?.present === true;
    this.#peers.set(identity.participantId, peer);
    return peer;
  }

  /** Closes one person's media (optionally only if it belongs to connection `connId`). */
  detach(participantId: ParticipantId, connId?: string): boolean {
    const peer = this.#peers.get(participantId);
    if (!peer || (connId !== undefined && peer.connId !== connId)) return false;
    this.#peers.delete(participantId);
    peer.close();
    this.#logger.debug({ participantId }, 'peer media closed');
    return true;
  }

  async createWebRtcTransport(peer: MediaPeer, direction: TransportDirection): Promise<TransportInfo> {
    const { router, epoch } = await this.#current(peer);
    const c = this.#config;
    const listen: Pick<WebRtcTransportOptions, 'webRtcServer' | 'listenInfos'> = this.#slot.webRtcServer
      ? { webRtcServer: this.#slot.webRtcServer }
      : {
          listenInfos: [
            { protocol: 'udp', ip: c.listenIp, announcedAddress: c.announcedAddress, portRange: { min: c.minPort, max: c.maxPort } },
            ...(c.enableTcp
              ? [{ protocol: 'tcp' as const, ip: c.listenIp, announcedAddress: c.announcedAddress, portRange: { min: c.minPort, max: c.maxPort } }]
              : []),
          ],
        };
    const transport = (await router.createWebRtcTransport<MediaAppData>({
      ...listen,
      enableUdp: true,
      enableTcp: c.enableTcp,
      preferUdp: true,
      initialAvailableOutgoingBitrate: 300_000,
      appData: { meetingId: this.meetingId, participantId: peer.participantId, direction },
    } as WebRtcTransportOptions<MediaAppData>)) as WebRtcTransport<MediaAppData>;
    this.#keep(peer, transport, epoch);
    if (direction === 'send') await transport.setMaxIncomingBitrate(c.maxIncomingBitrate).catch(() => undefined);
    transport.on('dtlsstatechange', (state) => {
      // The client restarts ICE (or its whole media) by itself; this is for the operator.
      if (state === 'failed') this.#logger.warn({ participantId: peer.participantId, transportId: transport.id }, 'dtls failed');
    });
    transport.on('icestatechange', (state) => {
      if (state === 'disconnected') this.#logger.debug({ participantId: peer.participantId, transportId: transport.id }, 'ice disconnected');
    });
    if (direction === 'recv') this.#offerAllTo(peer);
    return {
      transportId: transport.id,
      direction,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters as WireDtlsParameters,
    };
  }

  /**
   * A PlainTransport (RTP over UDP, no ICE/DTLS) for tests and the benchmark. It is registered
   * exactly like a WebRTC transport, so producing, consuming and the stick rule are the same code.
   */
  async createPlainTransport(
    peer: MediaPeer,
    direction: TransportDirection,
    opts: { comedia?: boolean } = {},
  ): Promise<PlainTransport<MediaAppData>> {
    const { router, epoch } = await this.#current(peer);
    const transport = await router.createPlainTransport<MediaAppData>({
      listenInfo: { protocol: 'udp', ip: '127.0.0.1', portRange: { min: this.#config.minPort, max: this.#config.maxPort } },
      rtcpMux: true,
      comedia: opts.comedia ?? direction === 'send',
      appData: { meetingId: this.meetingId, participantId: peer.participantId, direction },
    });
    this.#keep(peer, transport, epoch);
    if (direction === 'recv') this.#offerAllTo(peer);
    return transport;
  }

  async connectTransport(peer: MediaPeer, transportId: string, dtlsParameters: WireDtlsParameters): Promise<void> {
    const transport = this.#transportOf(peer, transportId);
    if (transport.type !== 'webrtc') throw new MediaError('conflict', 'media.noDtls');
    try {
      await (transport as unknown as WebRtcTransport).connect({ dtlsParameters: dtlsParameters as DtlsParameters });
    } catch (err) {
      if (isBadInput(err)) throw new MediaError('invalid_payload', 'media.badDtls');
      // mediasoup refuses a second connect: the transport is already connected.
      if (err instanceof Error && /connect\(\) already called/i.test(err.message)) {
        throw new MediaError('conflict', 'media.alreadyConnected');
      }
      throw err;
    }
  }

  async restartIce(peer: MediaPeer, transportId: string): Promise<IceParametersInfo> {
    const transport = this.#transportOf(peer, transportId);
    if (transport.type !== 'webrtc') throw new MediaError('conflict', 'media.noIce');
    return (transport as unknown as WebRtcTransport).restartIce();
  }

  /** Records the person's capabilities and offers them every voice already in the meeting. */
  async join(peer: MediaPeer, rtpCapabilities: RtpCapabilities): Promise<void> {
    await this.#current(peer);
    peer.rtpCapabilities = rtpCapabilities;
    this.#offerAllTo(peer);
  }

  /**
   * Starts a person's microphone in the SFU. It starts paused and is resumed only if the stick
   * rule allows it (MeetingMedia#applyStickRule). Observers never produce.
   */
  async produce(peer: MediaPeer, transportId: string, rtpParameters: RtpParameters): Promise<{ producerId: string; paused: boolean }> {
    if (peer.role === 'observer') throw new MediaError('forbidden', 'media.observer');
    const { epoch } = await this.#current(peer);
    const transport = this.#transportOf(peer, transportId);
    if (transport.appData.direction !== 'send') throw new MediaError('conflict', 'media.receiveOnly');
    // One microphone per person: a new one replaces the previous.
    for (const rec of [...peer.producers()]) rec.producer.close();
    let producer;
    try {
      producer = await transport.produce<MediaAppData>({
        kind: 'audio',
        rtpParameters,
        paused: true,
        appData: { meetingId: this.meetingId, participantId: peer.participantId },
      });
    } catch (err) {
      if (isBadInput(err)) throw new MediaError('invalid_payload', 'media.badRtp');
      throw err;
    }
    if (peer.closed || epoch !== this.#epoch || transport.closed) {
      producer.close();
      throw new MediaError('conflict', 'media.reset');
    }
    const rec: ProducerRecord = { producer, owner: peer, resumed: false };
    peer.addProducer(rec);
    this.#levels.addProducer({ producerId: producer.id }).catch((err: Error) => {
      if (!producer.closed) this.#logger.warn({ err: err.message }, 'audio level observer refused a producer');
    });
    this.#applyStickRule(rec);
    for (const other of this.#peers.values()) if (other !== peer) void this.#offer(other, rec);
    this.#logger.debug({ participantId: peer.participantId, producerId: producer.id, heard: rec.resumed }, 'microphone on');
    return { producerId: producer.id, paused: !rec.resumed };
  }

  closeProducer(peer: MediaPeer, producerId: string): void {
    const rec = peer.producer(producerId);
    if (!rec) throw new MediaError('not_found', 'media.noProducer');
    rec.producer.close();
  }

  /** Closes the router and every peer (without telling them). Safe twice; emits `closed` once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const id of [...this.#peers.keys()]) this.detach(id);
    this.#router?.close();
    if (this.#slot) this.#pool.release(this.#slot);
    this.emit('closed');
  }

  // --- the stick rule -------------------------------------------------------------------------

  #isResumed(producerId: string): boolean {
    for (const peer of this.#peers.values()) {
      const rec = peer.producer(producerId);
      if (rec) return rec.resumed;
    }
    return false;
  }

  /**
   * The one place a voice is paused or resumed (WebRTC and plain transports alike): heard only
   * while the snapshot says so. Requests go in order on the worker channel, so the last one wins.
   */
  #applyStickRule(rec: ProducerRecord): void {
    const want = this.#heard.has(rec.owner.participantId);
    if (rec.resumed === want || rec.producer.closed) return;
    rec.resumed = want;
    const { producer } = rec;
    (want ? producer.resume() : producer.pause()).then(
      () => {
        if (!producer.closed && rec.resumed === want) rec.owner.signal.notify('producerState', { producerId: producer.id, paused: !want });
      },
      (err: Error) => {
        if (!producer.closed) this.#logger.error({ producerId: producer.id, err: err.message }, 'pause/resume failed');
      },
    );
  }

  // --- consumers --------------------------------------------------------------------------------

  #offerAllTo(peer: MediaPeer): void {
    for (const other of this.#peers.values()) {
      if (other === peer) continue;
      for (const rec of other.producers()) void this.#offer(peer, rec);
    }
  }

  /** Gives `peer` a consumer for `rec`'s voice (paused until the client says it is ready). */
  async #offer(peer: MediaPeer, rec: ProducerRecord): Promise<void> {
    const transport = peer.transportFor('recv');
    const caps = peer.rtpCapabilities;
    const { producer } = rec;
    if (!transport || !caps || producer.closed || peer.closed) return;
    if (!this.#router.canConsume({ producerId: producer.id, rtpCapabilities: caps })) {
      this.#logger.warn({ participantId: peer.participantId, producerId: producer.id }, 'client cannot receive this voice');
      return;
    }
    if (!peer.claim(producer.id)) return;
    let consumer;
    try {
      consumer = await transport.consume<MediaAppData>({
        producerId: producer.id,
        rtpCapabilities: caps,
        paused: true,
        appData: { meetingId: this.meetingId, participantId: peer.participantId },
      });
    } catch (err) {
      peer.unclaim(producer.id);
      if (!producer.closed && !transport.closed) this.#logger.error({ err: (err as Error).message }, 'consume failed');
      return;
    }
    if (peer.closed || transport.closed) {
      consumer.close();
      return;
    }
    peer.addConsumer(consumer);
    const consumerId = consumer.id;
    consumer.on('producerpause', () => peer.signal.notify('consumerState', { consumerId, producerPaused: true }));
    consumer.on('producerresume', () => peer.signal.notify('consumerState', { consumerId, producerPaused: false }));
    consumer.on('producerclose', () => peer.signal.notify('consumerClosed', { consumerId }));
    let ready = false;
    try {
      ready = await peer.signal.offerConsumer({
        consumerId,
        producerId: producer.id,
        participantId: rec.owner.participantId,
        kind: 'audio',
        rtpParameters: consumer.rtpParameters as never,
        producerPaused: consumer.producerPaused,
      });
    } catch {
      ready = false;
    }
    if (consumer.closed) return;
    if (!ready) {
      // The client did not take it: drop it (a later `mediaJoin` offers it again).
      consumer.close();
      peer.signal.notify('consumerClosed', { consumerId });
      return;
    }
    await consumer.resume().catch(() => undefined);
  }

  // --- helpers ----------------------------------------------------------------------------------

  /** The router to use now, after any rebuild in progress, for a peer still attached. */
  async #current(peer: MediaPeer): Promise<{ router: Router; epoch: number }> {
    await this.#ready;
    if (this.#closed || peer.closed) throw new MediaError('conflict', 'media.peerClosed');
    return { router: this.#router, epoch: this.#epoch };
  }

  /** Registers a new transport unless the peer or router went away while it was being made. */
  #keep(peer: MediaPeer, transport: Transport<MediaAppData>, epoch: number): void {
    if (peer.closed || epoch !== this.#epoch || this.#closed) {
      transport.close();
      throw new MediaError('conflict', 'media.reset');
    }
    peer.addTransport(transport);
  }

  #transportOf(peer: MediaPeer, transportId: string): Transport<MediaAppData> {
    const t = peer.transport(transportId);
    if (!t) throw new MediaError('not_found', 'media.noTransport');
    return t;
  }

  #broadcast<K extends PushEvent>(event: K, payload: PushPayload<K>): void {
    for (const peer of this.#peers.values()) peer.signal.notify(event, payload);
  }
}
