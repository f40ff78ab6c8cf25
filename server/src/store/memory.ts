/**
 * The embedded in-memory store: the default for `npm start` on one machine. Same contract as
 * the Redis store; TTLs are honoured lazily on read and by a periodic sweep.
 */
import type { CommitOptions, CommitResult, MeetingRecord, RoomStore, TokenGrant } from './port.ts';
import type { RoomState } from '../room/state.ts';

interface Entry {
  json: string;
  version: number;
  expiresAt: number;
}

export class MemoryRoomStore implements RoomStore {
  readonly #rooms = new Map<string, Entry>();
  readonly #tokens = new Map<string, TokenGrant & { expiresAt: number }>();
  readonly #deadlines = new Map<string, number>();
  readonly #records = new Map<string, { json: string; expiresAt: number }>();
  readonly #recordTokens = new Map<string, { meetingId: string; expiresAt: number }>();
  readonly #nodes = new Map<string, { expiresAt: number; meetingIds: Set<string> }>();
  readonly #sweep: NodeJS.Timeout;
  #closed = false;

  private constructor(readonly clock: () => number) {
    this.#sweep = setInterval(() => this.#expire(), 60_000);
    this.#sweep.unref();
  }

  static async create(opts: { clock?: () => number } = {}): Promise<MemoryRoomStore> {
    return new MemoryRoomStore(opts.clock ?? Date.now);
  }

  #expire(): void {
    const now = this.clock();
    for (const [id, e] of this.#rooms) if (e.expiresAt <= now) this.#drop(id);
    for (const [h, t] of this.#tokens) if (t.expiresAt <= now) this.#tokens.delete(h);
    for (const [id, r] of this.#records) if (r.expiresAt <= now) this.#records.delete(id);
    for (const [h, t] of this.#recordTokens) if (t.expiresAt <= now) this.#recordTokens.delete(h);
  }

  #drop(meetingId: string): void {
    this.#rooms.delete(meetingId);
    this.#deadlines.delete(meetingId);
  }

  #live(meetingId: string): Entry | undefined {
    const e = this.#rooms.get(meetingId);
    if (e && e.expiresAt <= this.clock()) {
      this.#drop(meetingId);
      return undefined;
    }
    return e;
  }

  #write(state: RoomState, opts: CommitOptions): void {
    const expiresAt = this.clock() + opts.ttlSeconds * 1000;
    this.#rooms.set(state.meetingId, { json: JSON.stringify(state), version: state.version, expiresAt });
    for (const [role, hash] of Object.entries(state.tokenHashes)) {
      this.#tokens.set(hash, { meetingId: state.meetingId, role: role as TokenGrant['role'], expiresAt });
    }
    if (opts.deadline === null) this.#deadlines.delete(state.meetingId);
    else this.#deadlines.set(state.meetingId, opts.deadline);
  }

  async create(state: RoomState, opts: CommitOptions): Promise<void> {
    const e = this.#live(state.meetingId);
    // The same creation sent twice is already done (as in the Redis store); another room is not.
    if (e && e.version === state.version && e.json === JSON.stringify(state)) return;
    if (e) throw new Error('room exists');
    this.#write(state, opts);
  }

  async resolveToken(tokenHash: string): Promise<TokenGrant | null> {
    const t = this.#tokens.get(tokenHash);
    if (!t || t.expiresAt <= this.clock()) return null;
    return { meetingId: t.meetingId, role: t.role };
  }

  async load(meetingId: string): Promise<RoomState | null> {
    const e = this.#live(meetingId);
    // A parsed copy: callers can never mutate what is stored.
    return e ? (JSON.parse(e.json) as RoomState) : null;
  }

  async commit(meetingId: string, expectedVersion: number, next: RoomState, opts: CommitOptions): Promise<CommitResult> {
    const e = this.#live(meetingId);
    // Same answer as the Redis store for a commit sent twice: it is already there.
    if (e && e.version === next.version && e.json === JSON.stringify(next)) return 'ok';
    if (!e || e.version !== expectedVersion) return 'conflict';
    this.#write(next, opts);
    return 'ok';
  }

  async dueRooms(now: number, limit: number): Promise<string[]> {
    const due: string[] = [];
    for (const [id, at] of this.#deadlines) {
      if (at <= now) due.push(id);
      if (due.length >= limit) break;
    }
    return due;
  }

  async dropDeadline(meetingId: string): Promise<void> {
    this.#deadlines.delete(meetingId);
  }

  async saveRecord(record: MeetingRecord, ttlSeconds: number): Promise<void> {
    const expiresAt = this.clock() + ttlSeconds * 1000;
    this.#records.set(record.meetingId, { json: JSON.stringify(record), expiresAt });
    this.#recordTokens.set(record.leaderTokenHash, { meetingId: record.meetingId, expiresAt });
  }

  async loadRecord(meetingId: string): Promise<MeetingRecord | null> {
    const r = this.#records.get(meetingId);
    if (!r || r.expiresAt <= this.clock()) return null;
    return JSON.parse(r.json) as MeetingRecord;
  }

  async resolveRecordToken(tokenHash: string): Promise<string | null> {
    const t = this.#recordTokens.get(tokenHash);
    return t && t.expiresAt > this.clock() ? t.meetingId : null;
  }

  async deleteMeeting(meetingId: string): Promise<void> {
    this.#drop(meetingId);
    for (const [h, t] of this.#tokens) if (t.meetingId === meetingId) this.#tokens.delete(h);
    this.#records.delete(meetingId);
    for (const [h, t] of this.#recordTokens) if (t.meetingId === meetingId) this.#recordTokens.delete(h);
  }

  async heartbeat(nodeId: string, ttlMs: number): Promise<boolean> {
    const known = this.#nodes.get(nodeId);
    this.#nodes.set(nodeId, { expiresAt: this.clock() + ttlMs, meetingIds: known?.meetingIds ?? new Set() });
    return known !== undefined;
  }

  async addNodeRoom(nodeId: string, meetingId: string): Promise<void> {
    const n = this.#nodes.get(nodeId) ?? { expiresAt: this.clock(), meetingIds: new Set<string>() };
    n.meetingIds.add(meetingId);
    this.#nodes.set(nodeId, n);
  }

  async removeNodeRoom(nodeId: string, meetingId: string): Promise<void> {
    this.#nodes.get(nodeId)?.meetingIds.delete(meetingId);
  }

  async lostNodes(): Promise<{ nodeId: string; meetingIds: string[] }[]> {
    const now = this.clock();
    return [...this.#nodes].filter(([, n]) => n.expiresAt <= now).map(([nodeId, n]) => ({ nodeId, meetingIds: [...n.meetingIds] }));
  }

  async forgetNode(nodeId: string): Promise<void> {
    this.#nodes.delete(nodeId);
  }

  /** In this process: reachable while it runs. */
  async health(): Promise<boolean> {
    return !this.#closed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweep);
  }
}
