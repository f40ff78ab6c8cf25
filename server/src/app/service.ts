/**
 * RoomService: load -> decide -> commit (retry on conflict) -> publish. The only place that
 * writes rooms. Deadlines (the grace period of dropped connections) are data in the state,
 * indexed by the store and fired by an idempotent tick that any live server may run.
 */
import type { Logger } from 'pino';
import {
  LOCALE_DATA,
  protocolError,
  type CreateMeetingBody,
  type JoinResult,
  type ParticipantId,
  type Payload,
  type ProtocolError,
  type Role,
  type RoomSnapshot,
} from '@peer-circle/shared';
import { newId, newSecret, sha256 } from '../lib/ids.ts';
import { audienceOf, createRoom, decide, joinedPlace, leads, mineOf, nextDeadline, toSnapshot, type Actor, type Command, type RoomEvent, type RoomState } from '../room/index.ts';
import type { CommitOptions, RoomStore, TokenGrant } from '../store/port.ts';
import { meetingRecord, summaryFromRecord, summaryFromState, type AttendanceSummary } from './record.ts';

export interface ServiceOptions {
  store: RoomStore;
  logger: Logger;
  clock?: () => number;
  /** Seconds an open meeting is kept after its last change. */
  openTtlSeconds: number;
  /** Seconds a closed meeting (with the names in it) is kept after closing: personal data retention. */
  closedTtlSeconds: number;
  /** Seconds the anonymous record of a closed meeting is kept after closing (rule E5). */
  recordTtlSeconds: number;
  graceSeconds: number;
  /** k of rules O7, E6, E7: copied into each new meeting's settings, since the core reads no environment. */
  privacyMinGroup: number;
}

export interface Committed {
  state: RoomState;
  /** The participants' snapshot of this commit (the public part every audience shares). */
  snapshot: RoomSnapshot;
  events: RoomEvent[];
}

/**
 * A committed change as every process learns of it: the participants' snapshot (its `version`
 * orders changes) and the events. Never the full state: no resume hashes travel between processes.
 */
export interface RoomChange {
  meetingId: string;
  version: number;
  snapshot: RoomSnapshot;
  events: RoomEvent[];
}

/**
 * Carries changes committed on one process to the others (with Redis: through the Socket.IO
 * adapter's stream, like the snapshots themselves). `subscribe` delivers only other processes'.
 */
export interface ChangeBus {
  publish(change: RoomChange): void;
  subscribe(listener: (change: RoomChange) => void): void;
}

/** Who holds a seat (or a lobby place) through which connection. The role comes from the link. */
export interface Session {
  meetingId: string;
  participantId: ParticipantId;
  role: Role;
  /** `${nodeId}:${socketId}`: which connection holds the seat. */
  connId: string;
}

/** What the service asks of a `join` (validated at the edge). */
export type JoinRequest = Omit<Payload<'join'>, 'token' | 'protocolVersion'>;

/** Where a join put the person: in the room (with their first snapshot) or in the lobby (L1). */
export type JoinOutcome =
  | { ok: false; error: ProtocolError }
  | { ok: true; session: Session; result: JoinResult };

export type ExecResult = { ok: true; changed: boolean; state: RoomState; events: RoomEvent[] } | { ok: false; error: ProtocolError };

const MAX_ATTEMPTS = 20;

export class RoomService {
  readonly #store: RoomStore;
  readonly #log: Logger;
  readonly #listeners = new Set<(c: Committed) => void>();
  readonly #changeListeners = new Set<(c: RoomChange) => void>();
  #bus: ChangeBus | null = null;
  readonly clock: () => number;
  readonly #opts: ServiceOptions;
  readonly #resolvers: ((tokenHash: string) => Promise<TokenGrant | null>)[] = [];

  /** k for new meetings' statistics (O7, E6, E7): PRIVACY_MIN_GROUP; meetings opened by groups use it too. */
  get privacyMinGroup(): number {
    return this.#opts.privacyMinGroup;
  }

  constructor(opts: ServiceOptions) {
    this.#store = opts.store;
    this.#log = opts.logger;
    this.clock = opts.clock ?? Date.now;
    this.#opts = opts;
  }

  /** Shares committed changes with the other server processes (with Redis), both ways. */
  shareChanges(bus: ChangeBus): void {
    this.#bus = bus;
    bus.subscribe((c) => this.#changed(c));
  }

  get store(): RoomStore {
    return this.#store;
  }

  /** Called after every commit made through this service (on this process), with the full state. */
  onCommitted(listener: (c: Committed) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Called after every commit to any room, made on this process or (through the bus) on another:
   * what follows the domain without deciding it (audio) listens here. Changes may arrive out of
   * order across processes: compare `version`.
   */
  onChange(listener: (c: RoomChange) => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  commitOptions(state: RoomState): CommitOptions {
    return {
      ttlSeconds: state.phase === 'closed' ? this.#sinceClosed(state, this.#opts.closedTtlSeconds) : this.#opts.openTtlSeconds,
      deadline: nextDeadline(state),
    };
  }

  /**
   * Retention is counted from the close (E5): feedback or a reconnection after closing must not
   * keep names longer. At least a moment, so the commit itself is never a deletion.
   */
  #sinceClosed(state: RoomState, ttlSeconds: number): number {
    const closedAt = state.closedAt ?? this.clock();
    return Math.max(0.001, (closedAt + ttlSeconds * 1000 - this.clock()) / 1000);
  }

  async createMeeting(body: CreateMeetingBody): Promise<{ meetingId: string; tokens: Record<Role, string> }> {
    const tokens: Record<Role, string> = { leader: newSecret(), participant: newSecret(), observer: newSecret() };
    const meetingId = newId();
    const language = body.language ?? 'en';
    const state = createRoom({
      meetingId,
      title: body.title,
      now: this.clock(),
      settings: {
        closingWarningMinutes: body.closingWarningMinutes ?? 5,
        autoPass: body.autoPass ?? false,
        rules: body.rules ?? [...LOCALE_DATA[language].defaultRules],
        leaderAlwaysHeard: body.leaderAlwaysHeard ?? true,
        graceSeconds: this.#opts.graceSeconds,
        durationMinutes: body.durationMinutes ?? null,
        shareTimerMinutes: body.shareTimerMinutes ?? null,
        admission: body.admission ?? 'open',
        signsEnabled: body.signsEnabled ?? true,
        language,
        privacyMinGroup: this.#opts.privacyMinGroup,
      },
      agenda: body.agenda,
      tokenHashes: { leader: sha256(tokens.leader), participant: sha256(tokens.participant), observer: sha256(tokens.observer) },
    });
    await this.#store.create(state, this.commitOptions(state));
    this.#log.info({ meetingId }, 'meeting created');
    return { meetingId, tokens };
  }

  /**
   * Other places a link may come from (a weekly group's links open its current meeting, G3):
   * asked in order when the token is not a meeting's own.
   */
  addTokenResolver(resolve: (tokenHash: string) => Promise<TokenGrant | null>): void {
    this.#resolvers.push(resolve);
  }

  async #grant(hash: string): Promise<TokenGrant | null> {
    const own = await this.#store.resolveToken(hash);
    if (own) return own;
    for (const resolve of this.#resolvers) {
      const g = await resolve(hash);
      if (g) return g;
    }
    return null;
  }

  async resolveToken(token: string): Promise<(TokenGrant & { state: RoomState }) | null> {
    const grant = await this.#grant(sha256(token));
    if (!grant) return null;
    const state = await this.#store.load(grant.meetingId);
    return state ? { ...grant, state } : null;
  }

  async load(meetingId: string): Promise<RoomState | null> {
    return this.#store.load(meetingId);
  }

  /**
   * Takes a new seat, or restores one with the resume secret (rule S9); with `leader-admits`, a
   * place in the lobby (L1). The role is the link's (`grant`), never the client's say.
   */
  async join(grant: TokenGrant, req: JoinRequest, connId: string): Promise<JoinOutcome> {
    const resume = req.resume ?? newSecret();
    const resumeHash = sha256(resume);
    const { meetingId, role } = grant;
    const cmd: Command = req.resume
      ? { type: 'resume', resumeHash, role, connId }
      : { type: 'join', participantId: newId(), name: req.name, role, resumeHash, connId, profile: req.profile, namedToObservers: req.namedToObservers, inAttendance: req.inAttendance };
    const r = await this.execute(meetingId, { kind: 'system' }, cmd);
    if (!r.ok) return r;
    const place = joinedPlace(r.state, r.events);
    if (!place) {
      this.#log.error({ meetingId }, 'join committed but the seat is neither in the room nor in the lobby');
      return { ok: false, error: protocolError('internal', 'internal.tryAgain') };
    }
    if (place.lobby) {
      // L1: no snapshot, no names until the leader admits this connection.
      const { id, role: seatRole } = place.lobby;
      this.#log.info({ meetingId, participantId: id, role: seatRole }, 'waiting in the lobby');
      return { ok: true, session: { meetingId, participantId: id, role: seatRole, connId }, result: { me: { id, role: seatRole }, resume, state: null, lobby: true, mine: null } };
    }
    const seat = place.seat;
    // The seat's role as it is now (a handed-over role stays handed over, F7).
    const me = { id: seat.id, role: seat.role };
    const state = toSnapshot(r.state, this.clock(), audienceOf(seat));
    this.#log.info({ meetingId, participantId: seat.id, role: seat.role, resumed: Boolean(req.resume) }, 'joined');
    return { ok: true, session: { meetingId, participantId: seat.id, role: seat.role, connId }, result: { me, resume, state, lobby: false, mine: mineOf(seat) } };
  }

  /** A connection dropped: its seat's (or lobby place's) grace period starts (S9, L1). */
  async disconnect(s: Pick<Session, 'meetingId' | 'participantId' | 'connId'>): Promise<ExecResult> {
    return this.execute(s.meetingId, { kind: 'system' }, { type: 'disconnect', participantId: s.participantId, connId: s.connId });
  }

  /**
   * The attendance summary for a leader link (E4), or null for any other link. Once the room
   * and its names are gone, the anonymous record still gives the counts (E5).
   */
  async attendance(token: string, resume?: string): Promise<AttendanceSummary | null> {
    const hash = sha256(token);
    const grant = await this.#grant(hash);
    if (grant) {
      const state = await this.#store.load(grant.meetingId);
      if (grant.role === 'leader') return state ? summaryFromState(state) : null;
      // F7: whoever leads now (co-leader, or the leader by hand-over) proves it with their seat.
      const seat = resume && state ? state.participants.find((p) => p.resumeHash === sha256(resume)) : undefined;
      return state && seat && seat.linkRole === grant.role && seat.present && !seat.removed && leads(seat) ? summaryFromState(state) : null;
    }
    const meetingId = await this.#store.resolveRecordToken(hash);
    const record = meetingId ? await this.#store.loadRecord(meetingId) : null;
    return record && record.leaderTokenHash === hash ? summaryFromRecord(record) : null;
  }

  /** Runs one command against a room, retrying when another process committed in between. */
  async execute(meetingId: string, actor: Actor, cmd: Command): Promise<ExecResult> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const state = await this.#store.load(meetingId);
      if (!state) return { ok: false, error: protocolError('not_found', 'meeting.gone') };
      const now = this.clock();
      const d = decide(state, cmd, { now, actor });
      if (!d.ok) return d;
      if (!d.changed) return { ok: true, changed: false, state, events: [] };
      const res = await this.#store.commit(meetingId, state.version, d.state, this.commitOptions(d.state));
      if (res === 'ok') {
        if (d.state.phase === 'closed') await this.#saveRecord(d.state);
        const snapshot = toSnapshot(d.state, now);
        this.#publish({ state: d.state, snapshot, events: d.events });
        const change: RoomChange = { meetingId, version: d.state.version, snapshot, events: d.events };
        this.#changed(change);
        this.#share(change);
        return { ok: true, changed: true, state: d.state, events: d.events };
      }
      // Lost a race with another process: reload and decide again on the newer state.
      await new Promise((r) => setTimeout(r, Math.min(50, 2 ** attempt) * Math.random()));
    }
    this.#log.warn({ meetingId, cmd: cmd.type }, 'gave up after repeated commit conflicts');
    return { ok: false, error: protocolError('conflict', 'meeting.busy') };
  }

  /** Keeps the anonymous record up to date (feedback may still come after closing). */
  async #saveRecord(state: RoomState): Promise<void> {
    try {
      await this.#store.saveRecord(meetingRecord(state), this.#sinceClosed(state, this.#opts.recordTtlSeconds));
    } catch (err) {
      // The commit stands; the next commit of this closed meeting writes the record again.
      this.#log.error({ err, meetingId: state.meetingId }, 'saving the anonymous record failed');
    }
  }

  #publish(c: Committed): void {
    for (const l of this.#listeners) {
      try {
        l(c);
      } catch (err) {
        this.#log.error({ err, meetingId: c.state.meetingId }, 'commit listener failed');
      }
    }
  }

  #share(c: RoomChange): void {
    try {
      this.#bus?.publish(c);
    } catch (err) {
      // The commit stands; other processes catch up with the room's next change.
      this.#log.error({ err, meetingId: c.meetingId }, 'sharing a change failed');
    }
  }

  #changed(c: RoomChange): void {
    for (const l of this.#changeListeners) {
      try {
        l(c);
      } catch (err) {
        this.#log.error({ err, meetingId: c.meetingId }, 'change listener failed');
      }
    }
  }

  /** Fires due deadlines. Safe to run on every process at once: `tick` is idempotent. */
  async fireDeadlines(limit = 100): Promise<number> {
    const due = await this.#store.dueRooms(this.clock(), limit);
    let fired = 0;
    for (const meetingId of due) {
      const r = await this.execute(meetingId, { kind: 'system' }, { type: 'tick' });
      if (r.ok && r.changed) fired += 1;
      // The room expired with a deadline still indexed: forget it, or it stays due for ever.
      else if (!r.ok && r.error.code === 'not_found') await this.#store.dropDeadline(meetingId);
    }
    return fired;
  }

  /** Marks connections held by dead server processes as dropped, so their grace period starts. */
  async reapLostNodes(selfId: string): Promise<void> {
    for (const { nodeId, meetingIds } of await this.#store.lostNodes()) {
      if (nodeId === selfId) continue;
      for (const meetingId of meetingIds) await this.execute(meetingId, { kind: 'system' }, { type: 'nodeLost', nodeId });
      await this.#store.forgetNode(nodeId);
      this.#log.info({ nodeId, rooms: meetingIds.length }, 'reaped a lost server process');
    }
  }
}
