/**
 * The media service of one server node: the parent of every MeetingMedia. It validates media
 * requests at the edge, places each meeting's router on the least-loaded worker, feeds room
 * snapshots to the meetings (the stick decides who is heard) and rebuilds meetings whose
 * worker died. Documented in docs/media.md.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { PlainTransport, RtpCapabilities, RtpParameters } from 'mediasoup/types';
import {
  MEDIA_COMMAND_NAMES,
  mediaSchemas,
  protocolError,
  type ErrorKey,
  type MediaCommandName,
  type MediaPayload,
  type MediaResult,
  type ParticipantId,
  type RoomSnapshot,
  type TransportDirection,
} from '@peer-circle/shared';
import type { AppSocket, Session } from '../transport/session.ts';
import type { MediaConfig } from './config.ts';
import { Census, MeetingMedia } from './meeting.ts';
import { MediaError, type MediaAppData, type MediaPeer, type PeerSignal } from './peer.ts';
import { WorkerPool } from './worker-pool.ts';

/** How long a client has to set up a consumer before the server drops it. */
const OFFER_TIMEOUT_MS = 10_000;
/** Snapshots kept for meetings without media on this node (bounded: they are small but many). */
const MAX_CACHED_SNAPSHOTS = 10_000;
/**
 * Media requests one socket may make: starting audio takes 5-6, a restart as many again; an ICE
 * restart one. Far above any honest client, low enough that nobody can churn the SFU.
 */
const RATE_LIMIT = { requests: 40, perMs: 10_000 } as const;

/** A token bucket: `requests` per `perMs`, refilled continuously. */
class RequestBudget {
  #tokens: number;
  #at = 0;
  constructor(
    readonly requests: number,
    readonly perMs: number,
  ) {
    this.#tokens = requests;
  }
  take(now: number): boolean {
    if (this.#at !== 0) this.#tokens = Math.min(this.requests, this.#tokens + ((now - this.#at) * this.requests) / this.perMs);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

export interface MediaServiceOptions {
  config: MediaConfig;
  logger: Logger;
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

type ServiceEvents = { closed: [] };

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
  readonly #signals = new WeakMap<AppSocket, PeerSignal>();
  readonly #registered = new WeakSet<AppSocket>();
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
   * Registers the media handlers on a socket. Identity comes from `socket.data.session` (set by
   * the room transport after `join`); without it every request is refused with `forbidden`.
   */
  registerSocket(socket: AppSocket): void {
    // Called after every successful join; a socket that joins again keeps its one set of handlers.
    if (this.#registered.has(socket)) return;
    this.#registered.add(socket);
    const signal = this.#signalFor(socket);
    // Every snapshot this node delivers to a person with media also reaches media, including
    // snapshots committed on other nodes and broadcast through the adapter. Older versions are
    // ignored, so the same snapshot seen through several sockets costs one map lookup each.
    socket.onAnyOutgoing((event: string, ...args: unknown[]) => {
      if (event === 'state' && args[0]) this.onRoomChanged(args[0] as RoomSnapshot);
    });
    const on = socket.on.bind(socket) as unknown as (event: string, fn: (...args: unknown[]) => void) => void;
    const budget = new RequestBudget(RATE_LIMIT.requests, RATE_LIMIT.perMs);
    for (const name of MEDIA_COMMAND_NAMES) {
      on(name, (payload: unknown, ack: unknown) => {
        // Every media request expects an ack; a request without one is a broken client.
        if (typeof ack !== 'function') return;
        const reply = ack as (r: MediaResult) => void;
        if (!budget.take(Date.now())) return reply(fail('rate_limited', 'rateLimit.audio'));
        void this.handle(socket.data.session, signal, name, payload).then(reply);
      });
    }
    socket.on('disconnect', () => {
      const s = socket.data.session;
      if (s) this.onSessionEnded(s.meetingId, s.participantId, s.connId);
    });
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
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return fail('invalid_payload', 'payload.invalid', `Invalid ${name}: ${issue ? `${issue.path.join('.') || 'payload'} ${issue.message}` : 'bad payload'}`);
    }
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

  #signalFor(socket: AppSocket): PeerSignal {
    let signal = this.#signals.get(socket);
    if (!signal) {
      const emit = socket.emit.bind(socket) as unknown as (event: string, payload: unknown) => boolean;
      signal = {
        offerConsumer: async (info) => {
          const res = await socket.timeout(OFFER_TIMEOUT_MS).emitWithAck('newConsumer', info);
          return res?.ok === true;
        },
        notify: (event, payload) => void emit(event, payload),
      };
      this.#signals.set(socket, signal);
    }
    return signal;
  }
}

/** A refusal: the key's English text, or a more precise English `detail` (errors.ts). */
function fail(code: MediaError['code'], key: ErrorKey, detail?: string): MediaResult {
  return { ok: false, error: protocolError(code, key, detail) };
}
