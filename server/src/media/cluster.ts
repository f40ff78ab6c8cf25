/**
 * One meeting's audio on one process, whichever process its people reach (docs/media.md,
 * "Several server processes").
 *
 * Each meeting has a **media home**: the process whose mediasoup router carries its audio. The
 * home is chosen by load when the first person asks for audio and recorded in Redis
 * (`media:home:<meetingId>`, claimed with SET NX so two processes can never both win). Every other
 * process carries that meeting's media requests to the home over a small Redis RPC (pub/sub, one
 * channel per process, request/response with timeouts), and the home reaches the person's socket
 * on whichever process holds it the same way. The browser's WebRTC transport connects straight
 * to the home: its ICE candidates carry the home's own `MEDIASOUP_ANNOUNCED_ADDRESS` and ports.
 *
 * Each media process writes a heartbeat with its load every `heartbeatMs` (TTL 3x). A process
 * whose heartbeat lapsed is reaped by any live one: the meetings it was home to are freed and
 * their people told `mediaReset`; their clients start again and the first request picks a new
 * home by load. A home that finds it lost a meeting (it was reaped while alive) closes its router
 * there, so a meeting is never forwarded by two processes.
 *
 * The stick rule is untouched: the home's MediaService follows every committed change of every
 * process (RoomService.shareChanges), exactly as a single process does. Without Redis this class
 * only passes requests to the local MediaService, as before.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  mediaSchemas,
  protocolError,
  type MediaCommandName,
  type MediaResult,
  type NewConsumerInfo,
  type ParticipantId,
  type PeerSignal,
  type PushEvent,
  type PushPayload,
  type TransportDirection,
} from '@peer-circle/shared';
import { redisClient, type RedisConnection } from '../store/connection.ts';
import { redisKeys, type RedisKeys } from '../store/keys.ts';
import type { MediaService } from './service.ts';
import type { PeerIdentity } from './peer.ts';
import { turnIceServers, type TurnConfig } from './turn.ts';

/** The sockets of this process, as the transport reaches them (media never sees a socket). */
export interface SocketReach {
  notify(socketId: string, event: PushEvent, payload: unknown): void;
  /** Offers a consumer to a local socket; false when it is gone or did not take it in time. */
  offer(socketId: string, info: NewConsumerInfo): Promise<boolean>;
  /** Tells every local socket joined to `meetingId` to start its media again. */
  resetMeeting(meetingId: string): void;
}

export interface MediaClusterOptions {
  local: MediaService;
  nodeId: string;
  logger: Logger;
  reach: SocketReach;
  /** Redis: the meeting's media may live on another process. Without it, everything is local. */
  redis?: RedisConnection | null;
  prefix?: string;
  /** Heartbeat period; a process is declared dead after 3 missed beats. Default 1000 ms. */
  heartbeatMs?: number;
  /** How long a request waits for the home's answer. Default 4000 ms. */
  rpcTimeoutMs?: number;
  /** TURN servers handed to browsers with time-limited credentials (turn.ts). */
  turn?: TurnConfig | null;
  /** Answer the plain-RTP requests of tests and the benchmark (never reachable from a browser). */
  allowPlainRtp?: boolean;
}

/** A process's media load, as its heartbeat records it (also in /api/health). */
export interface MediaLoad {
  meetings: number;
  producers: number;
  consumers: number;
}

type Session = PeerIdentity;

/** What travels on the RPC channels (JSON). */
type Rpc =
  | { t: 'req'; id: string; from: string; op: 'handle'; body: { session: Session; name: MediaCommandName; raw: unknown } }
  | { t: 'req'; id: string; from: string; op: 'offer'; body: { socketId: string; info: NewConsumerInfo } }
  | { t: 'req'; id: string; from: string; op: 'plain'; body: { session: Session; direction: TransportDirection; connectTo?: { ip: string; port: number } } }
  | { t: 'res'; id: string; body: unknown }
  | { t: 'push'; socketId: string; event: PushEvent; payload: unknown }
  | { t: 'ended'; meetingId: string; participantId: ParticipantId; connId?: string }
  /** `home`: the process that lost the meeting (only its own router, if it still has one, closes). */
  | { t: 'reset'; meetingId: string; home: string };

/** The answer of a process that is not (any more) the meeting's home: ask Redis again. */
const NOT_HOME = { notHome: true } as const;
const isNotHome = (x: unknown): boolean => typeof x === 'object' && x !== null && (x as { notHome?: unknown }).notHome === true;

/** How long a consumer offer may take end to end (the transport's own limit is 10 s). */
const OFFER_RPC_TIMEOUT_MS = 11_000;

/**
 * Heartbeat: writes this process's load with a TTL, and returns the meetings it believes it is
 * home to (ARGV[4..]) whose home key names someone else (reaped while alive, or never claimed).
 */
const BEAT = `
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[1])
local lost = {}
for i = 5, #ARGV do
  if redis.call('GET', ARGV[4] .. ARGV[i]) ~= ARGV[1] then table.insert(lost, ARGV[i]) end
end
return lost`;

/**
 * Frees the meetings of every media process whose heartbeat key expired, atomically: exactly one
 * reaper gets each freed meeting back (and tells its people).
 */
const REAP = `
local freed = {}
for _, n in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. n) == 0 then
    for _, m in ipairs(redis.call('SMEMBERS', ARGV[2] .. n)) do
      if redis.call('GET', ARGV[3] .. m) == n then
        redis.call('DEL', ARGV[3] .. m)
        table.insert(freed, {m, n})
      end
    end
    redis.call('DEL', ARGV[2] .. n)
    redis.call('SREM', KEYS[1], n)
  end
end
return freed`;

/** Claims a free meeting for ARGV[1]; returns the home it has now (the winner of any race). */
const CLAIM = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('SADD', KEYS[2], ARGV[2])
  return ARGV[1]
end
return redis.call('GET', KEYS[1])`;

/** Gives a meeting up, only if this process is still its home. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('SREM', KEYS[2], ARGV[2])
return 1`;

type ClusterEvents = { closed: []; homeReset: [meetingId: string] };

export class MediaCluster extends EventEmitter<ClusterEvents> {
  readonly #o: MediaClusterOptions;
  readonly #local: MediaService;
  readonly #logger: Logger;
  readonly #keys: RedisKeys;
  readonly #heartbeatMs: number;
  readonly #rpcTimeoutMs: number;
  #pub: Redis | null = null;
  #sub: Redis | null = null;
  /** Meetings this process is home to (and verifies on every heartbeat). */
  readonly #owned = new Set<string>();
  /** Where each meeting's home was last seen (dropped on a reset or an unanswered request). */
  readonly #homes = new Map<string, string>();
  readonly #waiting = new Map<string, { resolve: (v: unknown) => void; timer: NodeJS.Timeout }>();
  readonly #signals = new Map<string, PeerSignal>();
  #timer: NodeJS.Timeout | null = null;
  #beating = false;
  /** Reaping waits for Redis to have been reachable a whole heartbeat lifetime (it may have been away). */
  #healthySince = 0;
  #closed = false;

  static async create(o: MediaClusterOptions): Promise<MediaCluster> {
    const c = new MediaCluster(o);
    await c.#start();
    return c;
  }

  private constructor(o: MediaClusterOptions) {
    super();
    this.#o = o;
    this.#local = o.local;
    this.#logger = o.logger.child({ component: 'media.cluster' });
    this.#keys = redisKeys(o.prefix ?? 'pc:');
    this.#heartbeatMs = o.heartbeatMs ?? 1000;
    this.#rpcTimeoutMs = o.rpcTimeoutMs ?? 4000;
  }

  get nodeId(): string {
    return this.#o.nodeId;
  }

  /** Whether meetings' media may live on other processes (Redis is configured). */
  get clustered(): boolean {
    return this.#pub !== null;
  }

  load(): MediaLoad {
    const s = this.#local.stats();
    return { meetings: s.routers, producers: s.producers, consumers: s.consumers };
  }

  async #start(): Promise<void> {
    // A meeting's router closed here (everyone's media is gone): give the meeting up.
    this.#local.on('meetingClosed', (meetingId) => this.#release(meetingId));
    if (!this.#o.redis) return;
    this.#pub = redisClient(this.#o.redis);
    this.#sub = redisClient(this.#o.redis);
    for (const r of [this.#pub, this.#sub]) r.on('error', (err) => this.#logger.warn({ err: err.message }, 'media redis error'));
    this.#sub.on('message', (_channel: string, message: string) => this.#onMessage(message));
    await this.#sub.subscribe(this.#keys.mediaRpc(this.#o.nodeId), this.#keys.mediaRpcAll);
    await this.#beat();
    this.#timer = setInterval(() => void this.#beat(), this.#heartbeatMs);
  }

  // --- what the transport calls --------------------------------------------------------------

  /** A media request from a socket of this process, answered here or by the meeting's home. Never throws. */
  async handle(session: Session | undefined, signal: PeerSignal, name: MediaCommandName, raw: unknown): Promise<MediaResult> {
    const result = await this.#route(session, signal, name, raw);
    if (name === 'createTransport' && result.ok && this.#o.turn) {
      // Fresh time-limited credentials with every transport, from the process the browser asked.
      return { ...result, iceServers: turnIceServers(this.#o.turn) } as MediaResult;
    }
    return result;
  }

  async #route(session: Session | undefined, signal: PeerSignal, name: MediaCommandName, raw: unknown): Promise<MediaResult> {
    // Refusals that need no router are answered here (and identically) before anything travels.
    if (!session || !this.clustered || this.#closed) return this.#local.handle(session, signal, name, raw);
    // A bad payload is refused here, exactly as the home would, without choosing a home for it.
    if (!mediaSchemas[name]?.safeParse(raw).success) return this.#local.handle(session, signal, name, raw);
    if (name === 'mediaLeave') {
      // Nothing to close where no home exists: never claim one for a goodbye.
      const home = await this.#lookupHome(session.meetingId).catch(() => null);
      if (!home) return { ok: true };
    }
    // Twice at most: a home that answers "not me" (or none) is looked up again.
    for (let attempt = 0; attempt < 2; attempt++) {
      let home: string;
      try {
        home = await this.#homeFor(session.meetingId);
      } catch (err) {
        this.#logger.warn({ err: (err as Error).message, meetingId: session.meetingId }, 'media home lookup failed');
        return unavailable();
      }
      if (home === this.#o.nodeId) {
        this.#owned.add(session.meetingId);
        return this.#local.handle(session, signal, name, raw);
      }
      const answer = await this.#request(home, 'handle', { session, name, raw }, this.#rpcTimeoutMs);
      if (answer !== undefined && !isNotHome(answer)) return answer as MediaResult;
      this.#homes.delete(session.meetingId);
      // No answer: the home may have died a moment ago; free it now if its heartbeat is gone.
      if (answer === undefined && this.#mayReap()) await this.#reap().catch(() => undefined);
    }
    return unavailable();
  }

  /** The person's session on this process ended: their media goes, wherever it lives. */
  onSessionEnded(meetingId: string, participantId: ParticipantId, connId?: string): void {
    this.#local.onSessionEnded(meetingId, participantId, connId);
    if (!this.clustered) return;
    void this.#lookupHome(meetingId)
      .then((home) => {
        if (home && home !== this.#o.nodeId) this.#publish(home, { t: 'ended', meetingId, participantId, ...(connId ? { connId } : {}) });
      })
      .catch(() => undefined);
  }

  /**
   * @internal Tests and the benchmark: a PlainTransport (RTP over UDP on 127.0.0.1) for a person,
   * on the meeting's home; `connectTo` sends a receiving one's RTP there. Returns its id and port.
   */
  async plainTransport(
    session: Session,
    direction: TransportDirection,
    connectTo?: { ip: string; port: number },
  ): Promise<{ transportId: string; port: number }> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const home = this.clustered ? await this.#homeFor(session.meetingId) : this.#o.nodeId;
      if (home === this.#o.nodeId) {
        this.#owned.add(session.meetingId);
        return this.#plainHere(session, this.#signalFor(session.connId), direction, connectTo);
      }
      const answer = await this.#request(home, 'plain', { session, direction, ...(connectTo ? { connectTo } : {}) }, this.#rpcTimeoutMs);
      if (answer && !isNotHome(answer)) {
        if ((answer as { error?: string }).error) throw new Error((answer as { error: string }).error);
        return answer as { transportId: string; port: number };
      }
      this.#homes.delete(session.meetingId);
    }
    throw new Error('no media home answered');
  }

  async #plainHere(
    session: Session,
    signal: PeerSignal,
    direction: TransportDirection,
    connectTo?: { ip: string; port: number },
  ): Promise<{ transportId: string; port: number }> {
    const t = await this.#local.createPlainTransport(session, signal, direction);
    if (connectTo) await t.connect(connectTo);
    return { transportId: t.id, port: t.tuple.localPort };
  }

  /** @internal Tests: the meeting's media home as Redis records it (null: none yet). */
  async homeOf(meetingId: string): Promise<string | null> {
    if (!this.#pub) return this.#local.meeting(meetingId) ? this.#o.nodeId : null;
    return this.#pub.get(this.#keys.mediaHome(meetingId));
  }

  /** Stops the heartbeat and gives up every meeting (their people are told to start again). Safe twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    for (const w of this.#waiting.values()) {
      clearTimeout(w.timer);
      w.resolve(undefined);
    }
    this.#waiting.clear();
    const pub = this.#pub;
    if (pub) {
      // A graceful stop hands its meetings over at once instead of after the heartbeat lapses.
      const owned = [...this.#owned];
      await Promise.allSettled(owned.map((m) => pub.eval(RELEASE, 2, this.#keys.mediaHome(m), this.#keys.mediaHomes(this.#o.nodeId), this.#o.nodeId, m)));
      await pub.del(this.#keys.mediaNode(this.#o.nodeId)).catch(() => undefined);
      await pub.srem(this.#keys.mediaNodes, this.#o.nodeId).catch(() => undefined);
      for (const m of owned) this.#publishAll({ t: 'reset', meetingId: m, home: this.#o.nodeId });
      this.#sub?.disconnect();
      await pub.quit().catch(() => pub.disconnect());
    }
    this.emit('closed');
  }

  // --- the home directory --------------------------------------------------------------------

  /** The meeting's home, claiming one (by load) when it has none. */
  async #homeFor(meetingId: string): Promise<string> {
    const known = this.#homes.get(meetingId);
    if (known) return known;
    const pub = this.#pub!;
    let home = await this.#lookupHome(meetingId);
    if (!home) {
      const chosen = await this.#leastLoaded();
      home = (await pub.eval(CLAIM, 2, this.#keys.mediaHome(meetingId), this.#keys.mediaHomes(chosen), chosen, meetingId)) as string;
      if (home === chosen) this.#logger.info({ meetingId, home }, 'media home chosen');
    }
    this.#homes.set(meetingId, home);
    return home;
  }

  async #lookupHome(meetingId: string): Promise<string | null> {
    if (!this.#pub) return this.#o.nodeId;
    const cached = this.#homes.get(meetingId);
    if (cached) return cached;
    return this.#pub.get(this.#keys.mediaHome(meetingId));
  }

  /**
   * The live media process with the least load (consumers and producers forwarded, plus one per
   * meeting); on a tie this process, which saves the first asker a hop.
   */
  async #leastLoaded(): Promise<string> {
    const pub = this.#pub!;
    const nodes = await pub.smembers(this.#keys.mediaNodes);
    const values = nodes.length ? await pub.mget(...nodes.map((n) => this.#keys.mediaNode(n))) : [];
    let best = this.#o.nodeId;
    let bestLoad = weight(this.load());
    nodes.forEach((n, i) => {
      const v = values[i];
      if (!v || n === this.#o.nodeId) return;
      const load = weight(JSON.parse(v) as MediaLoad);
      if (load < bestLoad || (load === bestLoad && n < best && best !== this.#o.nodeId)) {
        best = n;
        bestLoad = load;
      }
    });
    return best;
  }

  /** Does this process still hold `meetingId` in Redis? (A request may arrive after a move.) */
  async #ownsNow(meetingId: string): Promise<boolean> {
    if (this.#owned.has(meetingId)) return true;
    const home = await this.#pub!.get(this.#keys.mediaHome(meetingId));
    if (home !== this.#o.nodeId) return false;
    this.#owned.add(meetingId);
    return true;
  }

  #release(meetingId: string): void {
    if (!this.#owned.delete(meetingId) || !this.#pub) return;
    this.#homes.delete(meetingId);
    void this.#pub
      .eval(RELEASE, 2, this.#keys.mediaHome(meetingId), this.#keys.mediaHomes(this.#o.nodeId), this.#o.nodeId, meetingId)
      .catch((err: Error) => this.#logger.warn({ err: err.message, meetingId }, 'media home release failed'));
  }

  async #beat(): Promise<void> {
    // One beat at a time: a slow Redis must not pile them up.
    if (this.#closed || !this.#pub || this.#beating) return;
    this.#beating = true;
    const ttl = this.#heartbeatMs * 3;
    try {
      const owned = [...this.#owned];
      const lost = (await this.#pub.eval(
        BEAT,
        2,
        this.#keys.mediaNode(this.#o.nodeId),
        this.#keys.mediaNodes,
        this.#o.nodeId,
        JSON.stringify(this.load()),
        String(ttl),
        this.#keys.mediaHome(''),
        ...owned,
      )) as string[];
      for (const m of lost) {
        // Reaped while alive (a stall): another process may carry this meeting now. Forwarding it
        // here too would let two routers decide, so this one goes and its people start again.
        this.#owned.delete(m);
        this.#homes.delete(m);
        this.#logger.warn({ meetingId: m }, 'no longer the media home; closing its router here');
        this.#local.meeting(m)?.close();
        this.#o.reach.resetMeeting(m);
      }
      if (!this.#healthySince) this.#healthySince = Date.now();
      if (this.#mayReap()) await this.#reap();
    } catch (err) {
      this.#healthySince = 0;
      this.#logger.warn({ err: (err as Error).message }, 'media heartbeat failed');
    } finally {
      this.#beating = false;
    }
  }

  /** Redis has answered our beats for a whole heartbeat lifetime: others' lapsed beats are real. */
  #mayReap(): boolean {
    return this.#healthySince > 0 && Date.now() - this.#healthySince >= this.#heartbeatMs * 3;
  }

  /** Frees the meetings of dead media processes and tells their people, on every process. */
  async #reap(): Promise<void> {
    if (!this.#pub || this.#closed) return;
    const freed = (await this.#pub.eval(REAP, 1, this.#keys.mediaNodes, this.#keys.mediaNode(''), this.#keys.mediaHomes(''), this.#keys.mediaHome(''))) as [string, string][];
    for (const [meetingId, home] of freed) {
      this.#logger.warn({ meetingId, home }, 'media home lost; its people start their audio again');
      this.#publishAll({ t: 'reset', meetingId, home });
    }
  }

  // --- the RPC -------------------------------------------------------------------------------

  #publish(node: string, msg: Rpc): void {
    this.#pub?.publish(this.#keys.mediaRpc(node), JSON.stringify(msg)).catch((err: Error) => this.#logger.warn({ err: err.message }, 'media rpc publish failed'));
  }

  #publishAll(msg: Rpc): void {
    this.#pub?.publish(this.#keys.mediaRpcAll, JSON.stringify(msg)).catch((err: Error) => this.#logger.warn({ err: err.message }, 'media rpc publish failed'));
  }

  /** Sends a request to `node`; resolves with its answer, or undefined after `timeoutMs`. */
  #request(node: string, op: 'handle' | 'offer' | 'plain', body: unknown, timeoutMs: number): Promise<unknown> {
    if (this.#closed) return Promise.resolve(undefined);
    const id = randomUUID();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        this.#logger.warn({ node, op }, 'media rpc timed out');
        resolve(undefined);
      }, timeoutMs);
      this.#waiting.set(id, { resolve, timer });
      this.#publish(node, { t: 'req', id, from: this.#o.nodeId, op, body } as Rpc);
    });
  }

  #onMessage(message: string): void {
    let msg: Rpc;
    try {
      msg = JSON.parse(message) as Rpc;
    } catch {
      return;
    }
    switch (msg.t) {
      case 'res': {
        const w = this.#waiting.get(msg.id);
        if (!w) return;
        this.#waiting.delete(msg.id);
        clearTimeout(w.timer);
        w.resolve(msg.body);
        return;
      }
      case 'req':
        void this.#answer(msg).then(
          (body) => this.#publish(msg.from, { t: 'res', id: msg.id, body }),
          (err: Error) => this.#publish(msg.from, { t: 'res', id: msg.id, body: { error: err.message } }),
        );
        return;
      case 'push':
        this.#o.reach.notify(msg.socketId, msg.event, msg.payload);
        return;
      case 'ended':
        this.#local.onSessionEnded(msg.meetingId, msg.participantId, msg.connId);
        return;
      case 'reset':
        // Only what points at the lost home is dropped: a new home may already have been claimed
        // (by a request that timed out and reaped at once), and its router stays.
        if (this.#homes.get(msg.meetingId) === msg.home) this.#homes.delete(msg.meetingId);
        if (msg.home === this.#o.nodeId && this.#owned.delete(msg.meetingId)) this.#local.meeting(msg.meetingId)?.close();
        this.#o.reach.resetMeeting(msg.meetingId);
        this.emit('homeReset', msg.meetingId);
        return;
      default:
        assertNever(msg);
    }
  }

  async #answer(msg: Extract<Rpc, { t: 'req' }>): Promise<unknown> {
    switch (msg.op) {
      case 'handle': {
        const { session, name, raw } = msg.body;
        if (!(await this.#ownsNow(session.meetingId))) return NOT_HOME;
        return this.#local.handle(session, this.#signalFor(session.connId), name, raw);
      }
      case 'offer':
        return this.#o.reach.offer(msg.body.socketId, msg.body.info);
      case 'plain': {
        if (!this.#o.allowPlainRtp) return { error: 'plain RTP is off on this process' };
        const { session, direction, connectTo } = msg.body;
        if (!(await this.#ownsNow(session.meetingId))) return NOT_HOME;
        return this.#plainHere(session, this.#signalFor(session.connId), direction, connectTo);
      }
      default:
        return assertNever(msg);
    }
  }

  /**
   * How the home reaches a person whose socket may be on another process: the connection id
   * names the process (`<nodeId>:<socketId>`).
   */
  #signalFor(connId: string): PeerSignal {
    let s = this.#signals.get(connId);
    if (s) return s;
    const sep = connId.indexOf(':');
    const node = connId.slice(0, sep);
    const socketId = connId.slice(sep + 1);
    const here = node === this.#o.nodeId;
    s = {
      offerConsumer: async (info) => {
        if (here) return this.#o.reach.offer(socketId, info);
        return (await this.#request(node, 'offer', { socketId, info }, OFFER_RPC_TIMEOUT_MS)) === true;
      },
      notify: <K extends PushEvent>(event: K, payload: PushPayload<K>) => {
        if (here) this.#o.reach.notify(socketId, event, payload);
        else this.#publish(node, { t: 'push', socketId, event, payload });
      },
    };
    this.#signals.set(connId, s);
    // Bounded: connections come and go for the life of the process.
    if (this.#signals.size > 10_000) this.#signals.delete(this.#signals.keys().next().value!);
    return s;
  }
}

const weight = (l: MediaLoad): number => l.consumers + l.producers + l.meetings;

function unavailable(): MediaResult {
  return { ok: false, error: protocolError('unavailable', 'media.restarting') };
}

function assertNever(x: never): never {
  throw new Error(`unexpected rpc message ${JSON.stringify(x)}`);
}
