/**
 * Pure calendar arithmetic for weekly groups (rule G2): local dates and times in an IANA time
 * zone, computed with Intl.DateTimeFormat only (Node 20 has no Temporal), daylight-saving changes
 * included. No I/O, no clock: `now` always comes in as an argument.
 *
 * A local wall-clock time is turned into an instant with the zone's offsets (from Intl) a day
 * before and after it: exact, except inside a spring-forward gap (the time does not exist: it
 * falls after the gap, as most calendars do) and in an autumn overlap (the time exists twice:
 * the first, summer-time one is taken).
 */
import type { GroupSchedule, GroupSeason, Weekday } from '@peer-circle/shared';

const MINUTE = 60_000;
const DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall-clock reading in `timeZone` at the instant `ms`. */
export function localParts(timeZone: string, ms: number): LocalParts {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! % 24, minute: parts.minute!, second: parts.second! };
}

/** The zone's offset from UTC at the instant `ms`, in ms (Vilnius in summer: +3 h). */
export function offsetAt(timeZone: string, ms: number): number {
  const p = localParts(timeZone, ms);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The local date YYYY-MM-DD in `timeZone` at the instant `ms`. */
export function localDate(timeZone: string, ms: number): string {
  const p = localParts(timeZone, ms);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

/** Calendar arithmetic on YYYY-MM-DD (no time zone involved). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

/** ISO weekday of a calendar date: Monday 1 ... Sunday 7. */
export function weekdayOf(date: string): Weekday {
  const d = new Date(`${date}T00:00:00Z`).getUTCDay();
  return (d === 0 ? 7 : d) as Weekday;
}

/** The instant at which the wall clock in `timeZone` reads `date` `time` ("HH:MM"). */
export function zonedTime(timeZone: string, date: string, time: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm] = time.split(':').map(Number) as [number, number];
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  // The zone's offsets a day either side (no zone changes twice within two days): the instant is
  // the wall time minus one of them. Keep those whose wall clock reads what was asked; in an
  // overlap both do and the earlier is taken; in a gap neither does, and the time before the
  // change is pushed past it (wall - the earlier offset).
  const before = offsetAt(timeZone, wall - DAY);
  const after = offsetAt(timeZone, wall + DAY);
  const reads = (ms: number) => {
    const p = localParts(timeZone, ms);
    return p.hour === hh && p.minute === mm && p.day === d;
  };
  const fits = [wall - before, wall - after].filter(reads).sort((a, b) => a - b);
  return fits[0] ?? wall - before;
}

/** The start of a local day (its first instant) in `timeZone`. */
export const startOfDay = (timeZone: string, date: string): number => zonedTime(timeZone, date, '00:00');

export interface Occurrence {
  /** The local date of the meeting in the schedule's time zone. */
  date: string;
  startsAt: number;
  endsAt: number;
}

/** The schedule's meeting on `date` (whatever its weekday). */
export function occurrenceOn(s: GroupSchedule, date: string): Occurrence {
  const startsAt = zonedTime(s.timeZone, date, s.time);
  return { date, startsAt, endsAt: startsAt + s.durationMinutes * MINUTE };
}

/** Whether a local date lies in the season (no season: always). */
export const inSeason = (season: GroupSeason | null, date: string): boolean => !season || (date >= season.from && date <= season.to);

/**
 * G2: the first meeting of the weekly schedule that has not ended at `now` (so a meeting under
 * way is still "the next one"), inside the season if there is one; null once the season is over.
 */
export function nextOccurrence(s: GroupSchedule, season: GroupSeason | null, now: number): Occurrence | null {
  let date = localDate(s.timeZone, now);
  if (season && date < season.from) date = season.from;
  // Step to the schedule's weekday, then week by week (two tries cover "today, already over").
  const shift = (s.weekday - weekdayOf(date) + 7) % 7;
  date = addDays(date, shift);
  for (let i = 0; i < 3; i++, date = addDays(date, 7)) {
    if (!inSeason(season, date)) return null;
    const occ = occurrenceOn(s, date);
    if (occ.endsAt > now) return occ;
  }
  return null;
}

/** The first scheduled meeting on a date strictly after `date` (G5: "the next meeting"). */
export function occurrenceAfter(s: GroupSchedule, season: GroupSeason | null, date: string): Occurrence | null {
  let d = addDays(date, 1);
  if (season && d < season.from) d = season.from;
  d = addDays(d, (s.weekday - weekdayOf(d) + 7) % 7);
  return inSeason(season, d) ? occurrenceOn(s, d) : null;
}

/**
 * G3: the date a meeting opened at `now` stands for: the scheduled meeting that is under way or
 * starts within the next 24 hours (a meeting opened 30 minutes before a 00:15 start belongs to
 * the next day); otherwise today's local date.
 */
export function servedDate(s: GroupSchedule | null, season: GroupSeason | null, timeZone: string, now: number): string {
  if (s) {
    const occ = nextOccurrence(s, season, now);
    if (occ && occ.startsAt - now <= DAY) return occ.date;
  }
  return localDate(timeZone, now);
}

export interface OffsetChange {
  /** The instant of the change. */
  at: number;
  from: number;
  to: number;
}

/**
 * Offset changes of `timeZone` in [from, to), to the minute: days are probed, a changed day is
 * searched by halving (to the millisecond; Intl reads whole seconds). Used to write a VTIMEZONE the calendar file can rely on.
 */
export function offsetChanges(timeZone: string, from: number, to: number): OffsetChange[] {
  const out: OffsetChange[] = [];
  let t = from;
  let off = offsetAt(timeZone, t);
  while (t < to) {
    const next = Math.min(t + DAY, to);
    const nextOff = offsetAt(timeZone, next);
    if (nextOff !== off) {
      let lo = t;
      let hi = next;
      while (hi - lo > 1) {
        const mid = lo + Math.floor((hi - lo) / 2);
        if (offsetAt(timeZone, mid) === off) lo = mid;
        else hi = mid;
      }
      out.push({ at: hi, from: off, to: nextOff });
      off = nextOff;
    }
    t = next;
  }
  return out;
}
