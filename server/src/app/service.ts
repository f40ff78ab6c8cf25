/**
 * RoomService: load -> decide -> commit (retry on conflict) -> publish. The only place that
 * writes rooms. Deadlines (the grace period of dropped connections) are data in the state,
 * indexed by the store and fired by an idempotent tick that any live server may run.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { DEFAULT_RULES, protocolError, type CreateMeetingBody, type ProtocolError, type Role, type RoomSnapshot } from '@peer-circle/shared';
import { createRoom, decide, leads, nextDeadline, toSnapshot, type Actor, type Command, type RoomEvent, type RoomState } from '../room/index.ts';
import type { CommitOptions, RoomStore, TokenGrant } from '../store/port.ts';
import { meetingRecord, summaryFromRecord, summaryFromState, type AttendanceSummary } from './record.ts';

/** Capability tokens and resume secrets: 192 random bits, URL-safe. */
export const newSecret = (): string => randomBytes(24).toString('base64url');
/** Ids are not secrets, but unguessable ids keep one meeting from probing another. */
export const newId = (): string => randomBytes(12).toString('base64url');
export const sha256 = (s: string): string => createHash('sha256').update(s).digest('base64url');

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
}

export interface Committed {
  state: RoomState;
  /** The participants' snapshot of this commit (the public part every audience shares). */
  snapshot: RoomSnapshot;
  events: RoomEvent[];
}

export type ExecResult = { ok: true; changed: boolean; state: RoomState; events: RoomEvent[] } | { ok: false; error: ProtocolError };

const MAX_ATTEMPTS = 20;

export class RoomService {
  readonly #store: RoomStore;
  readonly #log: Logger;
  readonly #listeners = new Set<(c: Committed) => void>();
  readonly clock: () => number;
  readonly #opts: ServiceOptions;
  readonly #resolvers: ((tokenHash: string) => Promise<TokenGrant | null>)[] = [];

  constructor(opts: ServiceOptions) {
    this.#store = opts.store;
    this.#log = opts.logger;
    this.clock = opts.clock ?? Date.now;
    this.#opts = opts;
  }

  get store(): RoomStore {
    return this.#store;
  }

  /** Called after every commit made through this service (on this process). */
  onCommitted(listener: (c: Committed) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
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
    const state = createRoom({
      meetingId,
      title: body.title,
      now: this.clock(),
      settings: {
        closingWarningMinutes: body.closingWarningMinutes ?? 5,
        autoPass: body.autoPass ?? false,
        rules: body.rules ?? [...DEFAULT_RULES],
        leaderAlwaysHeard: true,
        graceSeconds: this.#opts.graceSeconds,
        durationMinutes: body.durationMinutes ?? null,
        shareTimerMinutes: body.shareTimerMinutes ?? null,
        admission: body.admission ?? 'open',
        signsEnabled: body.signsEnabled ?? true,
      },
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
        this.#publish({ state: d.state, snapshot: toSnapshot(d.state, now), events: d.events });
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
