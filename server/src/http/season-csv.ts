/**
 * The season's records as CSV (G7), for the group's leader: RFC 4180 with CRLF, one table
 * `date,section,item,value`, a block per meeting held, oldest first: the totals, one row per
 * profile, the anonymous feedback (how many answered, then each question's average, empty when
 * nobody answered it), then one `name` row per person who agreed at that meeting to be named,
 * while that meeting's personal data is still kept. No row links a feedback answer to a person.
 */
import { GROUP_PROFILES, type GroupRecordsView } from '@peer-circle/shared';
import { csvRow } from './csv.ts';

const average = (v: number | null): string => (v === null ? '' : (Math.round(v * 100) / 100).toFixed(2));

export function seasonCsv(v: GroupRecordsView): string {
  const lines = [csvRow(['date', 'section', 'item', 'value'])];
  for (const m of v.meetings) {
    const row = (section: string, item: string, value: string | number) => lines.push(csvRow([m.date, section, item, value]));
    row('total', 'attended', m.attended);
    row('total', 'observers', m.observers);
    // E7: a profile fewer than k people share stays empty and is counted in `counted together`.
    for (const p of GROUP_PROFILES) row('profile', p, m.profiles[p] ?? '');
    if (GROUP_PROFILES.some((p) => m.profiles[p] === null)) row('profile', 'counted together', m.together ?? 0);
    row('feedback', 'answers', m.feedback.count);
    row('feedback', 'safe', average(m.feedback.safe));
    row('feedback', 'heard', average(m.feedback.heard));
    row('feedback', 'useful', average(m.feedback.useful));
    for (const n of m.names) row('name', n, '');
  }
  return lines.map((l) => `${l}\r\n`).join('');
}

export const seasonFilename = (v: GroupRecordsView): string =>
  `season-${v.season ? `${v.season.from}-to-${v.season.to}` : (v.meetings.at(-1)?.date ?? 'records')}.csv`;
