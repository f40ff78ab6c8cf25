/**
 * The embedded in-memory GroupStore, the companion of MemoryRoomStore: same contract as the Redis
 * one; expiry is honoured on read and by a periodic sweep.
 */
import type { CommitResult } from '../port.ts';
import { groupTokenIndex, type GroupGrant, type GroupState } from '../../groups/state.ts';
import type { GroupCommitOptions, GroupStore } from './port.ts';

interface Entry {
  json: string;
  version: number;
  expiresAt: number;
  tokens: string[];
}

export class MemoryGroupStore implements GroupStore {
  readonly #groups = new Map<string, Entry>();
  readonly #tokens = new Map<string, { grant: GroupGrant; expiresAt: number }>();
  readonly #deadlines = new Map<string, number>();
  readonly #sweep: NodeJS.Timeout;
  #closed = false;

  private constructor(readonly clock: () => number) {
    this.#sweep = setInterval(() => this.#expire(), 60_000);
    this.#sweep.unref();
  }

  static async create(opts: { clock?: () => number } = {}): Promise<MemoryGroupStore> {
    return new MemoryGroupStore(opts.clock ?? Date.now);
  }

  #expire(): void {
    const now = this.clock();
    for (const [id, e] of this.#groups) if (e.expiresAt <= now) this.#drop(id);
    for (const [h, t] of this.#tokens) if (t.expiresAt <= now) this.#tokens.delete(h);
  }

  #drop(groupId: string): void {
    const e = this.#groups.get(groupId);
    for (const h of e?.tokens ?? []) this.#tokens.delete(h);
    this.#groups.delete(groupId);
    this.#deadlines.delete(groupId);
  }

  #live(groupId: string): Entry | undefined {
    const e = this.#groups.get(groupId);
    if (e && e.expiresAt <= this.clock()) {
      this.#drop(groupId);
      return undefined;
    }
    return e;
  }

  #write(state: GroupState, opts: GroupCommitOptions): void {
    const expiresAt = this.clock() + opts.ttlSeconds * 1000;
    const index = groupTokenIndex(state);
    const keep = new Set(index.map(([h]) => h));
    for (const h of this.#groups.get(state.groupId)?.tokens ?? []) if (!keep.has(h)) this.#tokens.delete(h);
    for (const [hash, kind] of index) this.#tokens.set(hash, { grant: { groupId: state.groupId, kind } as GroupGrant, expiresAt });
    this.#groups.set(state.groupId, { json: JSON.stringify(state), version: state.version, expiresAt, tokens: [...keep] });
    if (opts.deadline === null) this.#deadlines.delete(state.groupId);
    else this.#deadlines.set(state.groupId, opts.deadline);
  }

  async create(state: GroupState, opts: GroupCommitOptions): Promise<void> {
    if (this.#live(state.groupId)) throw new Error('group exists');
    this.#write(state, opts);
  }

  async load(groupId: string): Promise<GroupState | null> {
    const e = this.#live(groupId);
    return e ? (JSON.parse(e.json) as GroupState) : null;
  }

  async commit(groupId: string, expectedVersion: number, next: GroupState, opts: GroupCommitOptions): Promise<CommitResult> {
    if (next.groupId !== groupId) throw new Error('group id mismatch');
    const e = this.#live(groupId);
    if (!e || e.version !== expectedVersion) return 'conflict';
    this.#write(next, opts);
    return 'ok';
  }

  async resolveToken(tokenHash: string): Promise<GroupGrant | null> {
    const t = this.#tokens.get(tokenHash);
    if (!t || t.expiresAt <= this.clock()) return null;
    return { ...t.grant };
  }

  async dueGroups(now: number, limit: number): Promise<string[]> {
    const due: string[] = [];
    for (const [id, at] of this.#deadlines) {
      if (due.length >= limit) break;
      if (at <= now) due.push(id);
    }
    return due;
  }

  async dropDeadline(groupId: string): Promise<void> {
    this.#deadlines.delete(groupId);
  }

  async delete(groupId: string): Promise<void> {
    this.#drop(groupId);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweep);
  }
}
