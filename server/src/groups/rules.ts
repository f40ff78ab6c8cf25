/**
 * The pure rules of weekly groups (G2-G8 in docs/rules.md): the next meeting, who may open one
 * and for which date, opening by itself, the rota, and how long each thing is kept. No I/O, no
 * clock, no randomness: the service passes `now` and does the storing.
 */
import { GROUP_LIMITS, protocolError, type ErrorKey, type ProtocolError } from '@peer-circle/shared';
import { addDays, localDate, nextOccurrence, occurrenceAfter, occurrenceOn, servedDate, startOfDay, inSeason, type Occurrence } from './schedule.ts';
import type { GroupGrant, GroupMeeting, GroupRecord, GroupState, RotaEntry } from './state.ts';

export type Refusal = { ok: false; error: ProtocolError };
const refuse = (code: ProtocolError['code'], key: ErrorKey): Refusal => ({ ok: false, error: protocolError(code, key) });

/** How long things are kept (from the configuration), in ms. */
export interface GroupTimes {
  /** PERSONAL_DATA_TTL_HOURS: names, counted from the meeting's end. */
  personalMs: number;
  /** AGGREGATE_RETENTION_DAYS: anonymous aggregates, counted from the season's end. */
  aggregateMs: number;
  /** GROUP_IDLE_DAYS: a group nobody used for this long is deleted. */
  idleMs: number;
  /** After this a meeting that never closed is gone from the store (it expired unused). */
  staleMeetingMs: number;
}

/** The zone of the group's dates: the schedule's, else UTC. */
export const groupZone = (g: GroupState): string => g.schedule?.timeZone ?? 'UTC';

/** G2: the next scheduled meeting (one under way counts), or null. */
export function nextMeeting(g: GroupState, now: number): Occurrence | null {
  return g.schedule ? nextOccurrence(g.schedule, g.season, now) : null;
}

/** G6: a facilitator's date as an occurrence, when the group has a schedule. */
export function meetingOn(g: GroupState, date: string): Occurrence | null {
  return g.schedule ? occurrenceOn(g.schedule, date) : null;
}

/** Who asks to open a meeting: a link's holder (with the rota entry for a facilitator). */
export type Opener = { kind: Exclude<GroupGrant['kind'], 'facilitator'> } | { kind: 'facilitator'; entry: RotaEntry };

/**
 * G3: one meeting of a group is open at a time; the group's leader may open one whenever none
 * is; a facilitator only on the date they were given; participants and observers never.
 * Answers the date the new meeting stands for.
 */
export function mayOpen(g: GroupState, opener: Opener, meetingUnderWay: boolean, now: number): { ok: true; date: string } | Refusal {
  if (opener.kind === 'participant' || opener.kind === 'observer') return refuse('forbidden', 'group.leaderOnly');
  if (meetingUnderWay) return refuse('conflict', 'group.meetingOpen');
  const date = servedDate(g.schedule, g.season, groupZone(g), now);
  if (opener.kind === 'facilitator' && opener.entry.date !== date) return refuse('forbidden', 'group.notYourDate');
  return { ok: true, date };
}

/**
 * G4: the scheduled meeting that should open by itself now: `autoOpenMinutes` before its start,
 * until it ends, once per date.
 */
export function autoOpenDue(g: GroupState, now: number): Occurrence | null {
  const at = nextAutoOpen(g, now);
  return at && at.opensAt <= now ? at.occurrence : null;
}

/** G4: the next meeting that will open by itself, and when. */
export function nextAutoOpen(g: GroupState, now: number): { occurrence: Occurrence; opensAt: number } | null {
  if (!g.schedule || g.autoOpenMinutes === null) return null;
  let occ = nextOccurrence(g.schedule, g.season, now);
  // Already opened (by itself or by a person) for this date: the following week's.
  if (occ && (occ.date === g.autoOpenedFor || occ.date === g.current?.date)) occ = occurrenceAfter(g.schedule, g.season, occ.date);
  if (!occ) return null;
  return { occurrence: occ, opensAt: occ.startsAt - g.autoOpenMinutes * 60_000 };
}

/**
 * G5: the date a hand-over is for: the one the leader chose (today or later, in the season), or
 * the next scheduled meeting after the current one.
 */
export function handOverDate(g: GroupState, requested: string | undefined, now: number): { ok: true; date: string } | Refusal {
  const today = localDate(groupZone(g), now);
  if (requested !== undefined) {
    if (requested < today) return refuse('invalid_payload', 'group.datePast');
    if (!inSeason(g.season, requested)) return refuse('invalid_payload', 'group.outsideSeason');
    return { ok: true, date: requested };
  }
  if (!g.schedule) return refuse('invalid_payload', 'group.dateNeeded');
  const after = g.current && g.current.date >= today ? g.current.date : addDays(today, -1);
  const occ = occurrenceAfter(g.schedule, g.season, after);
  return occ ? { ok: true, date: occ.date } : refuse('conflict', 'group.seasonOver');
}

/** G5: one facilitator per date; a new one for a date replaces (and so revokes) the old one. */
export function withRotaEntry(g: GroupState, entry: RotaEntry): { ok: true; state: GroupState; replaced: RotaEntry | null } | Refusal {
  const replaced = g.rota.find((e) => e.date === entry.date) ?? null;
  const rest = g.rota.filter((e) => e.date !== entry.date);
  if (rest.length >= GROUP_LIMITS.rotaMax) return refuse('conflict', 'group.rotaFull');
  const rota = [...rest, entry].sort((a, b) => a.date.localeCompare(b.date));
  return { ok: true, state: { ...g, rota }, replaced };
}

/** G5: the group's leader takes a date's facilitation back: its link stops working at once. */
export function withoutRotaEntry(g: GroupState, date: string): { ok: true; state: GroupState } | Refusal {
  if (!g.rota.some((e) => e.date === date)) return refuse('not_found', 'group.rotaNoDate');
  return { ok: true, state: { ...g, rota: g.rota.filter((e) => e.date !== date) } };
}

/** The instant the season is over: the end of its last day in the group's zone. */
export function seasonEndsAt(g: GroupState): number | null {
  return g.season ? startOfDay(groupZone(g), addDays(g.season.to, 1)) : null;
}

/** G8: a meeting's aggregate lives until the season ends plus the aggregate retention. */
export function recordExpiresAt(g: GroupState, r: GroupRecord, t: GroupTimes): number {
  return Math.max(r.closedAt, seasonEndsAt(g) ?? 0) + t.aggregateMs;
}

/**
 * G8: a rota name goes with the meeting it was for: the personal retention after that meeting
 * closed, or after the end of its day if none was held.
 */
export function rotaExpiresAt(g: GroupState, e: RotaEntry, t: GroupTimes): number {
  const dayEnd = startOfDay(groupZone(g), addDays(e.date, 1));
  const held = g.records.find((r) => r.date === e.date);
  return Math.min(dayEnd, held?.closedAt ?? Infinity) + t.personalMs;
}

/** A meeting is forgotten with its aggregate, or when it must have expired unused. */
export function meetingForgetAt(g: GroupState, m: GroupMeeting, t: GroupTimes): number {
  const r = g.records.find((x) => x.meetingId === m.meetingId);
  return r ? recordExpiresAt(g, r, t) : m.openedAt + t.staleMeetingMs;
}

/** G8: the group as it should be kept at `now`: expired aggregates, rota names and meetings dropped. */
export function prune(g: GroupState, now: number, t: GroupTimes): { state: GroupState; changed: boolean } {
  const records = g.records.filter((r) => recordExpiresAt(g, r, t) > now);
  const rota = g.rota.filter((e) => rotaExpiresAt(g, e, t) > now);
  const meetings = g.meetings.filter((m) => meetingForgetAt(g, m, t) > now);
  // The current meeting goes with the others: once its aggregate expired nothing refers to it.
  const current = g.current && meetings.some((m) => m.meetingId === g.current!.meetingId) ? g.current : null;
  const changed = records.length !== g.records.length || rota.length !== g.rota.length || meetings.length !== g.meetings.length || current !== g.current;
  return changed ? { state: { ...g, records, rota, meetings, current }, changed } : { state: g, changed };
}

/** G8: a group unused for GROUP_IDLE_DAYS is deleted (the store expires it). */
export const groupExpiresAt = (g: GroupState, t: GroupTimes): number => g.lastUsedAt + t.idleMs;

/**
 * The earliest time at which the group tick has something to do (open by itself, forget a
 * name, an aggregate or a meeting), or null. Stores index groups by it, like rooms' deadlines.
 */
export function nextGroupDeadline(g: GroupState, now: number, t: GroupTimes): number | null {
  const times = [
    nextAutoOpen(g, now)?.opensAt,
    ...g.records.map((r) => recordExpiresAt(g, r, t)),
    ...g.rota.map((e) => rotaExpiresAt(g, e, t)),
    ...g.meetings.map((m) => meetingForgetAt(g, m, t)),
  ].filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return times.length ? Math.min(...times) : null;
}

/** G7: the season's meetings, oldest first. */
export const recordsInOrder = (g: GroupState): GroupRecord[] => [...g.records].sort((a, b) => a.date.localeCompare(b.date) || a.closedAt - b.closedAt);
