/**
 * RoomConnection: one person's live seat in one meeting, the connection half of RoomSession.
 * Owns the socket, joins, keeps the latest server snapshot (replaced whole, never mutated) and
 * re-joins with the resume secret after every reconnect (rule S9). What the screens show is in
 * RoomView (views.svelte.ts), what the person does in RoomActions (actions.svelte.ts).
 *
 * Shape (CONVENTIONS rule 5): `static async create()`, private constructor, `#private` state,
 * `close()` safe to call twice.
 */
import {
  LIMITS,
  PROTOCOL_VERSION,
  type EndReason,
  type JoinResult,
  type MeetingId,
  type Profile,
  type ParticipantId,
  type Role,
  type RoomSnapshot,
} from '@peer-circle/shared';
import { fetchAttendance, type ApiResult } from '../net/api.ts';
import { call, openSocket, type AppSocket, type CallError, type PayloadOf } from '../net/socket.ts';
import { ServerClockOffset } from '../ui/clock.svelte.ts';
import { seats } from './seats.ts';

export const ConnectionStatus = {
  connecting: 'connecting',
  connected: 'connected',
  reconnecting: 'reconnecting',
  offline: 'offline',
  /** Waiting in the lobby for the leader to let us in (rule L1): no snapshot yet. */
  lobby: 'lobby',
  ended: 'ended',
} as const;
export type ConnectionStatus = (typeof ConnectionStatus)[keyof typeof ConnectionStatus];

/**
 * Why this session stopped: the server moved the seat to another tab (superseded), I left,
 * I left from another tab (leftElsewhere), the meeting ended while I was away (closed), the
 * seat could not be restored (lost), the leader removed me (removed, rule L2) or did not let me
 * in from the lobby (turnedAway, rule L1). No reason is ever given for the last two.
 */
export type EndedReason = 'superseded' | 'left' | 'leftElsewhere' | 'closed' | 'lost' | 'notKept' | 'removed' | 'turnedAway';

/** What only this person knows about their own seat: from the join answer, then kept here. */
export type Mine = NonNullable<JoinResult['mine']>;

export interface Me {
  id: ParticipantId;
  role: Role;
}

export interface RoomSessionOptions {
  token: string;
  name: string;
  /** Resume secret of an earlier seat in this meeting. */
  resume?: string | undefined;
  /** Choices made at joining (rules O2, E4); all optional. */
  profile?: Profile | undefined;
  namedToObservers?: boolean | undefined;
  inAttendance?: boolean | undefined;
  /** The meeting and the link's role, known from the lookup: the seat is kept under them even
   * before a snapshot came (lobby) and after the role changed (hand-over). */
  meetingId?: MeetingId | undefined;
  linkRole?: Role | undefined;
  /** For tests: another socket factory. */
  socketFactory?: () => AppSocket;
  /** How long to wait for the first connection and join before giving up. */
  joinTimeoutMs?: number;
}

/** The first join failed: `error.code` tells why (server code, or `timeout` / `offline`). */
export class JoinError extends Error {
  constructor(readonly error: CallError) {
    super(error.message || error.code);
    this.name = 'JoinError';
  }
}

const RETRYABLE = new Set<CallError['code']>(['timeout', 'offline', 'rate_limited', 'internal']);
/**
 * "The meeting is very busy" (`conflict`, key `meeting.busy`): the server gave up on its own
 * retries, e.g. while a hundred people reconnect at once. Please try again: not an end.
 */
const isBusy = (e: CallError): boolean => e.code === 'conflict' && e.key === 'meeting.busy';
const FIRST_JOIN_TIMEOUT_MS = 15_000;
const REJOIN_RETRY_MS = [1_000, 2_000, 5_000, 10_000];

export class RoomConnection {
  // --- reactive state -------------------------------------------------------------------------
  #snapshot = $state.raw<RoomSnapshot | null>(null);
  #me = $state.raw<Me | null>(null);
  #status = $state<ConnectionStatus>('connecting');
  #ended = $state<EndedReason | null>(null);
  readonly #serverClock = new ServerClockOffset();

  // --- plain fields ---------------------------------------------------------------------------
  readonly #socket: AppSocket;
  readonly #token: string;
  #name: string;
  #resume: string | undefined;
  readonly #choices: Pick<RoomSessionOptions, 'profile' | 'namedToObservers' | 'inAttendance'>;
  readonly #meetingId: MeetingId | undefined;
  readonly #linkRole: Role | undefined;
  #joinAttempt = 0;
  /** The current connection has been answered by a successful join. */
  #seated = false;
  #rejoinFailures = 0;
  /** The last join answered "wait in the lobby" (stays true while reconnecting from there). */
  #lobbyNow = $state(false);
  /** What only I know about my seat (check-in asked, concerns left, feedback given): from the join answer, then kept here. */
  #mine = $state.raw<Mine>({ checkIn: false, feedbackGiven: false, concernsLeft: LIMITS.concernsPerPerson });
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #leaving = false;
  #closed = false;
  #closeListeners = new Set<() => void>();
  /** Settles the promise of `create()` once the first join is answered. */
  #firstJoin: { resolve: () => void; reject: (e: JoinError) => void } | null = null;

  private constructor(opts: RoomSessionOptions) {
    this.#token = opts.token;
    this.#name = opts.name;
    this.#resume = opts.resume;
    this.#choices = { profile: opts.profile, namedToObservers: opts.namedToObservers, inAttendance: opts.inAttendance };
    this.#meetingId = opts.meetingId;
    this.#linkRole = opts.linkRole;
    this.#socket = (opts.socketFactory ?? openSocket)();
  }

  /** Connects and joins. Resolves once the server has seated us; rejects with a JoinError. */
  static async create(opts: RoomSessionOptions): Promise<RoomConnection> {
    const connection = new RoomConnection(opts);
    try {
      await connection.#start(opts.joinTimeoutMs ?? FIRST_JOIN_TIMEOUT_MS);
      return connection;
    } catch (e) {
      connection.close();
      throw e;
    }
  }

  // --- public reads ---------------------------------------------------------------------------
  get snapshot(): RoomSnapshot | null {
    return this.#snapshot;
  }
  get me(): Me | null {
    return this.#me;
  }
  get status(): ConnectionStatus {
    return this.#status;
  }
  get ended(): EndedReason | null {
    return this.#ended;
  }
  /** The role of the link this page was opened with (the attendance list needs the leader's). */
  get linkRole(): Role | null {
    return this.#linkRole ?? this.#me?.role ?? null;
  }
  /** Waiting in the lobby for the leader (rule L1). */
  get inLobby(): boolean {
    return this.#lobbyNow && this.#ended === null;
  }
  get closed(): boolean {
    return this.#closed;
  }
  /**
   * The seat's socket, for the audio module (media signalling rides the same connection) and for
   * pushes to this connection only that another feature handles (a group's facilitator link, G5).
   */
  get socket(): AppSocket {
    return this.#socket;
  }

  /** Commands can be sent: seated, connected, not ended. */
  readonly live: boolean = $derived(this.#status === 'connected' && this.#ended === null);

  /** Server time minus this device's time (ms), from the snapshots' `serverNow`. */
  get clockOffset(): number {
    return this.#serverClock.offset;
  }

  /** What only I know about my seat (check-in asked, feedback given, concerns left). */
  get mine(): Mine {
    return this.#mine;
  }

  /** A command about my own seat succeeded: remember it (the server never sends it in a snapshot). */
  updateMine(patch: Partial<Mine>): void {
    this.#mine = { ...this.#mine, ...patch };
  }

  /**
   * Leader or co-leader: the attendance summary as CSV (rule E4). With another role's link the
   * seat's resume secret shows the server that this seat leads now (F7).
   */
  attendance(): Promise<ApiResult<Blob>> {
    return fetchAttendance(this.#token, this.linkRole === 'leader' ? undefined : this.#resume);
  }

  /** Leaves the meeting: the seat is given up on the server and this session ends. */
  async leave(): Promise<void> {
    if (this.#ended !== null || this.#closed) return;
    this.#leaving = true;
    if (this.#socket.connected) await call(this.#socket, 'leave', {}, 5_000);
    this.#end('left');
  }

  /** Registers a listener for `close()`. Returns the unsubscribe function. */
  onClose(listener: () => void): () => void {
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /** Disconnects and releases everything. Safe to call twice. The last snapshot stays readable. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#socket.off('connect', this.#onConnect);
    this.#socket.off('disconnect', this.#onDisconnect);
    this.#socket.off('state', this.#onState);
    this.#socket.off('ended', this.#onEnded);
    this.#socket.off('admitted', this.#onAdmitted);
    this.#socket.disconnect();
    if (typeof window !== 'undefined') {
      window.removeEventListener('online', this.#onOnline);
      window.removeEventListener('offline', this.#onOffline);
    }
    if (this.#status !== 'ended') this.#status = 'ended';
    this.#firstJoin?.reject(new JoinError({ code: 'offline', message: '' }));
    this.#firstJoin = null;
    for (const listener of this.#closeListeners) listener();
    this.#closeListeners.clear();
  }

  // --- internals ------------------------------------------------------------------------------
  #start(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#firstJoin = null;
        reject(new JoinError({ code: this.#socket.connected ? 'timeout' : 'offline', message: '' }));
      }, timeoutMs);
      this.#firstJoin = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.#socket.on('connect', this.#onConnect);
      this.#socket.on('disconnect', this.#onDisconnect);
      this.#socket.on('state', this.#onState);
      this.#socket.on('ended', this.#onEnded);
      this.#socket.on('admitted', this.#onAdmitted);
      if (typeof window !== 'undefined') {
        window.addEventListener('online', this.#onOnline);
        window.addEventListener('offline', this.#onOffline);
      }
      this.#socket.connect();
    });
  }

  #onConnect = (): void => {
    if (this.#ended !== null || this.#closed) return;
    void this.#join();
  };

  #onDisconnect = (reason: string): void => {
    if (this.#ended !== null || this.#closed) return;
    // Any join still in flight belongs to the old connection.
    this.#joinAttempt += 1;
    this.#seated = false;
    this.#status = typeof navigator !== 'undefined' && navigator.onLine === false ? 'offline' : 'reconnecting';
    // Socket.IO retries by itself except when the server closed the connection on purpose
    // without ending our session (e.g. a restart): then we knock again after a moment.
    if (reason === 'io server disconnect') this.#scheduleReconnect();
  };

  #onOnline = (): void => {
    if (this.#ended !== null || this.#closed) return;
    if (this.#socket.connected) {
      // The connection survived the blip: nothing was lost.
      if (this.#seated) this.#status = this.#lobbyNow ? 'lobby' : 'connected';
      return;
    }
    this.#status = 'reconnecting';
    this.#socket.connect();
  };

  #onOffline = (): void => {
    if (this.#ended !== null || this.#closed) return;
    this.#status = 'offline';
  };

  #onState = (snapshot: RoomSnapshot): void => {
    this.#serverClock.sample(snapshot.serverNow);
    this.#apply(snapshot);
  };

  #onEnded = (info: { reason: EndReason }): void => {
    switch (info.reason) {
      case 'superseded':
      case 'removed':
      case 'turnedAway':
        this.#end(info.reason);
        return;
      default:
        this.#end(this.#leaving ? 'left' : 'leftElsewhere');
    }
  };

  /** The leader let us in from the lobby: join again with the resume secret (rule L1). */
  #onAdmitted = (): void => {
    if (this.#ended !== null || this.#closed) return;
    void this.#join();
  };

  /** Keeps the newest snapshot: versions only go up, and every snapshot is complete. */
  #apply(snapshot: RoomSnapshot): void {
    const current = this.#snapshot;
    if (current && (snapshot.meetingId !== current.meetingId || snapshot.version <= current.version)) return;
    this.#snapshot = snapshot;
    if (snapshot.phase === 'closed' && this.#me) seats.forget(snapshot.meetingId, this.#linkRole ?? this.#me.role);
  }

  async #join(): Promise<void> {
    const attempt = ++this.#joinAttempt;
    clearTimeout(this.#retryTimer);
    const payload: PayloadOf<'join'> = { token: this.#token, name: this.#name, protocolVersion: PROTOCOL_VERSION };
    if (this.#resume !== undefined) payload.resume = this.#resume;
    const { profile, namedToObservers, inAttendance } = this.#choices;
    if (profile !== undefined) payload.profile = profile;
    if (namedToObservers !== undefined) payload.namedToObservers = namedToObservers;
    if (inAttendance !== undefined) payload.inAttendance = inAttendance;
    const res = await call(this.#socket, 'join', payload);
    if (attempt !== this.#joinAttempt || this.#closed || this.#ended !== null) return;

    if (res.ok) {
      this.#rejoinFailures = 0;
      this.#seated = true;
      this.#resume = res.resume;
      this.#me = res.me;
      if (res.mine) this.#mine = res.mine;
      if (res.state) {
        this.#serverClock.sample(res.state.serverNow);
        this.#apply(res.state);
        const self = res.state.participants.find((p) => p.id === res.me.id);
        if (self) this.#name = self.name;
      }
      const meetingId = res.state?.meetingId ?? this.#meetingId;
      if (meetingId) {
        seats.save({ meetingId, role: this.#linkRole ?? res.me.role, participantId: res.me.id, name: this.#name, resume: res.resume });
      }
      this.#lobbyNow = res.lobby || !res.state;
      this.#status =
        res.lobby || !res.state ? 'lobby' : typeof navigator !== 'undefined' && navigator.onLine === false ? 'offline' : 'connected';
      this.#firstJoin?.resolve();
      this.#firstJoin = null;
      return;
    }

    if (res.error.code === 'not_found' && res.error.key === 'join.seatGone' && this.#resume !== undefined) {
      // B1: the seat was pruned (gone past the grace period): take a new one under the same name
      // and choices, as the person would by opening the link again.
      this.#resume = undefined;
      void this.#join();
      return;
    }
    if (this.#firstJoin && isBusy(res.error)) {
      // Within the first join's time limit: knock again after a moment.
      this.#retryJoin();
      return;
    }
    if (this.#firstJoin) {
      // Before the first seat there is nothing to restore: the caller decides what to show.
      this.#firstJoin.reject(new JoinError(res.error));
      this.#firstJoin = null;
      return;
    }
    if (RETRYABLE.has(res.error.code) || isBusy(res.error)) {
      this.#retryJoin();
      return;
    }
    // S12: the leader link's seat went to another device while this page was away: say so
    // (and offer to continue here) instead of taking it back by reconnecting.
    if (res.error.key === 'join.seatElsewhere') return this.#end('superseded');
    this.#end(res.error.code === 'wrong_phase' ? 'closed' : this.#meetingVanished(res.error) ? 'notKept' : 'lost');
  }

  /**
   * Joins again after a pause that grows with each failure; randomised by up to half, so that a
   * hundred pages refused at the same moment do not all come back at the same moment.
   */
  #retryJoin(): void {
    const delay = REJOIN_RETRY_MS[Math.min(this.#rejoinFailures, REJOIN_RETRY_MS.length - 1)]!;
    this.#rejoinFailures += 1;
    this.#retryTimer = setTimeout(() => {
      if (this.#socket.connected) void this.#join();
    }, delay * (0.5 + Math.random() / 2));
  }

  /**
   * We were in the meeting, and now the server knows neither the link nor the meeting: it was
   * not closed (that would be `wrong_phase`) nor expired (it was live a moment ago), so the
   * server's store lost it, as a Redis restart without Sentinel does.
   */
  #meetingVanished(error: CallError): boolean {
    return error.code === 'not_found' && (error.key === 'link.unknown' || error.key === 'meeting.gone') && this.#snapshot !== null;
  }

  #scheduleReconnect(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      if (this.#ended === null && !this.#closed && !this.#socket.connected) this.#socket.connect();
    }, 1_000);
  }

  /** The session is over on the server's side: stop reconnecting, keep the last picture. */
  #end(reason: EndedReason): void {
    if (this.#ended !== null) return;
    this.#ended = reason;
    this.#status = 'ended';
    clearTimeout(this.#retryTimer);
    const meetingId = this.#snapshot?.meetingId ?? this.#meetingId;
    const role = this.#linkRole ?? this.#me?.role;
    if (meetingId && role) {
      // Superseded or left: this tab lets go, the browser may still offer "go back in".
      if (reason === 'closed' || reason === 'lost' || reason === 'notKept' || reason === 'removed' || reason === 'turnedAway') seats.forget(meetingId, role);
      else seats.forgetTab(meetingId, role);
    }
    this.#socket.disconnect();
  }
}
