/**
 * Socket.IO edge: parse with zod -> command -> service -> ack(Result) -> broadcast.
 * Nothing that reaches the core is unvalidated; a rejected command changes nothing and
 * broadcasts nothing. Logs carry ids and error codes only.
 *
 * Snapshots are addressed per audience (rule O5): after each commit, the connections of the
 * committed state's present members are grouped by audience and each group gets the snapshot
 * made for it, addressed by socket id. So who receives what is exactly the committed state's
 * membership: no Socket.IO room can keep a removed, superseded or lobby connection listening.
 */
import type { Logger } from 'pino';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import {
  COMMAND_NAMES,
  LIMITS,
  mediaSchemas,
  PROTOCOL_VERSION,
  schemas,
  type Audience,
  type RoomSnapshot,
  type CommandName,
  type EndReason,
  protocolError,
  type ErrorKey,
  type Fail,
  type JoinResult,
  type Payload,
  type Result,
} from '@peer-circle/shared';
import { toSnapshot, type MemberCommand, type RoomState } from '../room/index.ts';
import { audienceOf } from '../room/state.ts';
import { newId, newSecret, sha256, type RoomService } from '../app/service.ts';
import { socketIdOf, type AppServer, type AppSocket, type LobbySeat, type Session } from './session.ts';

export interface TransportHooks {
  /** A new connection; media signalling handlers are registered here. */
  onSocket?: (socket: AppSocket) => void;
  /** The person's session on this node ended (left, disconnected or superseded). */
  onSessionEnded?: (session: Session) => void;
}

export interface TransportOptions {
  io: AppServer;
  service: RoomService;
  logger: Logger;
  nodeId: string;
  hooks?: TransportHooks;
  /** Commands per second a socket may send before answers become `rate_limited`. */
  ratePerSecond?: number;
}

/** A refusal: the key's English text, or a more precise English `detail` (errors.ts). */
const fail = (code: Fail['error']['code'], key: ErrorKey, detail?: string): Fail => ({ ok: false, error: protocolError(code, key, detail) });
/** Every event a client may send; anything else is answered `invalid_payload`. */
const KNOWN = new Set<string>(['join', ...COMMAND_NAMES, ...Object.keys(mediaSchemas)]);

/** Holds, per server process, which meetings have live sockets here (for the heartbeat). */
export class Transport {
  readonly #o: TransportOptions;
  readonly #rooms = new Map<string, number>();
  readonly #limiter: RateLimiterMemory;
  readonly #pending = new Set<Promise<unknown>>();

  constructor(o: TransportOptions) {
    this.#o = o;
    const rate = o.ratePerSecond ?? 20;
    this.#limiter = new RateLimiterMemory({ points: rate * 2, duration: 2 });
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
    const groups = new Map<Audience, string[]>();
    for (const p of state.participants) {
      if (!p.present || p.connId === null) continue;
      const a = audienceOf(p);
      const ids = groups.get(a) ?? [];
      ids.push(socketIdOf(p.connId));
      groups.set(a, ids);
    }
    const now = participantSnapshot.serverNow;
    const viewFor = (a: Audience) => (a === 'participant' ? participantSnapshot : toSnapshot(state, now, a));
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
    if (session) this.#o.hooks?.onSessionEnded?.(session);
    return seat;
  }

  async #limited(socket: AppSocket): Promise<boolean> {
    try {
      await this.#limiter.consume(socket.id);
      return false;
    } catch {
      return true;
    }
  }

  #onConnection(socket: AppSocket): void {
    const { service, logger } = this.#o;
    // Media handlers check socket.data.session themselves: before `join` they answer forbidden.
    this.#o.hooks?.onSocket?.(socket);

    socket.onAny((event: string, ...args: unknown[]) => {
      if (KNOWN.has(event)) return;
      const ack = args.at(-1);
      if (typeof ack === 'function') ack(fail('invalid_payload', 'payload.unknownEvent', `Unknown event "${event.slice(0, 40)}".`));
    });

    socket.on('join', async (payload, ack) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      if (await this.#limited(socket)) return reply(fail('rate_limited', 'rateLimit.slowDown'));
      const parsed = schemas.join.safeParse(payload);
      if (!parsed.success) return reply(fail('invalid_payload', 'payload.invalid', describe(parsed.error)));
      const p = parsed.data;
      if (p.protocolVersion !== PROTOCOL_VERSION) {
        return reply(fail('unsupported_protocol', 'protocol.outdated'));
      }
      if (socket.data.session) return reply(fail('conflict', 'join.alreadyJoined'));
      // A lobby connection comes in by joining again with its resume secret once admitted (L1).
      const waiting = socket.data.lobby;
      if (waiting && !p.resume) return reply(fail('conflict', 'join.waitingInLobby'));
      const grant = await service.resolveToken(p.token);
      if (!grant) return reply(fail('not_found', 'link.unknown'));
      if (waiting && waiting.meetingId !== grant.meetingId) return reply(fail('conflict', 'join.otherMeeting'));
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
      reply(joined);
    });

    for (const name of COMMAND_NAMES) {
      socket.on(name, async (payload: unknown, ack?: unknown) => {
        // An ack-only call (no payload) arrives as a function in the payload position.
        if (typeof payload === 'function' && ack === undefined) {
          ack = payload;
          payload = {};
        }
        const reply = typeof ack === 'function' ? (ack as (r: Result) => void) : () => {};
        const res = await this.#command(socket, name, payload);
        reply(res);
      });
    }

    socket.on('disconnect', () => {
      // A seat or a lobby place: either way the grace period starts (S9, L1).
      const session = this.#endSeat(socket);
      if (!session) return;
      const p = service
        .execute(session.meetingId, { kind: 'system' }, { type: 'disconnect', participantId: session.participantId, connId: session.connId })
        .catch((err: unknown) => logger.error({ err, meetingId: session.meetingId }, 'disconnect failed'))
        .finally(() => this.#pending.delete(p));
      this.#pending.add(p);
    });
  }

  /** Takes a new seat, or restores one with the resume secret (rule S9). */
  async #join(
    socket: AppSocket,
    grant: { meetingId: string; role: Session['role'] },
    p: Payload<'join'>,
    connId: string,
  ): Promise<Result<JoinResult>> {
    const { service, logger } = this.#o;
    const resume = p.resume ?? newSecret();
    const resumeHash = sha256(resume);
    const result = p.resume
      ? await service.execute(grant.meetingId, { kind: 'system' }, { type: 'resume', resumeHash, role: grant.role, connId })
      : await service.execute(
          grant.meetingId,
          { kind: 'system' },
          {
            type: 'join',
            participantId: newId(),
            name: p.name,
            role: grant.role,
            resumeHash,
            connId,
            profile: p.profile,
            namedToObservers: p.namedToObservers,
            inAttendance: p.inAttendance,
          },
        );
    if (!result.ok) return result;
    const seat = result.state.participants.find((x) => x.resumeHash === resumeHash);
    const waiting = seat ? undefined : result.state.lobby.find((x) => x.resumeHash === resumeHash);
    const participantId = seat?.id ?? waiting?.id;
    if (participantId === undefined) {
      logger.error({ meetingId: grant.meetingId }, 'join committed but the seat is neither in the room nor in the lobby');
      return fail('internal', 'internal.tryAgain');
    }
    if (!socket.connected) {
      // The connection dropped while joining: start its grace period now.
      await service.execute(grant.meetingId, { kind: 'system' }, { type: 'disconnect', participantId, connId });
      return fail('conflict', 'join.connectionClosed');
    }
    if (!seat) {
      // L1: no snapshot, no names until the leader admits this connection.
      socket.data.lobby = { meetingId: grant.meetingId, participantId, connId };
      logger.info({ meetingId: grant.meetingId, participantId, role: waiting!.role }, 'waiting in the lobby');
      return { ok: true, me: { id: participantId, role: waiting!.role }, resume, state: null, lobby: true, mine: null };
    }
    socket.data.lobby = undefined;
    // The seat's role as it is now (a handed-over role stays handed over, F7).
    socket.data.session = { meetingId: grant.meetingId, participantId, role: seat.role, connId };
    logger.info({ meetingId: grant.meetingId, participantId, role: seat.role, resumed: Boolean(p.resume) }, 'joined');
    const mine = { checkIn: seat.checkIn, feedbackGiven: seat.feedbackGiven, concernsLeft: Math.max(0, LIMITS.concernsPerPerson - seat.concernsSent) };
    return { ok: true, me: { id: participantId, role: seat.role }, resume, state: toSnapshot(result.state, service.clock(), audienceOf(seat)), lobby: false, mine };
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
    const parsed = schemas[name].safeParse(payload === undefined ? {} : payload);
    if (!parsed.success) return fail('invalid_payload', 'payload.invalid', describe(parsed.error));
    const session = socket.data.session;
    if (!session) {
      if (name === 'leave' && socket.data.lobby) return this.#leaveLobby(socket);
      return fail('forbidden', socket.data.lobby ? 'lobby.wait' : 'join.first');
    }
    const cmd = { type: name, ...parsed.data } as MemberCommand;
    try {
      const r = await this.#o.service.execute(session.meetingId, { kind: 'member', participantId: session.participantId }, cmd);
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

/** A short, plain explanation of what was wrong with a payload (never echoes the input). */
function describe(error: { issues: { path: PropertyKey[]; message: string }[] }): string | undefined {
  const first = error.issues[0];
  if (!first) return undefined; // then the key's own words (ERRORS['payload.invalid'])
  const where = first.path.length ? first.path.map(String).join('.') : 'request';
  return `Invalid ${where}: ${first.message}.`;
}
