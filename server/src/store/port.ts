/**
 * RoomStore: where rooms live. One contract suite (tests/contract) runs against every
 * implementation. Commits are version-checked and atomic: a commit whose expected version is
 * not the stored one changes nothing and reports a conflict, so no update is ever lost when two
 * server processes act on one room at once.
 */
import type { Role } from '@peer-circle/shared';
import type { RoomState } from '../room/state.ts';

export interface TokenGrant {
  meetingId: string;
  role: Role;
}

export interface CommitOptions {
  /** Seconds after which the room (and its personal data: names) is deleted. */
  ttlSeconds: number;
  /** Epoch ms of the room's next deadline (see nextDeadline), or null for none. */
  deadline: number | null;
}

export type CommitResult = 'ok' | 'conflict';

export interface RoomStore {
  /** Stores a new room and its capability tokens (by hash). Fails if the id exists. */
  create(state: RoomState, opts: CommitOptions): Promise<void>;
  /** The meeting and role a token (by its sha256 hash) grants, or null. */
  resolveToken(tokenHash: string): Promise<TokenGrant | null>;
  load(meetingId: string): Promise<RoomState | null>;
  /** Replaces the room iff its stored version is `expectedVersion`. */
  commit(meetingId: string, expectedVersion: number, next: RoomState, opts: CommitOptions): Promise<CommitResult>;
  /** Rooms whose deadline is at or before `now` (at most `limit`). */
  dueRooms(now: number, limit: number): Promise<string[]>;
  /** Marks this server process alive for `ttlMs`. False if it was not known (first beat, or reaped). */
  heartbeat(nodeId: string, ttlMs: number): Promise<boolean>;
  /** Records that this process holds connections in a room, before they are committed. */
  addNodeRoom(nodeId: string, meetingId: string): Promise<void>;
  removeNodeRoom(nodeId: string, meetingId: string): Promise<void>;
  /** Server processes whose heartbeat expired, with the rooms they held; forget them afterwards. */
  lostNodes(): Promise<{ nodeId: string; meetingIds: string[] }[]>;
  forgetNode(nodeId: string): Promise<void>;
  close(): Promise<void>;
}
