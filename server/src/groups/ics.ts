/**
 * The group's calendar file (G2): RFC 5545, one weekly event (RRULE:FREQ=WEEKLY, until the
 * season's end) in the group's own time zone (TZID), with a VTIMEZONE written from the zone's
 * actual offset changes (found with Intl), so calendars keep the meeting at the same local time
 * across daylight-saving changes. Lines end with CRLF and are folded at 75 octets. Pure: the
 * service passes the group and `now`.
 *
 * No link goes into the file: calendars are synced to third parties, and the invitation is the
 * group's to share.
 */
import { addDays, localDate, nextOccurrence, offsetAt, offsetChanges, occurrenceOn, startOfDay, weekdayOf } from './schedule.ts';
import { groupZone, seasonEndsAt } from './rules.ts';
import type { GroupState } from './state.ts';

const DAY = 86_400_000;
const BYDAY = ['', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

/** TEXT value escaping (RFC 5545 3.3.11). */
export const icsText = (s: string): string => s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');

/** Folds a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 character. */
export function foldLine(line: string): string {
  const out: string[] = [];
  let cur = '';
  let octets = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch, 'utf8');
    // The first line holds 75 octets; continuation lines start with a space, so 74 more each.
    if (octets + n > (out.length === 0 ? 75 : 74)) {
      out.push(cur);
      cur = '';
      octets = 0;
    }
    cur += ch;
    octets += n;
  }
  out.push(cur);
  return out.join('\r\n ');
}

const utcStamp = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const localStamp = (date: string, time: string): string => `${date.replace(/-/g, '')}T${time.replace(':', '')}00`;
function offsetText(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const m = Math.abs(ms) / 60_000;
  return `${sign}${String(Math.floor(m / 60)).padStart(2, '0')}${String(m % 60).padStart(2, '0')}`;
}
/** The wall-clock reading at `ms` under `offset`, as a DATE-TIME without zone. */
function wallStamp(ms: number, offset: number): string {
  return utcStamp(ms + offset).replace('Z', '');
}

/**
 * The group's calendar, or null when it has no weekly schedule (or its season is over): there
 * is nothing to put in a calendar then.
 */
export function groupCalendar(g: GroupState, now: number): string | null {
  const s = g.schedule;
  if (!s) return null;
  const first = nextOccurrence(s, g.season, g.season ? Math.min(now, startOfDay(groupZone(g), g.season.from)) : now);
  if (!first) return null;
  const zone = s.timeZone;
  const endsAt = seasonEndsAt(g);
  const lines: string[] = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Peer Circle//Weekly group//EN', 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH'];

  // VTIMEZONE: the offset at the first meeting, then every change until the season ends (or a year).
  lines.push('BEGIN:VTIMEZONE', `TZID:${zone}`);
  const from = first.startsAt - DAY;
  const until = endsAt ?? first.startsAt + 366 * DAY;
  const offsets = [offsetAt(zone, from)];
  const changes = offsetChanges(zone, from, until);
  for (const c of changes) offsets.push(c.to);
  const standard = Math.min(...offsets);
  const observance = (start: number, fromOff: number, toOff: number) => {
    const kind = toOff > standard ? 'DAYLIGHT' : 'STANDARD';
    lines.push(`BEGIN:${kind}`, `DTSTART:${wallStamp(start, fromOff)}`, `TZOFFSETFROM:${offsetText(fromOff)}`, `TZOFFSETTO:${offsetText(toOff)}`, `END:${kind}`);
  };
  observance(from, offsets[0]!, offsets[0]!);
  for (const c of changes) observance(c.at, c.from, c.to);
  lines.push('END:VTIMEZONE');

  lines.push(
    'BEGIN:VEVENT',
    `UID:${g.groupId}@peer-circle`,
    `DTSTAMP:${utcStamp(now)}`,
    `DTSTART;TZID=${zone}:${localStamp(first.date, s.time)}`,
    `DURATION:PT${s.durationMinutes}M`,
    `RRULE:FREQ=WEEKLY;BYDAY=${BYDAY[weekdayOf(first.date)]}${lastUntil(g, first.date)}`,
    `SUMMARY;LANGUAGE=${g.language}:${icsText(g.name)}`,
    'TRANSP:OPAQUE',
    'END:VEVENT',
    'END:VCALENDAR',
  );
  return lines.map((l) => `${foldLine(l)}\r\n`).join('');
}

/** UNTIL (UTC, as RFC 5545 requires with a TZID start): the start of the season's last meeting. */
function lastUntil(g: GroupState, firstDate: string): string {
  if (!g.season || !g.schedule) return '';
  let d = firstDate;
  while (addDays(d, 7) <= g.season.to) d = addDays(d, 7);
  return `;UNTIL=${utcStamp(occurrenceOn(g.schedule, d).startsAt)}`;
}

/** The file name: the group's date of today keeps downloads apart. */
export const calendarFilename = (g: GroupState, now: number): string => `group-${localDate(groupZone(g), now)}.ics`;
