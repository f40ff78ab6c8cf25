/** The attendance summary as CSV (rule E4): RFC 4180, safe to open in a spreadsheet. */
import { LOCALE_DATA, PROFILES } from '@peer-circle/shared';
import type { AttendanceSummary } from '../app/record.ts';

/**
 * One CSV cell. A cell a spreadsheet would read as a formula (starting with = + - @, tab or
 * carriage return) gets a leading apostrophe: names and titles are typed by people (CSV
 * injection). Cells with a comma, quote or line break are quoted, quotes doubled (RFC 4180).
 */
export function csvCell(value: string | number): string {
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export const csvRow = (cells: (string | number)[]): string => cells.map(csvCell).join(',');

/**
 * One table, `date,title,section,item,count` in the meeting's language: the totals, one row per
 * profile (in PROFILES order, then "not given"), then one `name` row (empty count) per person who
 * agreed to be named. A profile counted with others (E7: fewer than k people) has an empty count,
 * and a `counted together` row says how many they are. Lines end with CRLF (RFC 4180). The date
 * stays ISO (YYYY-MM-DD), which every spreadsheet reads as a date whatever its language.
 */
export function attendanceCsv(s: AttendanceSummary): string {
  const w = LOCALE_DATA[s.language].attendance;
  const row = (section: string, item: string, count: number | '') => csvRow([s.date, s.title, section, item, count]);
  const lines = [
    csvRow([w.header.date, w.header.title, w.header.section, w.header.item, w.header.count]),
    row(w.section.total, w.item.attended, s.counts.attended),
    row(w.section.total, w.item.observers, s.counts.observers),
    ...PROFILES.map((p) => row(w.section.profile, w.profile[p], s.counts.profiles[p] ?? '')),
    row(w.section.profile, w.item.notGiven, s.counts.profiles['not given'] ?? ''),
    ...(Object.values(s.counts.profiles).some((c) => c === null) ? [row(w.section.profile, w.item.countedTogether, s.counts.together ?? 0)] : []),
    ...s.names.map((n) => row(w.section.name, n, '')),
  ];
  // A byte order mark lets spreadsheet programs read the UTF-8 of names and of languages with
  // letters beyond ASCII (ą, ė, š, ä); English files stay byte-identical to what they were.
  const bom = s.language === 'en' ? '' : '\uFEFF';
  return bom + lines.map((l) => `${l}\r\n`).join('');
}

export const attendanceFilename = (s: AttendanceSummary): string => `attendance-${s.date}.csv`;
