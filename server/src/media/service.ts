/**
 * The media service of one server node: the parent of every MeetingMedia. It validates media
 * requests (the transport hands them over), places each meeting's router on the least-loaded
 * worker, follows the room service's committed changes on every process (the stick decides who
 * is heard) and rebuilds meetings whose worker died. It never decides a room rule and knows
 * nothing of sockets. Documented in docs/media.md.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { PlainTransport, RtpCapabilities, RtpParameters } from 'mediasoup/types';
import {
  payloadDetail,
  mediaSchemas,
  protocolError,
  type ErrorKey,
  type MediaCommandName,
  type MediaPayload,
  type MediaResult,
  type ParticipantId,
  type PeerSignal,
  type RoomSnapshot,
  type TransportDirection,
} from '@peer-circle/shared';
import type { RoomChange } from '../app/service.ts';
import type { MediaConfig } from './config.ts';
import { Census, MeetingMedia } from './meeting.ts';
import { MediaError, type MediaAppData, type MediaPeer, type PeerIdentity } from './peer.ts';

/** Who is asking: a seat's identity, from the transport's session (the role comes from the link). */
type Session = PeerIdentity;
import { WorkerPool } from './worker-pool.ts';

/** Snapshots kept for meetings without media on this node (bounded: they are small but many). */
const MAX_CACHED_SNAPSHOTS = 10_000;

export interface MediaServiceOptions {
  config: MediaConfig;
  logger: Logger;
  /**
   * The room service's committed changes, from every process (RoomService.onChange). Without
   * it (tests, the benchmark) snapshots are fed through `onRoomChanged`.
   */
  changes?: { onChange(listener: (c: RoomChange) => void): () => void };
}

export interface MediaStats {
  workers: number;
  routers: number;
  transports: number;
  producers: number;
  consumers: number;
}

type Handler<K extends MediaCommandName> = (
  ctx: { session: Session; signal: PeerSignal },
  payload: MediaPayload<K>,
) => Promise<object>;

/** `meetingClosed`: a meeting's router on this node closed (its last person's media is gone). */
type ServiceEvents = { closed: []; meetingClosed: [meetingId: string] };

/** Nobody is left in the meeting: nothing to keep for it. (A closed meeting is kept while people
 * read its end screen, so that media requests get `wrong_phase`.) */
const isOver = (s: RoomSnapshot) => !s.participants.some((p) => p.present);

export class MediaService extends EventEmitter<ServiceEvents> {
  readonly #config: MediaConfig;
  readonly #logger: Logger;
  readonly #pool: WorkerPool;
  readonly #census = new Census();
  readonly #meetings = new Map<string, MeetingMedia>();
  readonly #opening = new Map<string, Promise<MeetingMedia>>();
  readonly #snapshots = new Map<string, RoomSnapshot>();
  readonly #unfollow: () => void;
  #closed = false;

  static async create(opts: MediaServiceOptions): Promise<MediaService> {
    const pool = await WorkerPool.create(opts);
    return new MediaService(opts, pool);
  }

  private constructor(opts: MediaServiceOptions, pool: WorkerPool) {
    super();
    this.#config = opts.config;
    this.#logger = opts.logger.child({ component: 'media' });
    this.#pool = pool;
    this.#unfollow = opts.changes?.onChange((c) => this.onRoomChanged(c.snapshot)) ?? (() => {});
    pool.on('workerDied', ({ died, replacement }) => {
      for (const m of this.#meetings.values()) {
        if (m.worker !== died) continue;
        void m.rebuild().then(() => this.#closeIfEmpty(m));
      }
      if (!replacement && pool.size === 0) this.#logger.fatal('no media worker left: audio is down on this node');
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Feeds a committed room snapshot (any order; older versions are ignored): closes the media of
   * people who are gone and pauses or resumes every voice by the stick rule.
   */
  onRoomChanged(snapshot: RoomSnapshot): void {
    if (this.#closed) return;
    const id = snapshot.meetingId;
    const prev = this.#snapshots.get(id);
    if (prev && prev.version >= snapshot.version) return;
    this.#snapshots.delete(id); // re-insert: the map's order is the eviction order
    this.#snapshots.set(id, snapshot);
    const m = this.#meetings.get(id);
    if (m) {
      m.reconcile(snapshot);
      this.#closeIfEmpty(m);
    } else if (isOver(snapshot)) {
      this.#snapshots.delete(id);
    }
    this.#evictSnapshots();
  }

  /**
   * The person's session ended on this node (left, disconnected, superseded): close everything
   * they had. With `connId`, only media opened by that connection is closed.
   */
  onSessionEnded(meetingId: string, participantId: ParticipantId, connId?: string): void {
    const m = this.#meetings.get(meetingId);
    if (!m) return;
    m.detach(participantId, connId);
    this.#closeIfEmpty(m);
  }

  stats(): MediaStats {
    return {
      workers: this.#pool.size,
      routers: this.#census.routers,
      transports: this.#census.transports,
      producers: this.#census.producers,
      consumers: this.#census.consumers,
    };
  }

  /** Closes every meeting's media and stops the workers. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unfollow();
    await Promise.allSettled([...this.#opening.values()]);
    for (const m of [...this.#meetings.values()]) m.close();
    this.#meetings.clear();
    this.#snapshots.clear();
    this.#pool.close();
    this.emit('closed');
  }

  /**
   * One media request, validated at the edge: the socket handlers call this, and so do tests and
   * the benchmark (with their own PeerSignal). Never throws.
   */
  async handle(session: Session | undefined, signal: PeerSignal, name: MediaCommandName, raw: unknown): Promise<MediaResult> {
    if (!session) return fail('forbidden', 'join.first');
    const schema = mediaSchemas[name];
    if (!schema) return fail('invalid_payload', 'media.unknownRequest');
    const parsed = schema.safeParse(raw);
    if (!parsed.success) return fail('invalid_payload', 'payload.invalid', payloadDetail(parsed.error, { prefix: name }));
    if (this.#closed) return fail('internal', 'media.shuttingDown');
    try {
      const handler = this.#handlers[name] as Handler<MediaCommandName>;
      const result = await handler({ session, signal }, parsed.data as never);
      return { ok: true, ...result };
    } catch (err) {
      if (err instanceof MediaError) return fail(err.code, err.key);
      this.#logger.error({ err: (err as Error).message, request: name, meetingId: session.meetingId, participantId: session.participantId }, 'media request failed');
      return fail('internal', 'media.internal');
    }
  }

  /** @internal Tests and benchmark: a PlainTransport for a peer, wired like a WebRTC transport. */
  async createPlainTransport(
    session: Session,
    signal: PeerSignal,
    direction: TransportDirection,
    opts: { comedia?: boolean } = {},
  ): Promise<PlainTransport<MediaAppData>> {
    const { meeting, peer } = await this.#peerFor(session, signal);
    return meeting.createPlainTransport(peer, direction, opts);
  }

  /** @internal Tests: the media of one meeting on this node. */
  meeting(meetingId: string): MeetingMedia | undefined {
    return this.#meetings.get(meetingId);
  }

  /** @internal Tests and benchmark. */
  get pool(): WorkerPool {
    return this.#pool;
  }

  get config(): MediaConfig {
    return this.#config;
  }

  // --- request handlers -------------------------------------------------------------------------

  readonly #handlers: { [K in MediaCommandName]: Handler<K> } = {
    mediaCapabilities: async ({ session, signal }) => {
      const { meeting } = await this.#peerFor(session, signal);
      return { routerRtpCapabilities: meeting.router.rtpCapabilities };
    },
    mediaJoin: async ({ session, signal }, p) => {
      const { meeting, peer } = await this.#peerFor(session, signal);
      await meeting.join(peer, p.rtpCapabilities as RtpCapabilities);
      return {};
    },
    createTransport: async ({ session, signal }, p) => {
      const { meeting, peer } = await this.#peerFor(session, signal);
      return meeting.createWebRtcTransport(peer, p.direction);
    },
    connectTransport: async ({ session, signal }, p) => {
      const { meeting, peer } = await this.#peerFor(session, signal);
      await meeting.connectTransport(peer, p.transportId, p.dtlsParameters);
      return {};
    },
    restartIce: async ({ session, signal }, p) => {
      const { meeting, peer } = await this.#peerFor(session, signal);
      return { iceParameters: await meeting.restartIce(peer, p.transportId) };
    },
    produce: async ({ session, signal }, p) => {
      // Checked before touching anything: observers never produce (not even a peer is made).
      if (session.role === 'observer') throw new MediaError('forbidden', 'media.observer');
      const { meeting, peer } = await this.#peerFor(session, signal);
      return meeting.produce(peer, p.transportId, p.rtpParameters as RtpParameters);
    },
    closeProducer: async ({ session, signal }, p) => {
      const { meeting, peer } = await this.#peerFor(session, signal);
      meeting.closeProducer(peer, p.producerId);
      return {};
    },
    mediaLeave: async ({ session }) => {
      this.onSessionEnded(session.meetingId, session.participantId, session.connId);
      return {};
    },
  };

  // --- meetings and peers -----------------------------------------------------------------------

  /** The person's media peer, opening the meeting's router if needed. */
  async #peerFor(session: Session, signal: PeerSignal): Promise<{ meeting: MeetingMedia; peer: MediaPeer }> {
    const snap = this.#snapshots.get(session.meetingId);
    if (snap?.phase === 'closed') throw new MediaError('wrong_phase', 'join.meetingEnded');
    // Twice at most: the meeting may close (its last peer left) while we waited for it.
    for (let attempt = 0; attempt < 2; attempt++) {
      const meeting = await this.#meetingFor(session.meetingId);
      await meeting.ready();
      if (meeting.closed) continue;
      try {
        const peer = meeting.attach(session, signal);
        return { meeting, peer };
      } catch (err) {
        this.#closeIfEmpty(meeting);
        throw err;
      }
    }
    throw new MediaError('conflict', 'media.restarting');
  }

  #meetingFor(meetingId: string): Promise<MeetingMedia> {
    const open = this.#meetings.get(meetingId);
    if (open && !open.closed) return Promise.resolve(open);
    let pending = this.#opening.get(meetingId);
    if (!pending) {
      pending = MeetingMedia.create({ meetingId, pool: this.#pool, config: this.#config, logger: this.#logger, census: this.#census })
        .then((m) => {
          if (this.#closed) {
            m.close();
            throw new MediaError('internal', 'media.shuttingDown');
          }
          this.#meetings.set(meetingId, m);
          m.once('closed', () => {
            if (this.#meetings.get(meetingId) === m) this.#meetings.delete(meetingId);
            const s = this.#snapshots.get(meetingId);
            if (s && isOver(s)) this.#snapshots.delete(meetingId);
            if (!this.#meetings.has(meetingId)) this.emit('meetingClosed', meetingId);
          });
          const snap = this.#snapshots.get(meetingId);
          if (snap) m.reconcile(snap);
          return m;
        })
        .finally(() => this.#opening.delete(meetingId));
      this.#opening.set(meetingId, pending);
    }
    return pending;
  }

  /** When the last person's media is gone, the router goes too. */
  #closeIfEmpty(m: MeetingMedia): void {
    if (!m.closed && m.peerCount === 0) {
      m.close();
      this.#logger.debug({ meetingId: m.meetingId }, 'meeting media closed');
    }
  }

  #evictSnapshots(): void {
    if (this.#snapshots.size <= MAX_CACHED_SNAPSHOTS) return;
    for (const id of this.#snapshots.keys()) {
      if (this.#snapshots.size <= MAX_CACHED_SNAPSHOTS) break;
      if (!this.#meetings.has(id)) this.#snapshots.delete(id);
    }
  }
}

/** A refusal: the key's English text, or a more precise English `detail` (errors.ts). */
function fail(code: MediaError['code'], key: ErrorKey, detail?: string): MediaResult {
  return { ok: false, error: protocolError(code, key, detail) };
}
