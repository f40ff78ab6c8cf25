/**
 * RoomStore: where rooms live. One contract suite (tests/contract) runs against every
 * implementation. Commits are version-checked and atomic: a commit whose expected version is
 * not the stored one changes nothing and reports a conflict, so no update is ever lost when two
 * server processes act on one room at once.
 */
import type { EndView, Language, Profile, Role } from '@peer-circle/shared';
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

import type { AttendanceCounts } from '@peer-circle/shared';
export type { AttendanceCounts };

/**
 * The anonymous record of a closed meeting, kept AGGREGATE_RETENTION_DAYS after the room with its
 * personal data is gone (rule E5). Never names, notes, concerns or feedback texts.
 */
export interface MeetingRecord {
  meetingId: string;
  /** sha256 of the leader token: the leader can still download the (anonymous) summary. */
  leaderTokenHash: string;
  title: string;
  /** The meeting's language, for the attendance CSV; absent in records written before it existed. */
  language?: Language;
  /** UTC day of the meeting, YYYY-MM-DD. */
  date: string;
  closedAt: number | null;
  attendance: AttendanceCounts;
  /** Averages per question (null: nobody answered) and how many gave feedback (E2). */
  feedback: { count: number; safe: number | null; heard: number | null; useful: number | null };
  /** How the word was shared, in groups of at least k people (E1, E6). */
  word: EndView['word'];
}

export interface RoomStore {
  /** Stores a new room and its capability tokens (by hash). Fails if the id exists. */
  create(state: RoomState, opts: CommitOptions): Promise<void>;
  /** The meeting and role a token (by its sha256 hash) grants, or null. */
  resolveToken(tokenHash: string): Promise<TokenGrant | null>;
  load(meetingId: string): Promise<RoomState | null>;
  /**
   * Replaces the room iff its stored version is `expectedVersion`. The same commit sent again
   * after it was applied (its reply was lost) answers 'ok' again, not 'conflict'.
   */
  commit(meetingId: string, expectedVersion: number, next: RoomState, opts: CommitOptions): Promise<CommitResult>;
  /** Rooms whose deadline is at or before `now` (at most `limit`). */
  dueRooms(now: number, limit: number): Promise<string[]>;
  /** Forgets a room's deadline (the room itself is gone: it expired). */
  dropDeadline(meetingId: string): Promise<void>;
  /**
   * Stores (or replaces) the anonymous record of a closed meeting for `ttlSeconds`, and indexes
   * it by `record.leaderTokenHash` for as long.
   */
  saveRecord(record: MeetingRecord, ttlSeconds: number): Promise<void>;
  loadRecord(meetingId: string): Promise<MeetingRecord | null>;
  /** The meeting whose record a leader token (by hash) opens, or null. */
  resolveRecordToken(tokenHash: string): Promise<string | null>;
  /**
   * Deletes a meeting now, with everything of it: the room, its token index, its deadline, its
   * anonymous record (G8: a group's leader deletes the group and all of it at once).
   */
  deleteMeeting(meetingId: string): Promise<void>;
  /** Marks this server process alive for `ttlMs`. False if it was not known (first beat, or reaped). */
  heartbeat(nodeId: string, ttlMs: number): Promise<boolean>;
  /** Records that this process holds connections in a room, before they are committed. */
  addNodeRoom(nodeId: string, meetingId: string): Promise<void>;
  removeNodeRoom(nodeId: string, meetingId: string): Promise<void>;
  /** Server processes whose heartbeat expired, with the rooms they held; forget them afterwards. */
  lostNodes(): Promise<{ nodeId: string; meetingIds: string[] }[]>;
  forgetNode(nodeId: string): Promise<void>;
  /** Whether the store answers now; settles within about a second even when it is down. */
  health(): Promise<boolean>;
  close(): Promise<void>;
}
