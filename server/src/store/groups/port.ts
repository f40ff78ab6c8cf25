/**
 * GroupStore: where groups live (rules G1-G8). Same shape as the RoomStore beside it, and one
 * contract suite (tests/contract/group-store.test.ts) runs against every implementation, so
 * several server processes can serve one group: commits are version-checked and atomic, token
 * hashes (never tokens) are indexed with the group and expire with it, and a group's next
 * deadline (opening by itself, forgetting names and aggregates) is indexed for any process's tick.
 */
import type { GroupGrant, GroupState } from '../../groups/state.ts';
import type { CommitResult } from '../port.ts';

export interface GroupCommitOptions {
  /** Seconds after which the group is deleted unless used again (GROUP_IDLE_DAYS, G8). */
  ttlSeconds: number;
  /** Epoch ms of the group's next deadline (nextGroupDeadline), or null. */
  deadline: number | null;
}

export interface GroupStore {
  /** Stores a new group and indexes its token hashes. Fails if the id exists. */
  create(state: GroupState, opts: GroupCommitOptions): Promise<void>;
  load(groupId: string): Promise<GroupState | null>;
  /**
   * Replaces the group iff its stored version is `expectedVersion`. Token hashes no longer in the
   * state (a rota entry taken back) stop resolving in the same step.
   */
  commit(groupId: string, expectedVersion: number, next: GroupState, opts: GroupCommitOptions): Promise<CommitResult>;
  /** The group and kind of link a token (by its sha256 hash) opens, or null. */
  resolveToken(tokenHash: string): Promise<GroupGrant | null>;
  /** Groups whose deadline is at or before `now` (at most `limit`). */
  dueGroups(now: number, limit: number): Promise<string[]>;
  /** Forgets a group's deadline (the group itself expired). */
  dropDeadline(groupId: string): Promise<void>;
  /** Deletes the group, its token index and its deadline at once (G8). Deleting twice is fine. */
  delete(groupId: string): Promise<void>;
  close(): Promise<void>;
}
