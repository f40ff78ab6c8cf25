/** Weekly groups: the pure rules G1-G8 (docs/rules.md), time zones and daylight saving included. */
import { describe, expect, it } from 'vitest';
import { CreateGroupBody, DEFAULT_GROUP_SETTINGS, type GroupSchedule } from '@peer-circle/shared';
import { addDays, localDate, localParts, nextOccurrence, occurrenceAfter, offsetAt, offsetChanges, servedDate, weekdayOf, zonedTime } from '../../server/src/groups/schedule.ts';
import {
  autoOpenDue,
  handOverDate,
  mayOpen,
  nextAutoOpen,
  nextGroupDeadline,
  prune,
  recordExpiresAt,
  rotaExpiresAt,
  withoutRotaEntry,
  withRotaEntry,
  type GroupTimes,
} from '../../server/src/groups/rules.ts';
import { createGroup, groupTokenIndex, type GroupRecord, type GroupState, type RotaEntry } from '../../server/src/groups/state.ts';
import { foldLine, groupCalendar, icsText } from '../../server/src/groups/ics.ts';
import { seasonCsv } from '../../server/src/http/season-csv.ts';

const H = 3_600_000;
const D = 24 * H;
const utc = (s: string) => Date.parse(s);
/** Tuesdays 18:00 in Vilnius (EET/EEST), 90 minutes. */
const vilnius: GroupSchedule = { weekday: 2, time: '18:00', timeZone: 'Europe/Vilnius', durationMinutes: 90 };
const times: GroupTimes = { personalMs: 24 * H, aggregateMs: 30 * D, idleMs: 120 * D, staleMeetingMs: 72 * H };

function group(over: Partial<GroupState> = {}): GroupState {
  return {
    ...createGroup({
      groupId: 'g1',
      now: utc('2025-03-01T10:00:00Z'),
      name: 'Tuesday group',
      language: 'lt',
      rules: ['What is said here stays here.'],
      agenda: ['Check-in'],
      settings: DEFAULT_GROUP_SETTINGS,
      schedule: vilnius,
      season: null,
      autoOpenMinutes: null,
      tokenHashes: { leader: 'L', participant: 'P', observer: 'O' },
    }),
    ...over,
  };
}
const entry = (date: string, name = 'Ona', tokenHash = `F-${date}`): RotaEntry => ({ date, name, tokenHash, fromMeetingId: 'm0', handedAt: 0 });
const record = (meetingId: string, date: string, closedAt: number): GroupRecord => ({
  meetingId,
  date,
  closedAt,
  roomVersion: 9,
  attendance: { attended: 5, observers: 1, profiles: { 'lived-experience': 3, relative: 1, professional: 0, other: 0, 'prefer-not-to-say': 0, 'not given': 1 } },
  feedback: { count: 3, safe: 4.333333, heard: 4, useful: null },
});

describe('G1 creating a group', () => {
  const ok = { name: 'Tuesday group', language: 'en' };
  it('[G1] a group needs a name and a language; schedule, season and settings are optional', () => {
    expect(CreateGroupBody.safeParse(ok).success).toBe(true);
    expect(CreateGroupBody.safeParse({ language: 'en' }).success).toBe(false);
    expect(CreateGroupBody.safeParse({ name: 'x', language: 'english!' }).success).toBe(false);
  });
  it('[G1] a schedule needs a weekday 1-7, a time HH:MM, a known time zone and a duration', () => {
    expect(CreateGroupBody.safeParse({ ...ok, schedule: vilnius }).success).toBe(true);
    expect(CreateGroupBody.safeParse({ ...ok, schedule: { ...vilnius, weekday: 8 } }).success).toBe(false);
    expect(CreateGroupBody.safeParse({ ...ok, schedule: { ...vilnius, time: '24:00' } }).success).toBe(false);
    expect(CreateGroupBody.safeParse({ ...ok, schedule: { ...vilnius, timeZone: 'Mars/Olympus' } }).success).toBe(false);
    expect(CreateGroupBody.safeParse({ ...ok, schedule: { ...vilnius, durationMinutes: 2 } }).success).toBe(false);
  });
  it('[G1] a season ends on or after its first day, on real dates', () => {
    expect(CreateGroupBody.safeParse({ ...ok, season: { from: '2025-09-01', to: '2026-05-31' } }).success).toBe(true);
    expect(CreateGroupBody.safeParse({ ...ok, season: { from: '2025-09-01', to: '2025-08-31' } }).success).toBe(false);
    expect(CreateGroupBody.safeParse({ ...ok, season: { from: '2025-02-30', to: '2025-03-31' } }).success).toBe(false);
  });
  it('[G1] opening by itself needs a weekly schedule', () => {
    expect(CreateGroupBody.safeParse({ ...ok, autoOpenMinutes: 15 }).success).toBe(false);
    expect(CreateGroupBody.safeParse({ ...ok, schedule: vilnius, autoOpenMinutes: 15 }).success).toBe(true);
  });
  it('[G1] the store indexes the three links and every facilitator link of the rota', () => {
    expect(groupTokenIndex(group({ rota: [entry('2025-03-11')] }))).toEqual([
      ['L', 'leader'],
      ['P', 'participant'],
      ['O', 'observer'],
      ['F-2025-03-11', 'facilitator'],
    ]);
  });
});

describe('G2 the next meeting, in the group time zone', () => {
  it('[G2] local dates, weekdays and offsets come from Intl, daylight saving included', () => {
    expect(weekdayOf('2025-03-04')).toBe(2);
    expect(weekdayOf('2025-03-09')).toBe(7);
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
    expect(offsetAt('Europe/Vilnius', utc('2025-01-15T12:00:00Z'))).toBe(2 * H);
    expect(offsetAt('Europe/Vilnius', utc('2025-07-15T12:00:00Z'))).toBe(3 * H);
    expect(localDate('Pacific/Auckland', utc('2025-03-04T20:00:00Z'))).toBe('2025-03-05');
  });

  it('[G2] a Tuesday 18:00 in Vilnius is 16:00 UTC in winter and 15:00 UTC in summer (a DST week)', () => {
    // EU summer time starts on Sunday 30 March 2025 at 01:00 UTC.
    expect(nextOccurrence(vilnius, null, utc('2025-03-24T12:00:00Z'))).toEqual({
      date: '2025-03-25',
      startsAt: utc('2025-03-25T16:00:00Z'),
      endsAt: utc('2025-03-25T17:30:00Z'),
    });
    const after = nextOccurrence(vilnius, null, utc('2025-03-26T12:00:00Z'))!;
    expect(after.date).toBe('2025-04-01');
    expect(after.startsAt).toBe(utc('2025-04-01T15:00:00Z'));
    expect(after.startsAt - utc('2025-03-25T16:00:00Z')).toBe(7 * D - H); // the DST week is an hour short
    // And back in autumn (26 October 2025).
    expect(nextOccurrence(vilnius, null, utc('2025-10-26T12:00:00Z'))!.startsAt).toBe(utc('2025-10-28T16:00:00Z'));
  });

  it('[G2] a meeting under way is still the next one; once it ended the following week is', () => {
    expect(nextOccurrence(vilnius, null, utc('2025-03-04T17:00:00Z'))!.date).toBe('2025-03-04');
    expect(nextOccurrence(vilnius, null, utc('2025-03-04T17:30:00Z'))!.date).toBe('2025-03-11');
  });

  it('[G2] the weekday is the local one: late evening in New York is already the next day in UTC', () => {
    const ny: GroupSchedule = { weekday: 1, time: '21:30', timeZone: 'America/New_York', durationMinutes: 60 };
    const occ = nextOccurrence(ny, null, utc('2025-11-01T00:00:00Z'))!;
    expect(occ.date).toBe('2025-11-03');
    expect(occ.startsAt).toBe(utc('2025-11-04T02:30:00Z'));
    expect(localParts('America/New_York', occ.startsAt)).toMatchObject({ hour: 21, minute: 30 });
  });

  it('[G2] a time that does not exist (spring forward) falls after the gap; a repeated one takes the first', () => {
    // Europe/Vilnius jumps from 03:00 to 04:00 on 2025-03-30.
    expect(zonedTime('Europe/Vilnius', '2025-03-30', '03:30')).toBe(utc('2025-03-30T01:30:00Z'));
    // 03:30 exists twice on 2025-10-26 (EEST then EET): the first, summer-time one.
    expect(zonedTime('Europe/Vilnius', '2025-10-26', '03:30')).toBe(utc('2025-10-26T00:30:00Z'));
  });

  it('[G2] the season bounds the meetings: none before its first day, none after its last', () => {
    const season = { from: '2025-09-01', to: '2025-09-30' };
    expect(nextOccurrence(vilnius, season, utc('2025-06-01T00:00:00Z'))!.date).toBe('2025-09-02');
    expect(nextOccurrence(vilnius, season, utc('2025-09-25T00:00:00Z'))!.date).toBe('2025-09-30');
    expect(nextOccurrence(vilnius, season, utc('2025-09-30T20:00:00Z'))).toBeNull();
    expect(occurrenceAfter(vilnius, season, '2025-09-30')).toBeNull();
  });

  it('[G2] the offset changes of a year are found to the minute', () => {
    const changes = offsetChanges('Europe/Vilnius', utc('2025-01-01T00:00:00Z'), utc('2026-01-01T00:00:00Z'));
    expect(changes).toEqual([
      { at: utc('2025-03-30T01:00:00Z'), from: 2 * H, to: 3 * H },
      { at: utc('2025-10-26T01:00:00Z'), from: 3 * H, to: 2 * H },
    ]);
    expect(offsetChanges('UTC', 0, 365 * D)).toEqual([]);
  });

  it('[G2] the calendar file is RFC 5545: CRLF, folded lines, a weekly RRULE in the group time zone with its VTIMEZONE', () => {
    const g = group({ name: 'Tuesday group; relatives, friends', season: { from: '2025-09-01', to: '2025-12-31' } });
    const ics = groupCalendar(g, utc('2025-08-01T00:00:00Z'))!;
    expect(ics.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(ics.split('\r\n').every((l) => Buffer.byteLength(l) <= 75)).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/\n/);
    expect(ics).toContain('DTSTART;TZID=Europe/Vilnius:20250902T180000\r\n');
    expect(ics).toContain('RRULE:FREQ=WEEKLY;BYDAY=TU;UNTIL=20251230T160000Z\r\n');
    expect(ics).toContain('DURATION:PT90M\r\n');
    expect(ics).toContain('SUMMARY;LANGUAGE=lt:Tuesday group\\; relatives\\, friends\r\n');
    expect(ics).toContain('BEGIN:STANDARD\r\nDTSTART:20251026T040000\r\nTZOFFSETFROM:+0300\r\nTZOFFSETTO:+0200\r\nEND:STANDARD');
    expect(groupCalendar(group({ schedule: null }), 0)).toBeNull();
  });

  it('[G2] long lines fold at 75 octets without splitting a character; text is escaped', () => {
    const folded = foldLine(`SUMMARY:${'ą'.repeat(60)}`);
    for (const l of folded.split('\r\n')) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(75);
    expect(folded.split('\r\n').slice(1).every((l) => l.startsWith(' '))).toBe(true);
    expect(folded.replace(/\r\n /g, '')).toBe(`SUMMARY:${'ą'.repeat(60)}`);
    expect(icsText('a,b;c\\d\ne')).toBe('a\\,b\\;c\\\\d\\ne');
  });
});

describe('G3 opening a meeting', () => {
  const now = utc('2025-03-04T15:30:00Z'); // Tuesday 17:30 in Vilnius
  it('[G3] the group leader may open one whenever none is under way; participants and observers never', () => {
    expect(mayOpen(group(), { kind: 'leader' }, false, now)).toEqual({ ok: true, date: '2025-03-04' });
    expect(mayOpen(group(), { kind: 'participant' }, false, now)).toMatchObject({ ok: false, error: { code: 'forbidden', key: 'group.leaderOnly' } });
    expect(mayOpen(group(), { kind: 'observer' }, false, now)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
  it('[G3] one meeting of a group is open at a time', () => {
    expect(mayOpen(group(), { kind: 'leader' }, true, now)).toMatchObject({ ok: false, error: { code: 'conflict', key: 'group.meetingOpen' } });
  });
  it('[G3] a facilitator opens only the meeting of their own date', () => {
    const g = group({ rota: [entry('2025-03-04')] });
    expect(mayOpen(g, { kind: 'facilitator', entry: entry('2025-03-04') }, false, now)).toEqual({ ok: true, date: '2025-03-04' });
    expect(mayOpen(g, { kind: 'facilitator', entry: entry('2025-03-11') }, false, now)).toMatchObject({ ok: false, error: { key: 'group.notYourDate' } });
  });
  it('[G3] a meeting opened shortly before a scheduled start stands for that date, even across midnight', () => {
    const late: GroupSchedule = { weekday: 3, time: '00:15', timeZone: 'Europe/Vilnius', durationMinutes: 60 };
    // Tuesday 23:50 local: the meeting is Wednesday's.
    expect(servedDate(late, null, 'Europe/Vilnius', utc('2025-03-04T21:50:00Z'))).toBe('2025-03-05');
    // Far from any scheduled meeting, or without a schedule: today's local date.
    expect(servedDate(vilnius, null, 'Europe/Vilnius', utc('2025-03-06T10:00:00Z'))).toBe('2025-03-06');
    expect(servedDate(null, null, 'UTC', utc('2025-03-06T23:59:00Z'))).toBe('2025-03-06');
  });
});

describe('G4 opening by itself', () => {
  const g = group({ autoOpenMinutes: 15 });
  it('[G4] the meeting opens by itself the configured minutes before its start, not earlier', () => {
    expect(autoOpenDue(g, utc('2025-03-04T15:44:59Z'))).toBeNull();
    expect(autoOpenDue(g, utc('2025-03-04T15:45:00Z'))).toMatchObject({ date: '2025-03-04' });
    expect(nextAutoOpen(g, utc('2025-03-01T00:00:00Z'))!.opensAt).toBe(utc('2025-03-04T15:45:00Z'));
  });
  it('[G4] once per date: after it opened (by itself or by a person) the next one is the following week', () => {
    expect(autoOpenDue({ ...g, autoOpenedFor: '2025-03-04' }, utc('2025-03-04T15:50:00Z'))).toBeNull();
    expect(autoOpenDue({ ...g, current: { meetingId: 'm', date: '2025-03-04', openedAt: 0 } }, utc('2025-03-04T15:50:00Z'))).toBeNull();
    expect(nextAutoOpen({ ...g, autoOpenedFor: '2025-03-04' }, utc('2025-03-04T15:50:00Z'))!.occurrence.date).toBe('2025-03-11');
  });
  it('[G4] never without the setting, and never after the season', () => {
    expect(autoOpenDue(group(), utc('2025-03-04T15:50:00Z'))).toBeNull();
    expect(autoOpenDue({ ...g, season: { from: '2025-01-01', to: '2025-03-03' } }, utc('2025-03-04T15:50:00Z'))).toBeNull();
  });
  it('[G4] the group deadline the store indexes is the next opening', () => {
    expect(nextGroupDeadline(g, utc('2025-03-01T00:00:00Z'), times)).toBe(utc('2025-03-04T15:45:00Z'));
    expect(nextGroupDeadline(group(), utc('2025-03-01T00:00:00Z'), times)).toBeNull();
  });
});

describe('G5 the rota', () => {
  const now = utc('2025-03-04T17:00:00Z');
  it('[G5] by default the facilitation is for the next scheduled meeting after the current one', () => {
    const g = group({ current: { meetingId: 'm', date: '2025-03-04', openedAt: 0 } });
    expect(handOverDate(g, undefined, now)).toEqual({ ok: true, date: '2025-03-11' });
  });
  it('[G5] a chosen date must be today or later, inside the season; without a schedule a date is needed', () => {
    expect(handOverDate(group(), '2025-03-20', now)).toEqual({ ok: true, date: '2025-03-20' });
    expect(handOverDate(group(), '2025-03-03', now)).toMatchObject({ ok: false, error: { key: 'group.datePast' } });
    expect(handOverDate(group({ season: { from: '2025-01-01', to: '2025-03-10' } }), '2025-03-11', now)).toMatchObject({ ok: false, error: { key: 'group.outsideSeason' } });
    expect(handOverDate(group({ schedule: null }), undefined, now)).toMatchObject({ ok: false, error: { key: 'group.dateNeeded' } });
    expect(handOverDate(group({ season: { from: '2025-01-01', to: '2025-03-05' }, current: { meetingId: 'm', date: '2025-03-04', openedAt: 0 } }), undefined, now)).toMatchObject({
      ok: false,
      error: { key: 'group.seasonOver' },
    });
  });
  it('[G5] one facilitator per date: a new one replaces (revokes) the old; the rota stays short and in date order', () => {
    let g = group();
    for (const d of ['2025-03-18', '2025-03-11']) {
      const r = withRotaEntry(g, entry(d));
      if (!r.ok) throw new Error('refused');
      g = r.state;
    }
    expect(g.rota.map((e) => e.date)).toEqual(['2025-03-11', '2025-03-18']);
    const again = withRotaEntry(g, entry('2025-03-11', 'Jonas', 'F-new'));
    expect(again).toMatchObject({ ok: true, replaced: { name: 'Ona', tokenHash: 'F-2025-03-11' } });
    if (!again.ok) return;
    expect(again.state.rota.find((e) => e.date === '2025-03-11')).toMatchObject({ name: 'Jonas', tokenHash: 'F-new' });
    const full = group({ rota: Array.from({ length: 12 }, (_, i) => entry(addDays('2025-04-01', i * 7))) });
    expect(withRotaEntry(full, entry('2026-01-01'))).toMatchObject({ ok: false, error: { key: 'group.rotaFull' } });
  });
  it('[G5] the group leader can take a date back; an unknown date is not_found', () => {
    const g = group({ rota: [entry('2025-03-11')] });
    expect(withoutRotaEntry(g, '2025-03-11')).toMatchObject({ ok: true, state: { rota: [] } });
    expect(withoutRotaEntry(g, '2025-03-18')).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});

describe('G7 the season records', () => {
  it('[G7] the CSV has a block per meeting: totals, profiles, feedback averages, names of those who agreed only', () => {
    const csv = seasonCsv({
      name: 'Tuesday group',
      season: null,
      meetings: [
        { meetingId: 'm1', date: '2025-03-04', attended: 5, observers: 1, profiles: record('m1', '', 0).attendance.profiles, names: ['=Ona'], feedback: { count: 3, safe: 4.333333, heard: 4, useful: null } },
      ],
    });
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('date,section,item,value');
    expect(lines).toContain('2025-03-04,total,attended,5');
    expect(lines).toContain('2025-03-04,profile,not given,1');
    expect(lines).toContain('2025-03-04,feedback,safe,4.33');
    expect(lines).toContain('2025-03-04,feedback,useful,');
    expect(lines).toContain("2025-03-04,name,'=Ona,");
    expect(csv.endsWith('\r\n')).toBe(true);
  });
});

describe('G8 what is kept, and how long', () => {
  it('[G8] aggregates live until the season ends plus the aggregate retention (without a season: from the meeting)', () => {
    const r = record('m1', '2025-03-04', utc('2025-03-04T17:30:00Z'));
    const seasonal = group({ season: { from: '2025-01-01', to: '2025-05-31' } });
    // The end of 31 May in Vilnius (EEST) is 21:00 UTC.
    expect(recordExpiresAt(seasonal, r, times)).toBe(utc('2025-05-31T21:00:00Z') + 30 * D);
    expect(recordExpiresAt(group(), r, times)).toBe(r.closedAt + 30 * D);
  });
  it('[G8] a rota name goes the personal retention after its meeting closed, or after its day if none was held', () => {
    const e = entry('2025-03-11');
    expect(rotaExpiresAt(group(), e, times)).toBe(utc('2025-03-11T22:00:00Z') + 24 * H);
    const held = group({ records: [record('m2', '2025-03-11', utc('2025-03-11T17:30:00Z'))] });
    expect(rotaExpiresAt(held, e, times)).toBe(utc('2025-03-11T17:30:00Z') + 24 * H);
  });
  it('[G8] pruning drops expired names, aggregates and meetings, and keeps the rest', () => {
    const g = group({
      rota: [entry('2025-03-04'), entry('2025-04-01')],
      records: [record('m1', '2025-03-04', utc('2025-03-04T17:30:00Z'))],
      meetings: [
        { meetingId: 'm1', date: '2025-03-04', openedAt: utc('2025-03-04T15:45:00Z') },
        { meetingId: 'm9', date: '2025-03-05', openedAt: utc('2025-03-05T10:00:00Z') },
      ],
    });
    const later = prune(g, utc('2025-03-20T00:00:00Z'), times);
    expect(later.changed).toBe(true);
    expect(later.state.rota.map((e) => e.date)).toEqual(['2025-04-01']);
    expect(later.state.records).toHaveLength(1);
    expect(later.state.meetings.map((m) => m.meetingId)).toEqual(['m1']);
    const muchLater = prune(g, utc('2025-04-20T00:00:00Z'), times);
    expect(muchLater.state.records).toEqual([]);
    expect(prune(later.state, utc('2025-03-20T00:00:00Z'), times)).toEqual({ state: later.state, changed: false });
  });
  it('[G8] the next group deadline is the earliest expiry', () => {
    const g = group({ rota: [entry('2025-03-11')], records: [record('m1', '2025-03-04', utc('2025-03-04T17:30:00Z'))] });
    expect(nextGroupDeadline(g, utc('2025-03-05T00:00:00Z'), times)).toBe(utc('2025-03-11T22:00:00Z') + 24 * H);
  });
});
