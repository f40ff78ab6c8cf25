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

/** A link as a join presents it: what it grants, and which link it is (sha256, rule S12). */
export type JoinGrant = TokenGrant & { linkHash?: string };

/** What the service asks of a `join` (validated at the edge). */
export type JoinRequest = Omit<Payload<'join'>, 'token' | 'protocolVersion'>;

/** Where a join put the person: in the room (with their first snapshot) or in the lobby (L1). */
export type JoinOutcome =
  | { ok: false; error: ProtocolError }
  | { ok: true; session: Session; result: JoinResult };

export type ExecResult = { ok: true; changed: boolean; state: RoomState; events: RoomEvent[] } | { ok: false; error: ProtocolError };

/**
 * Commit conflicts are retried (with jitter, so processes that collided do not collide again in
 * step) until one of these bounds: a command then answers `conflict` (`meeting.busy`) rather than
 * hang. Commands to one meeting are serialised per process (see #serial), so a conflict means
 * another process committed in between: with a few processes these bounds are never reached
 * (tests/integration/reconnect-storm.test.ts: 100 re-joins at once over two processes).
 */
const MAX_ATTEMPTS = 50;
const RETRY_BUDGET_MS = 5_000;
const RETRY_BASE_MS = 4;
const RETRY_CAP_MS = 100;
/** Commands of one meeting decided together and committed as one (see #drain). */
const MAX_BATCH = 64;

/** A command waiting in its meeting's lane on this process. */
interface Pending {
  actor: Actor;
  cmd: Command;
  resolve: (r: ExecResult) => void;
  reject: (err: unknown) => void;
}

export class RoomService {
  readonly #store: RoomStore;
  readonly #log: Logger;
  readonly #listeners = new Set<(c: Committed) => void>();
  readonly #changeListeners = new Set<(c: RoomChange) => void>();
  #bus: ChangeBus | null = null;
  readonly clock: () => number;
  readonly #opts: ServiceOptions;
  readonly #resolvers: ((tokenHash: string) => Promise<TokenGrant | null>)[] = [];
  /** Per meeting, this process's commands waiting to be decided (see #drain). */
  readonly #lanes = new Map<string, Pending[]>();

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

  async resolveToken(token: string): Promise<(JoinGrant & { state: RoomState }) | null> {
    const linkHash = sha256(token);
    const grant = await this.#grant(linkHash);
    if (!grant) return null;
    const state = await this.#store.load(grant.meetingId);
    return state ? { ...grant, linkHash, state } : null;
  }

  async load(meetingId: string): Promise<RoomState | null> {
    return this.#store.load(meetingId);
  }

  /**
   * Takes a new seat, or restores one with the resume secret (rule S9); with `leader-admits`, a
   * place in the lobby (L1). The role is the link's (`grant`), never the client's say.
   */
  async join(grant: JoinGrant, req: JoinRequest, connId: string): Promise<JoinOutcome> {
    const resume = req.resume ?? newSecret();
    const resumeHash = sha256(resume);
    const { meetingId, role } = grant;
    // S12: which link it is decides the seat of a leader link (the core chooses the seat).
    const linkHash = grant.linkHash ?? null;
    const cmd: Command = req.resume
      ? { type: 'resume', resumeHash, role, connId, linkHash }
      : { type: 'join', participantId: newId(), name: req.name, role, resumeHash, connId, linkHash, profile: req.profile, namedToObservers: req.namedToObservers, inAttendance: req.inAttendance };
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
    const state = toSnapshot(r.state, this.clock(), audienceOf(seat, r.state));
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

  /**
   * Runs one command against a room, retrying when another process committed in between.
   *
   * On this process, the commands to one meeting wait in one lane; whatever has gathered there is
   * decided in order on one loaded state and committed as one change. A hundred re-joins arriving
   * at once would otherwise all load the same version, and all but one would lose the commit race
   * again and again (issue 11: 6 of 100 answered `meeting.busy`, and each loser cost a broadcast
   * round). In a lane, a command can lose only to other processes' commits, and a storm costs a
   * few commits and broadcasts instead of a hundred.
   */
  execute(meetingId: string, actor: Actor, cmd: Command): Promise<ExecResult> {
    return new Promise<ExecResult>((resolve, reject) => {
      const pending: Pending = { actor, cmd, resolve, reject };
      const lane = this.#lanes.get(meetingId);
      if (lane) {
        lane.push(pending);
        return;
      }
      this.#lanes.set(meetingId, [pending]);
      void this.#drain(meetingId);
    });
  }

  /** Decides and commits the meeting's lane, batch after batch, until it is empty. */
  async #drain(meetingId: string): Promise<void> {
    const lane = this.#lanes.get(meetingId)!;
    while (lane.length > 0) {
      const batch = lane.splice(0, MAX_BATCH);
      try {
        await this.#executeBatch(meetingId, batch);
      } catch (err) {
        // The store failed (Redis unreachable): each caller answers `internal` (transport).
        for (const p of batch) p.reject(err);
      }
    }
    // No await since the last check: nothing can have joined the lane in between.
    this.#lanes.delete(meetingId);
  }

  /**
   * Decides the batch in order on the stored state (each command sees the ones before it) and
   * commits the result once; after a lost race, decides it all again on the newer state.
   * Settles every command of the batch.
   */
  async #executeBatch(meetingId: string, batch: Pending[]): Promise<void> {
    const started = Date.now();
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const stored = await this.#store.load(meetingId);
      if (!stored) {
        for (const p of batch) p.resolve({ ok: false, error: protocolError('not_found', 'meeting.gone') });
        return;
      }
      const now = this.clock();
      let state = stored;
      const events: RoomEvent[] = [];
      const outcomes: ({ settled: ExecResult } | { thrown: unknown })[] = [];
      for (const p of batch) {
        try {
          const d = decide(state, p.cmd, { now, actor: p.actor });
          if (!d.ok) outcomes.push({ settled: d });
          else if (!d.changed) outcomes.push({ settled: { ok: true, changed: false, state, events: [] } });
          else {
            state = d.state;
            events.push(...d.events);
            outcomes.push({ settled: { ok: true, changed: true, state: d.state, events: d.events } });
          }
        } catch (err) {
          outcomes.push({ thrown: err });
        }
      }
      const settle = () => batch.forEach((p, i) => {
        const o = outcomes[i]!;
        if ('thrown' in o) p.reject(o.thrown);
        else p.resolve(o.settled);
      });
      if (state === stored) return settle();
      const res = await this.#store.commit(meetingId, stored.version, state, this.commitOptions(state));
      if (res === 'ok') {
        if (state.phase === 'closed') await this.#saveRecord(state);
        const snapshot = toSnapshot(state, now);
        this.#publish({ state, snapshot, events });
        const change: RoomChange = { meetingId, version: state.version, snapshot, events };
        this.#changed(change);
        this.#share(change);
        if (attempt > 0) this.#log.debug({ meetingId, commands: batch.length, attempts: attempt + 1 }, 'committed after conflicts');
        return settle();
      }
      if (Date.now() - started > RETRY_BUDGET_MS) break;
      // Lost a race with another process: reload and decide again on the newer state, after a
      // random pause ("full jitter") that grows with each loss.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** attempt)));
    }
    this.#log.warn({ meetingId, commands: batch.map((p) => p.cmd.type) }, 'gave up after repeated commit conflicts');
    for (const p of batch) p.resolve({ ok: false, error: protocolError('conflict', 'meeting.busy') });
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
