/**
 * MediaSession: one person's audio in the meeting (mediasoup-client over the room's socket).
 *
 * - Listening starts at once: a receive transport, and an <audio> element per voice the server
 *   offers (`newConsumer`). Whether a voice carries sound is decided by the server (the stick).
 * - The microphone is opt-in: `getUserMedia` is called only from `turnMicOn()`, i.e. when the
 *   person presses "Turn on my microphone". Nothing else here ever asks for it.
 * - `heard` is the server's word (`producerState`): true only while the SFU forwards my voice.
 * - The browser sends my microphone only while I may be heard: from the moment a room snapshot
 *   gives me the stick (the same rule the server applies, `heardParticipantIds`), not only when
 *   the server's `producerState` comes back, so that my first word is not cut (docs/media.md,
 *   "The first word is heard"). The SFU alone decides what is forwarded.
 * - After a reconnect (`start()` again) or a `mediaReset`, everything is rebuilt; a microphone
 *   that was on stays on, with the same track (no second permission prompt).
 *
 * Shape (CONVENTIONS rule 5): `static create()`, private constructor, `#private` state,
 * `close()` safe to call twice.
 */
import { Device } from 'mediasoup-client';
import type { Consumer, Producer, RtpCapabilities, RtpParameters, Transport } from 'mediasoup-client/types';
import { heardParticipantIds, type MediaResetReason, type NewConsumerInfo, type ParticipantId, type RoomSnapshot, type SpeakingLevel, type TransportInfo } from '@peer-circle/shared';
import { call, type AppSocket } from '../net/socket.ts';
import { nextSpeaking } from './speaking.ts';

export const MediaStatus = {
  idle: 'idle',
  connecting: 'connecting',
  ready: 'ready',
  failed: 'failed',
  /** The server runs without audio (MEDIA=false): nothing to connect, nothing to retry. */
  off: 'off',
  closed: 'closed',
} as const;
export type MediaStatus = (typeof MediaStatus)[keyof typeof MediaStatus];

/** Why the microphone could not be turned on. */
export type MicError = 'denied' | 'notFound' | 'failed';

/** One voice I can hear (a consumer), for the volume sliders. */
export interface Voice {
  participantId: ParticipantId;
  consumerId: string;
  /** The server forwards this voice right now (its owner may be heard). */
  audible: boolean;
}

export interface MediaSessionOptions {
  socket: AppSocket;
  /** Injected in tests; defaults to `navigator.mediaDevices.getUserMedia`. */
  getUserMedia?: (constraints: MediaStreamConstraints) => Promise<MediaStream>;
  /** Injected in tests; defaults to mediasoup-client's device detection. */
  createDevice?: () => Promise<Device>;
  /** Expose byte counters on `window.__peerCircleMedia` for end-to-end tests (default true). */
  exposeStats?: boolean;
  /**
   * My participant id in the room (null before joining). With it, the room snapshots tell this
   * session the moment I get the stick, so sending starts without waiting for the server's
   * `producerState`. Without it, sending follows `producerState` only.
   */
  me?: () => ParticipantId | null | undefined;
}

/** A transport that stays failed this long after an ICE restart is rebuilt from scratch. */
const RESTART_GRACE_MS = 8_000;
const RETRY_START_MS = [1_000, 2_000, 5_000, 10_000];

interface Playback {
  consumer: Consumer;
  audio: HTMLAudioElement;
  participantId: ParticipantId;
}

/** What end-to-end tests read from `window.__peerCircleMedia`. Ids and counters only. */
export interface MediaDebug {
  readonly producerId: string | null;
  readonly micOn: boolean;
  readonly heard: boolean;
  readonly consumers: number;
  /** Sum of `inbound-rtp` bytesReceived on the receive transport. */
  inboundBytes(): Promise<number>;
  /** Sum of `outbound-rtp` bytesSent on the send transport (0 without one). */
  outboundBytes(): Promise<number>;
}

export class MediaSession {
  // --- reactive state -------------------------------------------------------------------------
  #status = $state<MediaStatus>('idle');
  #micOn = $state(false);
  #micPending = $state(false);
  #micError = $state<MicError | null>(null);
  /** The server's word on my producer: true while the SFU holds my voice back. */
  #producerPaused = $state(true);
  /** The newest room snapshot says I may be heard (I hold the stick, or I lead with leaderAlwaysHeard). */
  #stickSaysHeard = false;
  #stickVersion = -1;
  /** The microphone track is on the RTP sender right now (null while I may not be heard). */
  #sending = false;
  /** The producer whose replaceTrack is under way: the next state is applied when it is done. */
  #switching: Producer | null = null;
  #hasProducer = $state(false);
  #levels = $state.raw<ReadonlyMap<ParticipantId, number>>(new Map());
  #volumes = $state<Record<ParticipantId, number>>({});
  #soundBlocked = $state(false);
  #voices = $state.raw<Voice[]>([]);
  #speaking = $state.raw<ReadonlySet<ParticipantId>>(new Set());

  // --- plain fields ---------------------------------------------------------------------------
  readonly #socket: AppSocket;
  readonly #getUserMedia: (c: MediaStreamConstraints) => Promise<MediaStream>;
  readonly #createDevice: () => Promise<Device>;
  #device: Device | null = null;
  #recv: Transport | null = null;
  #send: Transport | null = null;
  #producer: Producer | null = null;
  // Reactive so the level meter follows a switched microphone.
  #track = $state.raw<MediaStreamTrack | null>(null);
  readonly #playbacks = new Map<string, Playback>();
  /** producerState that arrived before `produce()` resolved. */
  readonly #earlyProducerStates = new Map<string, boolean>();
  /** consumerState that arrived before its consumer was set up. */
  readonly #earlyStates = new Map<string, boolean>();
  /** Bumped by every (re)start: work from an older generation is dropped. */
  #gen = 0;
  /** The socket id media was last started on. */
  #connectionId: string | undefined;
  #retries = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #restartTimers = new Map<Transport, ReturnType<typeof setTimeout>>();
  #closed = false;
  readonly #exposeStats: boolean;
  readonly #me: () => ParticipantId | null | undefined;

  /** Listens on the socket at once; no network request and no device access until `start()`. */
  static create(opts: MediaSessionOptions): MediaSession {
    return new MediaSession(opts);
  }

  private constructor(opts: MediaSessionOptions) {
    this.#socket = opts.socket;
    this.#getUserMedia =
      opts.getUserMedia ?? ((c) => navigator.mediaDevices.getUserMedia(c));
    this.#createDevice = opts.createDevice ?? (() => Device.factory());
    this.#exposeStats = opts.exposeStats ?? true;
    this.#me = opts.me ?? (() => null);
    this.#socket.on('state', this.#onRoomState);
    this.#socket.on('newConsumer', this.#onNewConsumer);
    this.#socket.on('consumerClosed', this.#onConsumerClosed);
    this.#socket.on('consumerState', this.#onConsumerState);
    this.#socket.on('producerState', this.#onProducerState);
    this.#socket.on('speaking', this.#onSpeaking);
    this.#socket.on('mediaReset', this.#onMediaReset);
    if (this.#exposeStats && typeof window !== 'undefined') {
      (window as unknown as { __peerCircleMedia?: MediaDebug }).__peerCircleMedia = this.#debug();
    }
  }

  // --- public reads ---------------------------------------------------------------------------
  get status(): MediaStatus {
    return this.#status;
  }
  /** The person chose to have the microphone on. */
  get micOn(): boolean {
    return this.#micOn;
  }
  /** The microphone is being turned on (permission prompt, producing). */
  get micPending(): boolean {
    return this.#micPending;
  }
  get micError(): MicError | null {
    return this.#micError;
  }
  /** Others hear me now: my microphone is on and the server forwards it (I hold the stick). */
  readonly heard: boolean = $derived(this.#micOn && this.#hasProducer && !this.#producerPaused);
  /** The browser blocked playback until a user gesture: show "Enable sound". */
  get soundBlocked(): boolean {
    return this.#soundBlocked;
  }
  get voices(): Voice[] {
    return this.#voices;
  }
  /** Audio levels (dBov) of the voices being forwarded now. */
  get levels(): ReadonlyMap<ParticipantId, number> {
    return this.#levels;
  }
  /** Who is speaking now (only people who may be heard are ever reported; speaking.ts decides). */
  get speaking(): ReadonlySet<ParticipantId> {
    return this.#speaking;
  }
  /** The microphone track while the microphone is on (for the level meter); never sent elsewhere. */
  get track(): MediaStreamTrack | null {
    return this.#micOn ? this.#track : null;
  }
  /** Volume for one person, 0-100 (default 100). */
  volumeOf(participantId: ParticipantId): number {
    return this.#volumes[participantId] ?? 100;
  }
  get closed(): boolean {
    return this.#closed;
  }

  // --- commands -------------------------------------------------------------------------------

  /**
   * Call whenever the seat is live (joined on the current connection): starts media unless it
   * already runs on this very connection. A new connection (new socket id) means the server
   * dropped our media with the old one, so everything is set up again.
   */
  sync(): void {
    if (this.#closed || !this.#socket.connected) return;
    const running = this.#status === 'connecting' || this.#status === 'ready';
    if (running && this.#connectionId === this.#socket.id) return;
    void this.start();
  }

  /**
   * (Re)starts listening. Drops any earlier media of this page first. Never asks for the
   * microphone; one that was on is sent again with the same track.
   */
  async start(): Promise<void> {
    if (this.#closed) return;
    const gen = ++this.#gen;
    this.#connectionId = this.#socket.id;
    clearTimeout(this.#retryTimer);
    this.#teardown();
    this.#status = 'connecting';
    try {
      const caps = await call(this.#socket, 'mediaCapabilities', {});
      if (gen !== this.#gen) return;
      if (!caps.ok) throw new Error(caps.error.code);
      const device = await this.#createDevice();
      await device.load({ routerRtpCapabilities: caps.routerRtpCapabilities as RtpCapabilities });
      if (gen !== this.#gen) return;
      this.#device = device;
      const info = await call(this.#socket, 'createTransport', { direction: 'recv' });
      if (gen !== this.#gen) return;
      if (!info.ok) throw new Error(info.error.code);
      this.#recv = this.#makeTransport(device, info, gen);
      const joined = await call(this.#socket, 'mediaJoin', { rtpCapabilities: device.recvRtpCapabilities as never });
      if (gen !== this.#gen) return;
      if (!joined.ok) throw new Error(joined.error.code);
      this.#status = 'ready';
      this.#retries = 0;
      if (this.#micOn && this.#track && this.#track.readyState === 'live') await this.#produce(gen);
    } catch (err) {
      if (gen !== this.#gen || this.#closed) return;
      if ((err as Error).message === 'unavailable') {
        // This server has no audio at all: retrying would never help, and the microphone must
        // not even be asked for.
        this.#teardown();
        this.#status = 'off';
        return;
      }
      if ((err as Error).message === 'wrong_phase') {
        // The meeting has ended: there is nothing to listen to any more.
        this.#teardown();
        this.#status = 'idle';
        return;
      }
      this.#status = 'failed';
      // Try again by ourselves: a short outage should not need the person to do anything.
      const delay = RETRY_START_MS[Math.min(this.#retries, RETRY_START_MS.length - 1)]!;
      this.#retries += 1;
      this.#retryTimer = setTimeout(() => {
        if (this.#socket.connected && gen === this.#gen) void this.start();
      }, delay);
    }
  }

  /** The person pressed "Turn on my microphone": the only place the browser is asked for it. */
  async turnMicOn(deviceId?: string): Promise<void> {
    if (this.#closed || this.#micOn || this.#micPending) return;
    this.#micPending = true;
    this.#micError = null;
    // The press is a user gesture: a good moment to unblock playback too.
    void this.enableSound();
    try {
      const stream = await this.#getUserMedia({
        audio: micConstraints(deviceId),
        video: false,
      });
      const track = stream.getAudioTracks()[0];
      if (!track) throw Object.assign(new Error('no audio track'), { name: 'NotFoundError' });
      if (this.#closed) {
        track.stop();
        return;
      }
      track.addEventListener('ended', () => {
        if (this.#track === track) this.turnMicOff();
      });
      this.#track = track;
      this.#micOn = true;
      if (this.#status === 'ready') await this.#produce(this.#gen);
    } catch (err) {
      const name = (err as { name?: string }).name;
      this.#micError = name === 'NotAllowedError' || name === 'SecurityError' ? 'denied' : name === 'NotFoundError' ? 'notFound' : 'failed';
      this.#releaseMic();
    } finally {
      this.#micPending = false;
    }
  }

  /** Turns the microphone off at once: the track stops and the server drops the producer. */
  turnMicOff(): void {
    const producerId = this.#producer?.id;
    this.#releaseMic();
    if (producerId) void call(this.#socket, 'closeProducer', { producerId });
  }

  /**
   * Another microphone was chosen while mine is on: the same producer carries the new track
   * (`replaceTrack`, no renegotiation), so the stick rule and the listeners' consumers stay.
   */
  async switchMic(deviceId: string): Promise<void> {
    const old = this.#track;
    if (this.#closed || !this.#micOn || !old || old.getSettings().deviceId === deviceId) return;
    try {
      const stream = await this.#getUserMedia({ audio: micConstraints(deviceId), video: false });
      const track = stream.getAudioTracks()[0];
      if (!track) return;
      if (!this.#micOn || this.#closed) {
        track.stop();
        return;
      }
      track.addEventListener('ended', () => {
        if (this.#track === track) this.turnMicOff();
      });
      this.#track = track;
      // Only while sending: otherwise the sender carries no track (#applySending), and puts this
      // one on when the stick allows it; swapping it in now would send without the stick.
      if (this.#sending && this.#producer && !this.#producer.closed) await this.#producer.replaceTrack({ track });
      old.stop();
    } catch {
      this.#micError = 'failed';
    }
  }

  /** Bytes received so far from one person's voice (null: I have no consumer for them). */
  async inboundBytesOf(participantId: ParticipantId): Promise<number | null> {
    const p = [...this.#playbacks.values()].find((x) => x.participantId === participantId);
    if (!p || p.consumer.closed) return null;
    let total = 0;
    (await p.consumer.getStats()).forEach((s: { type?: string; bytesReceived?: number }) => {
      if (s.type === 'inbound-rtp') total += Number(s.bytesReceived ?? 0);
    });
    return total;
  }

  /** The WebRTC statistics of my transports (for the connection-quality signal). */
  async transportStats(): Promise<{ recv: RTCStatsReport | null; send: RTCStatsReport | null }> {
    const of = (t: Transport | null) => (t && !t.closed ? t.getStats().catch(() => null) : Promise.resolve(null));
    const [recv, send] = await Promise.all([of(this.#recv), of(this.#send)]);
    return { recv, send };
  }

  setVolume(participantId: ParticipantId, percent: number): void {
    const v = Math.max(0, Math.min(100, Math.round(percent)));
    this.#volumes[participantId] = v;
    for (const p of this.#playbacks.values()) if (p.participantId === participantId) p.audio.volume = v / 100;
  }

  /** Retries playback after the browser blocked it (call from a click). */
  async enableSound(): Promise<void> {
    const results = await Promise.allSettled([...this.#playbacks.values()].map((p) => p.audio.play()));
    this.#soundBlocked = results.some((r) => r.status === 'rejected');
  }

  /** Stops everything and forgets the socket listeners. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#gen += 1;
    clearTimeout(this.#retryTimer);
    this.#socket.off('state', this.#onRoomState);
    this.#socket.off('newConsumer', this.#onNewConsumer);
    this.#socket.off('consumerClosed', this.#onConsumerClosed);
    this.#socket.off('consumerState', this.#onConsumerState);
    this.#socket.off('producerState', this.#onProducerState);
    this.#socket.off('speaking', this.#onSpeaking);
    this.#socket.off('mediaReset', this.#onMediaReset);
    if (this.#socket.connected) void call(this.#socket, 'mediaLeave', {}, 3_000);
    this.#releaseMic();
    this.#teardown();
    this.#status = 'closed';
    if (this.#exposeStats && typeof window !== 'undefined') {
      delete (window as unknown as { __peerCircleMedia?: MediaDebug }).__peerCircleMedia;
    }
  }

  // --- internals ------------------------------------------------------------------------------

  async #produce(gen: number): Promise<void> {
    const device = this.#device;
    const track = this.#track;
    if (!device || !track || gen !== this.#gen) return;
    if (!this.#send || this.#send.closed) {
      const info = await call(this.#socket, 'createTransport', { direction: 'send' });
      if (gen !== this.#gen) return;
      if (!info.ok) {
        this.#micError = 'failed';
        return;
      }
      this.#send = this.#makeTransport(device, info, gen);
    }
    try {
      const producer = await this.#send.produce({
        track,
        // We own the track: it survives a media restart and is stopped by turnMicOff().
        stopTracks: false,
        // Never paused through mediasoup-client: its zero-RTP pause renegotiates the connection
        // (transceiver inactive <-> sendonly), which delays the first packet after a resume.
        // Sending is switched with replaceTrack instead (#applySending).
        zeroRtpOnPause: false,
        disableTrackOnPause: false,
        codecOptions: { opusStereo: false, opusDtx: true, opusFec: true },
      });
      if (gen !== this.#gen || !this.#micOn) {
        producer.close();
        return;
      }
      this.#producer = producer;
      this.#hasProducer = true;
      this.#sending = true;
      const early = this.#earlyProducerStates.get(producer.id);
      this.#earlyProducerStates.clear();
      this.#followServer(early ?? this.#producerPaused);
    } catch {
      if (gen === this.#gen) this.#micError = 'failed';
    }
  }

  #makeTransport(device: Device, info: TransportInfo, gen: number): Transport {
    const options = {
      id: info.transportId,
      iceParameters: info.iceParameters,
      iceCandidates: info.iceCandidates as never,
      dtlsParameters: info.dtlsParameters as never,
      // TURN with time-limited credentials when the server offers it (strict firewalls).
      ...(info.iceServers?.length ? { iceServers: info.iceServers } : {}),
    };
    const transport = info.direction === 'recv' ? device.createRecvTransport(options) : device.createSendTransport(options);
    transport.on('connect', ({ dtlsParameters }, done, fail) => {
      void call(this.#socket, 'connectTransport', { transportId: transport.id, dtlsParameters: dtlsParameters as never }).then((r) =>
        r.ok ? done() : fail(new Error(r.error.code)),
      );
    });
    if (info.direction === 'send') {
      transport.on('produce', ({ rtpParameters }, done, fail) => {
        void call(this.#socket, 'produce', { transportId: transport.id, kind: 'audio', rtpParameters: rtpParameters as never }).then((r) => {
          if (!r.ok) return fail(new Error(r.error.code));
          this.#producerPaused = r.paused;
          done({ id: r.producerId });
        });
      });
    }
    transport.on('connectionstatechange', (state) => this.#onConnectionState(transport, state, gen));
    return transport;
  }

  /** ICE/DTLS trouble: restart ICE; if the transport is still broken a while later, start over. */
  #onConnectionState(transport: Transport, state: string, gen: number): void {
    if (gen !== this.#gen || transport.closed) return;
    if (state === 'connected') {
      clearTimeout(this.#restartTimers.get(transport));
      this.#restartTimers.delete(transport);
      return;
    }
    if (state !== 'failed' && state !== 'disconnected') return;
    if (this.#restartTimers.has(transport)) return;
    void call(this.#socket, 'restartIce', { transportId: transport.id }).then(async (r) => {
      if (r.ok && !transport.closed && gen === this.#gen) await transport.restartIce({ iceParameters: r.iceParameters }).catch(() => undefined);
    });
    this.#restartTimers.set(
      transport,
      setTimeout(() => {
        this.#restartTimers.delete(transport);
        if (gen === this.#gen && !transport.closed && transport.connectionState !== 'connected') void this.start();
      }, RESTART_GRACE_MS),
    );
  }

  #onNewConsumer = async (info: NewConsumerInfo, ack: (r: { ok: true } | { ok: false; error: { code: 'conflict' | 'internal'; message: string } }) => void): Promise<void> => {
    const recv = this.#recv;
    const gen = this.#gen;
    if (!recv || recv.closed) {
      ack({ ok: false, error: { code: 'conflict', message: 'not listening' } });
      return;
    }
    try {
      const consumer = await recv.consume({
        id: info.consumerId,
        producerId: info.producerId,
        kind: 'audio',
        rtpParameters: info.rtpParameters as RtpParameters,
      });
      if (gen !== this.#gen || consumer.closed) {
        consumer.close();
        ack({ ok: false, error: { code: 'conflict', message: 'restarted' } });
        return;
      }
      const audio = new Audio();
      audio.srcObject = new MediaStream([consumer.track]);
      audio.volume = this.volumeOf(info.participantId) / 100;
      this.#playbacks.set(consumer.id, { consumer, audio, participantId: info.participantId });
      const early = this.#earlyStates.get(consumer.id);
      this.#earlyStates.delete(consumer.id);
      this.#voices = [
        ...this.#voices.filter((v) => v.participantId !== info.participantId),
        { participantId: info.participantId, consumerId: consumer.id, audible: !(early ?? info.producerPaused) },
      ];
      ack({ ok: true });
      audio.play().catch(() => {
        if (!this.#closed) this.#soundBlocked = true;
      });
    } catch (err) {
      ack({ ok: false, error: { code: 'internal', message: String((err as Error).message ?? err) } });
    }
  };

  #onConsumerClosed = ({ consumerId }: { consumerId: string }): void => {
    this.#dropPlayback(consumerId);
  };

  #onConsumerState = ({ consumerId, producerPaused }: { consumerId: string; producerPaused: boolean }): void => {
    if (!this.#playbacks.has(consumerId)) {
      this.#earlyStates.set(consumerId, producerPaused);
      return;
    }
    this.#voices = this.#voices.map((v) => (v.consumerId === consumerId ? { ...v, audible: !producerPaused } : v));
  };

  #onProducerState = ({ producerId, paused }: { producerId: string; paused: boolean }): void => {
    if (this.#producer?.id === producerId) this.#followServer(paused);
    // It may arrive before `produce()` has handed us the producer.
    else this.#earlyProducerStates.set(producerId, paused);
  };

  /**
   * The server decides whether I am heard (and holds my voice back in the SFU whatever I send).
   * Following it here only saves bandwidth and server CPU: a phone on a weak connection sends no
   * audio that nobody would hear.
   */
  #followServer(paused: boolean): void {
    this.#producerPaused = paused;
    this.#applySending();
  }

  /**
   * A room snapshot: does it let me be heard? The server applies the same rule to the same
   * snapshot when it commits it (before this page even gets it), so sending now means my first
   * words reach the circle instead of waiting one more round trip for `producerState`.
   */
  #onRoomState = (snapshot: RoomSnapshot): void => {
    if (snapshot.version <= this.#stickVersion) return;
    this.#stickVersion = snapshot.version;
    const me = this.#me();
    this.#stickSaysHeard = me ? heardParticipantIds(snapshot).has(me) : false;
    this.#applySending();
  };

  /**
   * Puts the microphone track on the RTP sender while either the newest snapshot or the server
   * says I may be heard, and takes it off (no RTP at all) otherwise. replaceTrack needs no
   * renegotiation: the first packet leaves within one audio frame.
   */
  #applySending(): void {
    const producer = this.#producer;
    if (!producer || producer.closed || this.#switching === producer) return;
    const want = !this.#producerPaused || this.#stickSaysHeard;
    if (want === this.#sending) return;
    const track = want ? this.#track : null;
    if (want && (!track || track.readyState !== 'live')) return;
    this.#switching = producer;
    producer.replaceTrack({ track }).then(
      () => {
        if (this.#switching === producer) this.#switching = null;
        if (this.#producer !== producer) return;
        this.#sending = want;
        this.#applySending();
      },
      () => {
        // The producer closed meanwhile (microphone off, restart): nothing left to switch.
        if (this.#switching === producer) this.#switching = null;
      },
    );
  }

  #onSpeaking = ({ levels }: { levels: SpeakingLevel[] }): void => {
    this.#levels = new Map(levels.map((l) => [l.participantId, l.volume]));
    this.#speaking = nextSpeaking(this.#levels, this.#speaking);
  };

  #onMediaReset = (_info: { reason: MediaResetReason }): void => {
    if (this.#closed || _info.reason === 'superseded') return;
    void this.start();
  };

  #dropPlayback(consumerId: string): void {
    const p = this.#playbacks.get(consumerId);
    this.#earlyStates.delete(consumerId);
    if (!p) return;
    this.#playbacks.delete(consumerId);
    p.consumer.close();
    p.audio.pause();
    p.audio.srcObject = null;
    this.#voices = this.#voices.filter((v) => v.consumerId !== consumerId);
  }

  #releaseMic(): void {
    this.#producer?.close();
    this.#producer = null;
    this.#sending = false;
    this.#hasProducer = false;
    this.#producerPaused = true;
    this.#track?.stop();
    this.#track = null;
    this.#micOn = false;
  }

  /** Drops every transport, consumer and playback (the microphone track itself is kept). */
  #teardown(): void {
    for (const id of [...this.#playbacks.keys()]) this.#dropPlayback(id);
    for (const t of this.#restartTimers.values()) clearTimeout(t);
    this.#restartTimers.clear();
    this.#producer?.close();
    this.#producer = null;
    this.#sending = false;
    this.#hasProducer = false;
    this.#producerPaused = true;
    this.#send?.close();
    this.#recv?.close();
    this.#send = null;
    this.#recv = null;
    this.#device = null;
    this.#levels = new Map();
    this.#speaking = new Set();
    this.#voices = [];
    this.#earlyStates.clear();
  }

  #debug(): MediaDebug {
    const sum = async (t: Transport | null, type: 'inbound-rtp' | 'outbound-rtp', field: 'bytesReceived' | 'bytesSent') => {
      if (!t || t.closed) return 0;
      let total = 0;
      (await t.getStats()).forEach((s: { type?: string; kind?: string; [k: string]: unknown }) => {
        if (s.type === type && (s.kind ?? 'audio') === 'audio') total += Number(s[field] ?? 0);
      });
      return total;
    };
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      get producerId() {
        return self.#producer?.id ?? null;
      },
      get micOn() {
        return self.#micOn;
      },
      get heard() {
        return self.heard;
      },
      get consumers() {
        return self.#playbacks.size;
      },
      inboundBytes: () => sum(self.#recv, 'inbound-rtp', 'bytesReceived'),
      outboundBytes: () => sum(self.#send, 'outbound-rtp', 'bytesSent'),
    };
  }
}

/** The microphone's constraints; a chosen device is `ideal` so a missing one falls back to the default. */
function micConstraints(deviceId?: string): MediaTrackConstraints {
  return { echoCancellation: true, noiseSuppression: true, autoGainControl: true, ...(deviceId ? { deviceId: { ideal: deviceId } } : {}) };
}
