/**
 * One person's media on this node: their transports, microphone producer and the consumers
 * through which they hear others. A child of MeetingMedia: it holds and closes its mediasoup
 * objects, the meeting decides what to create and whom to pause.
 */
import { EventEmitter } from 'node:events';
import type { Consumer, Producer, RtpCapabilities, Transport } from 'mediasoup/types';
import {
  ERRORS,
  type ErrorCode,
  type ErrorKey,
  type ParticipantId,
  type PeerSignal,
  type Role,
  type TransportDirection,
} from '@peer-circle/shared';

/** A refusal with a protocol error code and message key, turned into `{ok:false,error}` at the edge. */
export class MediaError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly key: ErrorKey,
  ) {
    super(ERRORS[key]);
    this.name = 'MediaError';
  }
}

export type { PeerSignal, PushEvent, PushPayload } from '@peer-circle/shared';

/** Tags carried by every mediasoup object, so logs and observers know whose it is (ids only). */
export interface MediaAppData {
  [key: string]: unknown;
  meetingId: string;
  participantId: ParticipantId;
  direction?: TransportDirection;
}

export interface ProducerRecord {
  readonly producer: Producer<MediaAppData>;
  readonly owner: MediaPeer;
  /** The state last asked of the SFU (requests are ordered on the worker channel). */
  resumed: boolean;
}

export interface PeerIdentity {
  meetingId: string;
  participantId: ParticipantId;
  role: Role;
  connId: string;
}

type PeerEvents = { closed: [] };

export class MediaPeer extends EventEmitter<PeerEvents> {
  readonly meetingId: string;
  readonly participantId: ParticipantId;
  readonly role: Role;
  readonly connId: string;
  readonly signal: PeerSignal;
  /** Whether a snapshot has listed this person as present (see MeetingMedia.reconcile). */
  listed = false;
  #rtpCapabilities: RtpCapabilities | null = null;
  readonly #transports = new Map<string, Transport<MediaAppData>>();
  readonly #producers = new Map<string, ProducerRecord>();
  readonly #consumers = new Map<string, Consumer<MediaAppData>>();
  /** Producer ids this peer consumes or is being offered: one consumer per voice. */
  readonly #consuming = new Set<string>();
  #closed = false;

  /** Synchronous: a peer owns nothing until the meeting gives it transports. */
  static create(identity: PeerIdentity, signal: PeerSignal): MediaPeer {
    return new MediaPeer(identity, signal);
  }

  private constructor(identity: PeerIdentity, signal: PeerSignal) {
    super();
    this.meetingId = identity.meetingId;
    this.participantId = identity.participantId;
    this.role = identity.role;
    this.connId = identity.connId;
    this.signal = signal;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get rtpCapabilities(): RtpCapabilities | null {
    return this.#rtpCapabilities;
  }

  set rtpCapabilities(caps: RtpCapabilities | null) {
    this.#rtpCapabilities = caps;
  }

  get transportCount(): number {
    return this.#transports.size;
  }

  transport(id: string): Transport<MediaAppData> | undefined {
    return this.#transports.get(id);
  }

  transportFor(direction: TransportDirection): Transport<MediaAppData> | undefined {
    for (const t of this.#transports.values()) if (t.appData.direction === direction) return t;
    return undefined;
  }

  /** Keeps one transport per direction: a new one replaces (and closes) the previous. */
  addTransport(t: Transport<MediaAppData>): void {
    this.transportFor(t.appData.direction!)?.close();
    this.#transports.set(t.id, t);
    t.observer.once('close', () => this.#transports.delete(t.id));
  }

  producers(): IterableIterator<ProducerRecord> {
    return this.#producers.values();
  }

  producer(id: string): ProducerRecord | undefined {
    return this.#producers.get(id);
  }

  addProducer(rec: ProducerRecord): void {
    this.#producers.set(rec.producer.id, rec);
    rec.producer.observer.once('close', () => this.#producers.delete(rec.producer.id));
  }

  isConsuming(producerId: string): boolean {
    return this.#consuming.has(producerId);
  }

  /** Claims the right to consume `producerId`; false if already claimed. */
  claim(producerId: string): boolean {
    if (this.#consuming.has(producerId)) return false;
    this.#consuming.add(producerId);
    return true;
  }

  unclaim(producerId: string): void {
    this.#consuming.delete(producerId);
  }

  addConsumer(c: Consumer<MediaAppData>): void {
    this.#consumers.set(c.id, c);
    c.observer.once('close', () => {
      this.#consumers.delete(c.id);
      this.#consuming.delete(c.producerId);
    });
  }

  consumers(): IterableIterator<Consumer<MediaAppData>> {
    return this.#consumers.values();
  }

  /** Drops every transport (and so every producer and consumer); the peer itself stays. */
  resetMedia(): void {
    for (const t of [...this.#transports.values()]) t.close();
    this.#transports.clear();
    this.#producers.clear();
    this.#consumers.clear();
    this.#consuming.clear();
    this.#rtpCapabilities = null;
  }

  /** Closes everything this person had. Safe to call twice; emits `closed` once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.resetMedia();
    this.emit('closed');
  }
}
