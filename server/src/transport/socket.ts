/**
 * Socket.IO edge: parse with zod -> command -> service -> ack(Result) -> broadcast. It only
 * translates: what a join means (a new seat, a resumed one, the lobby) is the service's decision,
 * what a command does is the core's, and audio requests go to the media service as they are.
 * Nothing that reaches the core is unvalidated; a rejected command changes nothing and
 * broadcasts nothing. Logs carry ids and error codes only.
 *
 * Snapshots are addressed per audience (rule O5): after each commit, the connections of the
 * committed state's present members are grouped by audience and each group gets the snapshot
 * made for it, addressed by socket id. So who receives what is exactly the committed state's
 * membership: no Socket.IO room can keep a removed, superseded or lobby connection listening.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import {
  COMMAND_NAMES,
  payloadDetail,
  MEDIA_COMMAND_NAMES,
  mediaSchemas,
  parseCommand,
  PROTOCOL_VERSION,
  schemas,
  type Audience,
  type CommandName,
  type EndReason,
  type ErrorKey,
  type Fail,
  type JoinResult,
  type MediaCommandName,
  type MediaResult,
  type PeerSignal,
  type RoomSnapshot,
  protocolError,
  type Result,
} from '@peer-circle/shared';
import { audienceOf, toSnapshot, type RoomState, type View } from '../room/index.ts';
import type { ChangeBus, RoomService, Session } from '../app/service.ts';
import { RateLimit, type SharedBudget } from '../lib/rate-limit.ts';
import { socketIdOf, type AppServer, type AppSocket, type LobbySeat } from './session.ts';

/** What the transport hands audio requests to (the MediaService): it never sees a socket. */
export interface MediaRequests {
  handle(session: Session | undefined, signal: PeerSignal, name: MediaCommandName, raw: unknown): Promise<MediaResult>;
  /** The person's session on this node ended (left, disconnected or superseded). */
  onSessionEnded(meetingId: string, participantId: string, connId?: string): void;
}

export interface TransportOptions {
  io: AppServer;
  service: RoomService;
  logger: Logger;
  nodeId: string;
  /** Audio, when it runs on this process. */
  media?: MediaRequests | null;
  /** Commands per second a socket may send before answers become `rate_limited`. */
  ratePerSecond?: number;
  /** B3: joins that take a new seat, per client address and window, before `rate_limited`. */
  joinLimit?: JoinLimit;
  /** B3: where the join budgets are shared by every process (Redis); without it, per process. */
  joinBudget?: SharedBudget | null;
  /**
   * B3: the client's address from the connection's HTTP request: with a trusted proxy (TRUST_PROXY)
   * the one it forwarded, as the HTTP API reads it. Default: the connection's own address.
   */
  clientAddress?: (req: IncomingMessage) => string;
}

/** B3: how many joins that take a new seat one address may make per window. */
export interface JoinLimit {
  perAddress: number;
  windowMs: number;
}

/** B3 defaults: a family or an office behind one address joins well within it; a script does not. */
export const DEFAULT_JOIN_LIMIT: JoinLimit = { perAddress: 30, windowMs: 60_000 };

/** A refusal: the key's English text, or a more precise English `detail` (errors.ts). */
const fail = (code: Fail['error']['code'], key: ErrorKey, detail?: string): Fail => ({ ok: false, error: protocolError(code, key, detail) });
/** Every event a client may send; anything else is answered `invalid_payload`. */
const KNOWN = new Set<string>(['join', ...COMMAND_NAMES, ...Object.keys(mediaSchemas)]);
/** How long a client has to set up a consumer before the server drops it. */
const OFFER_TIMEOUT_MS = 10_000;
/**
 * Media requests one socket may make: starting audio takes 5-6, a restart as many again; an ICE
 * restart one. Far above any honest client, low enough that nobody can churn the SFU.
 */
const MEDIA_RATE = { requests: 40, perMs: 10_000 } as const;

/**
 * The room service's changes between processes, through the Socket.IO adapter (its Redis stream,
 * like the snapshots): every process's audio follows every commit.
 */
export function adapterChangeBus(io: AppServer): ChangeBus {
  return {
    publish: (change) => io.serverSideEmit('roomChanged', change),
    subscribe: (listener) => void io.on('roomChanged', listener),
  };
}

/** Holds, per server process, which meetings have live sockets here (for the heartbeat). */
export class Transport {
  readonly #o: TransportOptions;
  readonly #rooms = new Map<string, number>();
  readonly #limiter: RateLimit;
  readonly #mediaLimiter = new RateLimit(MEDIA_RATE.requests, MEDIA_RATE.perMs);
  /** B3: new seats per client address (per process: each process of a cluster counts its own). */
  readonly #joinLimiter: RateLimit;
  readonly #pending = new Set<Promise<unknown>>();

  constructor(o: TransportOptions) {
    this.#o = o;
    const rate = o.ratePerSecond ?? 20;
    this.#limiter = new RateLimit(rate * 2, 2000);
    const joins = o.joinLimit ?? DEFAULT_JOIN_LIMIT;
    this.#joinLimiter = new RateLimit(joins.perAddress, joins.windowMs, o.joinBudget);
    o.io.on('connection', (socket) => this.#onConnection(socket));
    o.service.onCommitted(({ state, snapshot, events }) => {
      this.#broadcast(state, snapshot);
      for (const e of events) {
        if (e.type === 'connectionSuperseded') this.#endConnection(e.connId, 'superseded');
        else if (e.type === 'connectionEnded') this.#endConnection(e.connId, e.reason);
        // The lobby connection joins again with its resume secret (on any process).
        else if (e.type === 'participantAdmitted' && e.connId) o.io.to(socketIdOf(e.connId)).emit('admitted');
      }
    });
  }

  /**
   * One snapshot per audience, each to exactly the connections of that audience (O5). The
   * participants' one is the snapshot the service already made for this commit.
   */
  #broadcast(state: RoomState, participantSnapshot: RoomSnapshot): void {
    const groups = new Map<View, string[]>();
    for (const p of state.participants) {
      if (!p.present || p.connId === null) continue;
      const a = audienceOf(p, state);
      const ids = groups.get(a) ?? [];
      ids.push(socketIdOf(p.connId));
      groups.set(a, ids);
    }
    const now = participantSnapshot.serverNow;
    const viewFor = (a: View) => (a === 'participant' ? participantSnapshot : toSnapshot(state, now, a));
    // Never `to([])`: an empty room list would broadcast to every socket.
    for (const [audience, ids] of groups) if (ids.length > 0) this.#o.io.to(ids).emit('state', viewFor(audience));
  }

  /** Waits for the disconnects under way to be recorded (graceful shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  /** Meetings that have at least one joined socket on this process. */
  meetingIds(): string[] {
    return [...this.#rooms.keys()];
  }

  /**
   * Counts sessions (and joins under way) per meeting on this process. The store learns of a
   * room before the first join commits, so a crash at any moment leaves a record to reap.
   */
  async #track(meetingId: string, delta: number): Promise<void> {
    const before = this.#rooms.get(meetingId) ?? 0;
    const n = before + delta;
    if (n <= 0) this.#rooms.delete(meetingId);
    else this.#rooms.set(meetingId, n);
    const store = this.#o.service.store;
    if (before === 0 && n > 0) await store.addNodeRoom(this.#o.nodeId, meetingId);
    else if (n <= 0 && before > 0) await store.removeNodeRoom(this.#o.nodeId, meetingId).catch(() => {});
  }

  /** Ends every session on this process: their clients reconnect and resume their seats. */
  dropAll(): void {
    for (const socket of this.#o.io.sockets.sockets.values()) {
      if (socket.data.session || socket.data.lobby) socket.disconnect(true);
    }
  }

  /** Tells a connection (on any process) that its seat is gone, and disconnects it. */
  #endConnection(connId: string, reason: EndReason): void {
    const socketId = socketIdOf(connId);
    const local = this.#o.io.sockets.sockets.get(socketId);
    if (local) {
      this.#endSeat(local);
      local.emit('ended', { reason });
      local.disconnect(true);
    } else if (connId.startsWith(`${this.#o.nodeId}:`) === false) {
      // Another process holds it: Socket.IO routes by socket id through the adapter.
      this.#o.io.to(socketId).emit('ended', { reason });
      this.#o.io.in(socketId).disconnectSockets(true);
    }
  }

  /** Forgets the connection's seat or lobby place on this process; returns what it held. */
  #endSeat(socket: AppSocket): Session | LobbySeat | undefined {
    const { session, lobby } = socket.data;
    socket.data.session = undefined;
    socket.data.lobby = undefined;
    const seat = session ?? lobby;
    if (!seat) return undefined;
    void this.#track(seat.meetingId, -1);
    if (session) this.#o.media?.onSessionEnded(session.meetingId, session.participantId, session.connId);
    return seat;
  }

  /** B3: who joins, as far as the limit on new seats is concerned. */
  #address(socket: AppSocket): string {
    return this.#o.clientAddress?.(socket.request) ?? socket.handshake.address;
  }

  async #limited(socket: AppSocket): Promise<boolean> {
    return !(await this.#limiter.take(socket.id));
  }

  #onConnection(socket: AppSocket): void {
    const { service, logger } = this.#o;
    this.#routeMedia(socket);

    socket.onAny((event: string, ...args: unknown[]) => {
      if (KNOWN.has(event)) return;
      const ack = args.at(-1);
      if (typeof ack === 'function') ack(fail('invalid_payload', 'payload.unknownEvent', `Unknown event "${event.slice(0, 40)}".`));
    });

    socket.on('join', async (payload, ack) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      // Every await of a join is inside this try: a store that cannot be reached (Redis down)
      // answers "please try again" and never ends the process (pages re-join on every reconnect).
      try {
        reply(await this.#onJoin(socket, payload));
      } catch (err) {
        logger.error({ err }, 'join failed');
        reply(fail('internal', 'internal.tryAgain'));
      }
    });

    for (const name of COMMAND_NAMES) {
      socket.on(name, async (payload: unknown, ack?: unknown) => {
        // An ack-only call (no payload) arrives as a function in the payload position.
        if (typeof payload === 'function' && ack === undefined) {
          ack = payload;
          payload = {};
        }
        const reply = typeof ack === 'function' ? (ack as (r: Result) => void) : () => {};
        let res: Result;
        try {
          res = await this.#command(socket, name, payload);
        } catch (err) {
          logger.error({ err, command: name }, 'command failed');
          res = fail('internal', 'internal.tryAgain');
        }
        reply(res);
      });
    }

    socket.on('disconnect', () => {
      // A seat or a lobby place: either way the grace period starts (S9, L1).
      const session = this.#endSeat(socket);
      if (!session) return;
      const p = service
        .disconnect(session)
        .catch((err: unknown) => logger.error({ err, meetingId: session.meetingId }, 'disconnect failed'))
        .finally(() => this.#pending.delete(p));
      this.#pending.add(p);
    });
  }

  /** Parses and answers a `join`: a seat (S9), a lobby place (L1) or why not. May throw on store errors. */
  async #onJoin(socket: AppSocket, payload: unknown): Promise<Result<JoinResult>> {
    const { service, logger } = this.#o;
    if (await this.#limited(socket)) return fail('rate_limited', 'rateLimit.slowDown');
    const parsed = schemas.join.safeParse(payload);
    if (!parsed.success) return fail('invalid_payload', 'payload.invalid', payloadDetail(parsed.error));
    const p = parsed.data;
    if (p.protocolVersion !== PROTOCOL_VERSION) return fail('unsupported_protocol', 'protocol.outdated');
    if (socket.data.session) return fail('conflict', 'join.alreadyJoined');
    // A lobby connection comes in by joining again with its resume secret once admitted (L1).
    const waiting = socket.data.lobby;
    if (waiting && !p.resume) return fail('conflict', 'join.waitingInLobby');
    // B3: only joins that may take a new seat count; coming back with the resume secret never does.
    if (!p.resume && !(await this.#joinLimiter.take(this.#address(socket)))) return fail('rate_limited', 'rateLimit.joins');
    const grant = await service.resolveToken(p.token);
    if (!grant) return fail('not_found', 'link.unknown');
    if (waiting && waiting.meetingId !== grant.meetingId) return fail('conflict', 'join.otherMeeting');
    const connId = `${this.#o.nodeId}:${socket.id}`;
    // A waiting connection is already counted for this meeting on this process.
    if (!waiting) await this.#track(grant.meetingId, 1);
    let joined: Result<JoinResult>;
    try {
      joined = await this.#join(socket, grant, p, connId);
    } catch (err) {
      logger.error({ err, meetingId: grant.meetingId }, 'join failed');
      joined = fail('internal', 'internal.tryAgain');
    }
    if (!joined.ok && !waiting) await this.#track(grant.meetingId, -1);
    return joined;
  }

  /** Asks the service for a seat (S9) or a lobby place (L1), and remembers it on the socket. */
  async #join(
    socket: AppSocket,
    grant: Parameters<RoomService['join']>[0],
    p: Parameters<RoomService['join']>[1],
    connId: string,
  ): Promise<Result<JoinResult>> {
    const joined = await this.#o.service.join(grant, p, connId);
    if (!joined.ok) return joined;
    const { session, result } = joined;
    if (!socket.connected) {
      // The connection dropped while joining: start its grace period now.
      await this.#o.service.disconnect(session);
      return fail('conflict', 'join.connectionClosed');
    }
    if (result.lobby) {
      socket.data.lobby = { meetingId: session.meetingId, participantId: session.participantId, connId };
    } else {
      socket.data.lobby = undefined;
      socket.data.session = session;
    }
    return { ok: true, ...result };
  }

  /** Audio requests go to the media service with the socket's session (none before `join`). */
  #routeMedia(socket: AppSocket): void {
    const media = this.#o.media;
    const on = socket.on.bind(socket) as unknown as (event: string, fn: (...args: unknown[]) => void) => void;
    if (!media) {
      // MEDIA=false: every audio request is answered at once, so a page never waits on a timeout.
      for (const name of MEDIA_COMMAND_NAMES) {
        on(name, (...args: unknown[]) => {
          const ack = args.at(-1);
          if (typeof ack === 'function') (ack as (r: MediaResult) => void)(fail('unavailable', 'media.off'));
        });
      }
      return;
    }
    const signal = signalOf(socket);
    for (const name of MEDIA_COMMAND_NAMES) {
      on(name, async (payload: unknown, ack: unknown) => {
        // Every media request expects an ack; a request without one is a broken client.
        if (typeof ack !== 'function') return;
        const reply = ack as (r: MediaResult) => void;
        if (!(await this.#mediaLimiter.take(socket.id))) return reply(fail('rate_limited', 'rateLimit.audio'));
        reply(await media.handle(socket.data.session, signal, name, payload));
      });
    }
  }

  /**
   * Leaving the lobby ends the connection; its disconnection is recorded like any other, so the
   * entry leaves the lobby when the grace period ends (L1).
   */
  #leaveLobby(socket: AppSocket): Result {
    socket.emit('ended', { reason: 'left' });
    // After the ack has been written: the reply is sent when this function has returned.
    setImmediate(() => socket.disconnect(true));
    return { ok: true };
  }

  async #command(socket: AppSocket, name: CommandName, payload: unknown): Promise<Result> {
    if (await this.#limited(socket)) return fail('rate_limited', 'rateLimit.slowDown');
    const parsed = parseCommand(name, payload);
    if (!parsed.ok) return fail('invalid_payload', 'payload.invalid', payloadDetail(parsed.error));
    const session = socket.data.session;
    if (!session) {
      if (name === 'leave' && socket.data.lobby) return this.#leaveLobby(socket);
      return fail('forbidden', socket.data.lobby ? 'lobby.wait' : 'join.first');
    }
    try {
      const r = await this.#o.service.execute(session.meetingId, { kind: 'member', participantId: session.participantId }, parsed.command);
      if (!r.ok) return r;
      if (name === 'leave') {
        this.#endSeat(socket);
        socket.emit('ended', { reason: 'left' });
      }
      return { ok: true };
    } catch (err) {
      this.#o.logger.error({ err, meetingId: session.meetingId, cmd: name }, 'command failed');
      return fail('internal', 'internal.tryAgain');
    }
  }
}

/** Media's way to one client: pushes, and consumer offers acked within OFFER_TIMEOUT_MS. */
function signalOf(socket: AppSocket): PeerSignal {
  const emit = socket.emit.bind(socket) as unknown as (event: string, payload: unknown) => boolean;
  return {
    offerConsumer: async (info) => {
      const res = await socket.timeout(OFFER_TIMEOUT_MS).emitWithAck('newConsumer', info);
      return res?.ok === true;
    },
    notify: (event, payload) => void emit(event, payload),
  };
}

/**
 * How media reaches this process's sockets by id (the media home may be another process: it
 * sends pushes and consumer offers here through its RPC, and this delivers them).
 */
export function socketReach(io: AppServer) {
  const local = (socketId: string) => io.sockets.sockets.get(socketId);
  return {
    notify(socketId: string, event: string, payload: unknown): void {
      const socket = local(socketId);
      if (socket) (socket.emit as unknown as (e: string, p: unknown) => boolean).call(socket, event, payload);
    },
    async offer(socketId: string, info: Parameters<PeerSignal['offerConsumer']>[0]): Promise<boolean> {
      const socket = local(socketId);
      if (!socket?.data.session) return false;
      return signalOf(socket).offerConsumer(info).catch(() => false);
    },
    /** Every joined socket of the meeting on this process starts its audio again. */
    resetMeeting(meetingId: string): void {
      for (const socket of io.sockets.sockets.values()) {
        if (socket.data.session?.meetingId === meetingId) socket.emit('mediaReset', { reason: 'workerDied' });
      }
    },
  };
}
