/**
 * RoomSession: one person's live seat in one meeting. Owns the socket, holds the latest server
 * snapshot (replaced whole, never mutated), derives what the screens need, sends commands, and
 * re-joins with the resume secret after every reconnect (rule S9).
 *
 * Shape (CONVENTIONS rule 5): `static async create()`, private constructor, `#private` state,
 * `close()` safe to call twice.
 */
import {
  LIMITS,
  PROTOCOL_VERSION,
  type Admission,
  type ClosingView,
  type EndReason,
  type MeetingId,
  type Profile,
  type Scales,
  type SignKind,
  type CommandName,
  type ParticipantId,
  type ParticipantView,
  type Phase,
  type Role,
  type RoomSnapshot,
} from '@peer-circle/shared';
import { fetchAttendance, type ApiResult } from '../net/api.ts';
import { call, openSocket, type AppSocket, type CallError, type PayloadOf } from '../net/socket.ts';
import { Clock, ServerClockOffset } from '../ui/clock.svelte.ts';
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
 * seat could not be restored (lost), the meeting itself was gone when we came back (notKept: a
 * server restart without Sentinel lost it), the leader removed me (removed, rule L2) or did not let
 * me in from the lobby (turnedAway, rule L1). No reason is ever given for the last two.
 */
export type EndedReason = 'superseded' | 'left' | 'leftElsewhere' | 'closed' | 'lost' | 'notKept' | 'removed' | 'turnedAway';

/** What the leader may change during the meeting (rule F6). */
export interface SettingsPatch {
  shareTimerMinutes?: number | null;
  signsEnabled?: boolean;
  admission?: Admission;
  autoPass?: boolean;
}

/** Anonymous feedback after the meeting (rule E2): each answer optional, at least one. */
export interface FeedbackAnswers {
  safe?: number;
  heard?: number;
  useful?: number;
  text?: string;
}

/** What "pass to next" would do right now (mirrors the server's rule S8/S4 choice). */
export type NextStep =
  | { kind: 'person'; person: ParticipantView }
  | { kind: 'roundEnd' }
  | { kind: 'nobody' };

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

/** A failed command, kept until the next command or dismissal; `at` makes repeats distinct. */
export interface CommandFailure {
  command: CommandName;
  error: CallError;
  at: number;
}

const RETRYABLE = new Set<CallError['code']>(['timeout', 'offline', 'rate_limited', 'internal']);
const FIRST_JOIN_TIMEOUT_MS = 15_000;
const REJOIN_RETRY_MS = [1_000, 2_000, 5_000, 10_000];

export class RoomSession {
  // --- reactive state -------------------------------------------------------------------------
  #snapshot = $state.raw<RoomSnapshot | null>(null);
  #me = $state.raw<Me | null>(null);
  #status = $state<ConnectionStatus>('connecting');
  #ended = $state<EndedReason | null>(null);
  #pending = $state<CommandName | null>(null);
  #failure = $state.raw<CommandFailure | null>(null);
  /** Ticks once a second, only while a countdown is on screen (closing warning, planned end). */
  readonly #clock = new Clock(1_000);
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
  #mine = $state<{ checkIn: boolean; feedbackGiven: boolean; concernsLeft: number }>({ checkIn: false, feedbackGiven: false, concernsLeft: LIMITS.concernsPerPerson });
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
  static async create(opts: RoomSessionOptions): Promise<RoomSession> {
    const session = new RoomSession(opts);
    try {
      await session.#start(opts.joinTimeoutMs ?? FIRST_JOIN_TIMEOUT_MS);
      return session;
    } catch (e) {
      session.close();
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
  /** The command waiting for its ack, if any (buttons show it and avoid double sends). */
  get pending(): CommandName | null {
    return this.#pending;
  }
  get failure(): CommandFailure | null {
    return this.#failure;
  }
  get closed(): boolean {
    return this.#closed;
  }
  /** The seat's socket, for the audio module: media signalling rides the same connection. */
  get socket(): AppSocket {
    return this.#socket;
  }

  // --- derived views --------------------------------------------------------------------------
  /** The meeting's phase; 'closed' too when it ended while we were away (no newer snapshot came). */
  readonly phase: Phase | null = $derived(this.#ended === 'closed' ? 'closed' : (this.#snapshot?.phase ?? null));
  readonly title: string = $derived(this.#snapshot?.title ?? '');
  /** People in the meeting now (including those reconnecting within the grace period). */
  readonly present: ParticipantView[] = $derived((this.#snapshot?.participants ?? []).filter((p) => p.present));
  /** Leader and participants, in seat order: the circle. */
  readonly circle: ParticipantView[] = $derived(this.present.filter((p) => p.role !== 'observer'));
  /** Observers listen apart from the circle. */
  readonly observers: ParticipantView[] = $derived(this.present.filter((p) => p.role === 'observer'));
  readonly byId: ReadonlyMap<ParticipantId, ParticipantView> = $derived(
    new Map((this.#snapshot?.participants ?? []).map((p) => [p.id, p])),
  );
  readonly self: ParticipantView | null = $derived(this.#me ? (this.byId.get(this.#me.id) ?? null) : null);
  /** My role now: it can change during the meeting (hand-over, rule F7). */
  readonly role: Role | null = $derived(this.self?.role ?? this.#me?.role ?? null);
  /** Leader or co-leader: has the leader's tools (rule F7). */
  readonly isLeader: boolean = $derived(
    this.#snapshot?.audience === 'leader' || this.role === 'leader' || (this.self?.coLeader ?? false),
  );
  /** The leader proper: only they may hand over or name co-leaders. */
  readonly isMainLeader: boolean = $derived(this.role === 'leader');
  readonly isObserver: boolean = $derived(this.role === 'observer');
  readonly holderId: ParticipantId | null = $derived(this.#snapshot?.stick.holderId ?? null);
  readonly holder: ParticipantView | null = $derived(this.holderId ? (this.byId.get(this.holderId) ?? null) : null);
  readonly iHoldStick: boolean = $derived(this.#me !== null && this.holderId === this.#me.id);
  /** The queue in order (rule S4: not yet spoken first, then fewer turns, then first come). */
  readonly queue: ParticipantView[] = $derived(
    (this.#snapshot?.queue ?? []).map((id) => this.byId.get(id)).filter((p): p is ParticipantView => p !== undefined),
  );
  /** 1-based place in the queue, or null when not waiting. */
  readonly myQueuePosition: number | null = $derived.by(() => {
    const me = this.#me;
    if (!me) return null;
    const i = (this.#snapshot?.queue ?? []).indexOf(me.id);
    return i === -1 ? null : i + 1;
  });
  /**
   * Leader only: people in the circle who have not taken a turn yet (a quiet aid to make room
   * for every voice, never shown to others). Empty for everyone else.
   */
  readonly notHeardYet: ParticipantView[] = $derived(
    this.isLeader ? this.circle.filter((p) => p.turns === 0 && p.id !== this.#me?.id) : [],
  );
  readonly round: { current: number; total: number } | null = $derived.by(() => {
    const r = this.#snapshot?.round;
    if (!r) return null;
    return { current: Math.min(r.index + 1, r.order.length), total: r.order.length };
  });
  /** "Come back to me" is possible: I hold the stick as the round's current person and have
   * not deferred in this round yet (rule F2). */
  readonly canDefer: boolean = $derived.by(() => {
    const r = this.#snapshot?.round;
    const me = this.#me?.id;
    if (!r || !me || !this.iHoldStick) return false;
    return r.order[r.index] === me && !r.deferred.includes(me);
  });
  /** Who "pass to next" gives the stick to: the next in the round, or the head of the queue. */
  readonly next: NextStep = $derived.by((): NextStep => {
    const s = this.#snapshot;
    if (!s) return { kind: 'nobody' };
    if (s.round) {
      const { order, index } = s.round;
      const holderId = s.stick.holderId;
      const start = holderId !== null && order[index] === holderId ? index + 1 : index;
      for (let i = start; i < order.length; i++) {
        const p = this.byId.get(order[i]!);
        if (p && p.present && p.role !== 'observer') return { kind: 'person', person: p };
      }
      return { kind: 'roundEnd' };
    }
    const head = this.queue[0];
    return head ? { kind: 'person', person: head } : { kind: 'nobody' };
  });
  /** Whom the leader may hand the stick to directly (rule S6): anyone in the circle but the holder. */
  readonly passTargets: ParticipantView[] = $derived(this.circle.filter((p) => p.id !== this.holderId));
  /** Commands can be sent: seated, connected, not ended. */
  readonly live: boolean = $derived(this.#status === 'connected' && this.#ended === null);

  /** Server time minus this device's time (ms), from the snapshots' `serverNow`. */
  get clockOffset(): number {
    return this.#serverClock.offset;
  }
  /** The closing warning in progress (rules C1-C3), while the meeting is open. */
  readonly closing: ClosingView | null = $derived(this.phase === 'open' ? (this.#snapshot?.closing ?? null) : null);
  /** Milliseconds until the meeting closes by itself (server time), ticking once a second; null without a warning. */
  readonly remainingMs: number | null = $derived.by(() => {
    const c = this.closing;
    if (!c) return null;
    return Math.max(0, c.endsAt - (this.#clock.now + this.#serverClock.offset));
  });
  /** Epoch ms (server clock) of the planned end of a meeting with a duration, before its warning. */
  readonly plannedEndAt: number | null = $derived(
    this.phase === 'open' && !this.closing ? (this.#snapshot?.plannedEndAt ?? null) : null,
  );
  /** Milliseconds until the group is warned by itself (rule C4), ticking; null without a planned end. */
  readonly untilAutoWarningMs: number | null = $derived.by(() => {
    const end = this.plannedEndAt;
    if (end === null) return null;
    const warnAt = end - (this.#snapshot?.settings.closingWarningMinutes ?? 0) * 60_000;
    return Math.max(0, warnAt - (this.#clock.now + this.#serverClock.offset));
  });

  /** A moment on the server's clock, as this device's epoch ms (for showing "ends at 19:30"). */
  toLocalTime(serverMs: number): number {
    return serverMs - this.#serverClock.offset;
  }

  // --- commands -------------------------------------------------------------------------------
  raiseHand = () => this.#command('raiseHand', {});
  lowerHand = () => this.#command('lowerHand', {});
  /** "I'm done": the holder gives the stick back after speaking. */
  releaseStick = () => this.#command('releaseStick', {});
  /** "Pass": the right to silence (rule S7), as ordinary as being done. */
  declineStick = () => this.#command('declineStick', {});
  /** Leader: to the next person (no `to`), or to a chosen person. */
  passStick = (to?: ParticipantId) => this.#command('passStick', to === undefined ? {} : { to });
  takeStick = () => this.#command('takeStick', {});
  startRound = () => this.#command('startRound', {});
  endRound = () => this.#command('endRound', {});
  startMeeting = () => this.#command('startMeeting', {});
  /** Leader: tell the group the meeting ends in `minutes` (default: the meeting's setting). */
  warnClosing = (minutes?: number) => this.#command('warnClosing', minutes === undefined ? {} : { minutes });
  /** Leader: move the end (of the warning, or the planned end) by `minutes`. */
  extendMeeting = (minutes: number) => this.#command('extendMeeting', { minutes });
  /**
   * Leader: close the meeting. An open meeting without a warning is only closed with `force`
   * (rule C2): the UI asks first, so people are not cut off without notice.
   */
  closeMeeting = (force?: boolean) => this.#command('closeMeeting', force ? { force: true } : {});
  /** "Come back to me" in a round (rule F2). */
  deferTurn = () => this.#command('deferTurn', {});
  /** Leader: change the share timer, signs, admission or auto pass (rule F6). */
  updateSettings = (patch: SettingsPatch) => this.#command('updateSettings', patch);
  /** Leader, before the start: the group's rules (rule F5). */
  setRules = (rules: string[]) => this.#command('setRules', { rules });
  /** Leader: the agenda; items sent with their id keep it (rule F4). */
  setAgenda = (items: { id?: string; text: string }[]) => this.#command('setAgenda', { items });
  setAgendaCurrent = (id: string | null) => this.#command('setAgendaCurrent', { id });
  /** Leader: let someone in from the lobby, or not (rule L1). */
  admit = (participantId: ParticipantId) => this.#command('admit', { participantId });
  turnAway = (participantId: ParticipantId) => this.#command('turnAway', { participantId });
  /** Leader: remove someone from the meeting; no reason is asked or given (rule L2). */
  removeParticipant = (participantId: ParticipantId) => this.#command('removeParticipant', { participantId });
  /** The leader hands leadership to someone else, and becomes a participant (rule F7). */
  handOver = (to: ParticipantId) => this.#command('handOver', { to });
  setCoLeader = (participantId: ParticipantId, on: boolean) => this.#command('setCoLeader', { participantId, on });
  /** A silent sign (rule F8). */
  sendSign = (kind: SignKind) => this.#command('sendSign', { kind });
  /** Participant: ask the leader, privately, to check in after the meeting (rule F9). */
  askCheckIn = async (on: boolean) => {
    const ok = await this.#command('askCheckIn', { on });
    if (ok) this.#mine = { ...this.#mine, checkIn: on };
    return ok;
  };
  get mine(): { checkIn: boolean; feedbackGiven: boolean; concernsLeft: number } {
    return this.#mine;
  }
  /** Observer notes and recommendation (rules O4, O6). */
  addNote = (scales: Partial<Scales>, text: string) => this.#command('addNote', { scales, text });
  deleteNote = (id: string) => this.#command('deleteNote', { id });
  saveRecommendation = (text: string) => this.#command('saveRecommendation', { text });
  publishRecommendation = () => this.#command('publishRecommendation', {});
  /** Anonymous feedback after closing (rule E2). */
  giveFeedback = async (answers: FeedbackAnswers) => {
    const ok = await this.#command('giveFeedback', answers);
    if (ok) this.#mine = { ...this.#mine, feedbackGiven: true };
    return ok;
  };
  /** Participant: an anonymous concern to the leader (rule E3). */
  raiseConcern = async (text: string) => {
    const ok = await this.#command('raiseConcern', { text });
    if (ok) this.#mine = { ...this.#mine, concernsLeft: Math.max(0, this.#mine.concernsLeft - 1) };
    return ok;
  };

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

  dismissFailure(): void {
    this.#failure = null;
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
    this.#clock.close();
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
    this.#runClock();
  }

  /** The clock ticks only while there is a deadline to count down to, aligned to its seconds. */
  #runClock(): void {
    const s = this.#snapshot;
    const end = this.#ended === null && s?.phase === 'open' ? (s.closing?.endsAt ?? s.plannedEndAt) : null;
    if (end === null || end === undefined) this.#clock.stop();
    else this.#clock.start(end - this.#serverClock.offset);
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

    if (this.#firstJoin) {
      // Before the first seat there is nothing to restore: the caller decides what to show.
      this.#firstJoin.reject(new JoinError(res.error));
      this.#firstJoin = null;
      return;
    }
    if (RETRYABLE.has(res.error.code)) {
      const delay = REJOIN_RETRY_MS[Math.min(this.#rejoinFailures, REJOIN_RETRY_MS.length - 1)]!;
      this.#rejoinFailures += 1;
      this.#retryTimer = setTimeout(() => {
        if (this.#socket.connected) void this.#join();
      }, delay);
      return;
    }
    this.#end(res.error.code === 'wrong_phase' ? 'closed' : this.#meetingVanished(res.error) ? 'notKept' : 'lost');
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
    this.#pending = null;
    clearTimeout(this.#retryTimer);
    this.#clock.stop();
    const meetingId = this.#snapshot?.meetingId ?? this.#meetingId;
    const role = this.#linkRole ?? this.#me?.role;
    if (meetingId && role) {
      // Superseded or left: this tab lets go, the browser may still offer "go back in".
      if (reason === 'closed' || reason === 'lost' || reason === 'notKept' || reason === 'removed' || reason === 'turnedAway') seats.forget(meetingId, role);
      else seats.forgetTab(meetingId, role);
    }
    this.#socket.disconnect();
  }

  async #command<C extends CommandName>(command: C, payload: PayloadOf<C>): Promise<boolean> {
    if (this.#ended !== null || this.#closed) return false;
    this.#failure = null;
    this.#pending = command;
    const res = await call(this.#socket, command, payload);
    if (this.#pending === command) this.#pending = null;
    if (!res.ok) {
      this.#failure = { command, error: res.error, at: Date.now() };
      return false;
    }
    return true;
  }
}
