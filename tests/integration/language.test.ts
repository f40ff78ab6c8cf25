/**
 * The meeting's language (issue 13): the leader chooses it when creating the meeting; the lookup
 * tells the invitation page, the default rules are offered in it and the attendance CSV is
 * written in it (headers, sections, profile names), also from the anonymous record after the
 * names are gone. English stays what it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCALE_DATA, PROFILES, type Language } from '@peer-circle/shared';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { createMeeting, Member, Members } from '../helpers/client.ts';

let srv: RunningServer;
beforeAll(async () => {
  srv = await testServer({ apiRatePerMinute: 1000 });
});
afterAll(async () => srv?.close());
const members = new Members(() => srv.url);
afterAll(() => members.closeAll());

const post = (url: string, path: string, body: unknown) =>
  fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The CSV's rows as cells; a non-English file starts with a byte order mark for spreadsheets. */
async function csvRows(res: Response, language: Language): Promise<string[][]> {
  const bytes = Buffer.from(await res.arrayBuffer());
  const bom = bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]));
  expect(bom).toBe(language !== 'en');
  return bytes
    .subarray(bom ? 3 : 0)
    .toString('utf8')
    .trimEnd()
    .split('\r\n')
    .map((r) => r.split(','));
}

const EXPECTED_HEADERS = { pl: ['data', 'tytuł', 'sekcja', 'pozycja', 'liczba'], fi: ['päivämäärä', 'otsikko', 'osio', 'kohta', 'määrä'] };
/** The lived-experience profile's name. */
const EXPECTED_PROFILE = { pl: 'osoba z własnym doświadczeniem', fi: 'oma kokemus' };

describe('the meeting’s language', () => {
  it('defaults to English with the English rules', async () => {
    const m = await createMeeting(srv.url, { title: 'Group' });
    const look = await (await post(srv.url, '/api/lookup', { token: m.tokens.participant })).json();
    expect(look).toMatchObject({ language: 'en', rules: [...LOCALE_DATA.en.defaultRules] });
  });

  it('is refused when it is not one we speak, and nothing is created', async () => {
    const res = await post(srv.url, '/api/meetings', { title: 'Group', language: 'xx' });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: 'invalid_payload', key: 'payload.invalid' });
  });

  it.each(['pl', 'fi', 'lt', 'sl', 'lv'] as const)('%s: the invitation knows it and the default rules are in it', async (language) => {
    const m = await createMeeting(srv.url, { title: 'Group', language });
    const look = await (await post(srv.url, '/api/lookup', { token: m.tokens.participant })).json();
    expect(look.language).toBe(language);
    expect(look.rules).toEqual([...LOCALE_DATA[language].defaultRules]);
    // Rules the leader wrote stay as written, whatever the language.
    const own = await createMeeting(srv.url, { title: 'Group', language, rules: ['Be kind'] });
    expect((await (await post(srv.url, '/api/lookup', { token: own.tokens.leader })).json()).rules).toEqual(['Be kind']);
  });

  it.each(['pl', 'fi'] as const)('[E4] %s: the attendance CSV has its headers, sections and profile names', async (language) => {
    const words = LOCALE_DATA[language].attendance;
    const m = await createMeeting(srv.url, { title: 'Grupa', language });
    await members.join(m.tokens.leader, 'Lea', { choices: { inAttendance: true, profile: 'professional' } });
    await members.join(m.tokens.participant, 'Ann', { choices: { inAttendance: true, profile: 'lived-experience' } });
    await members.join(m.tokens.participant, 'Cy');
    const res = await post(srv.url, '/api/attendance', { token: m.tokens.leader });
    expect(res.status).toBe(200);
    const rows = await csvRows(res, language);
    const h = words.header;
    expect(rows[0]).toEqual([h.date, h.title, h.section, h.item, h.count]);
    // The words themselves, as a Polish or Finnish reader sees them.
    expect(rows[0]).toEqual(EXPECTED_HEADERS[language]);
    expect(rows.map((r) => r[3])).toContain(EXPECTED_PROFILE[language]);
    const body = rows.slice(1).map((r) => r.slice(2));
    expect(body).toEqual([
      [words.section.total, words.item.attended, '3'],
      [words.section.total, words.item.observers, '0'],
      // E7: three people with three different answers: no profile is shown apart, all counted together.
      ...PROFILES.map((p) => [words.section.profile, words.profile[p], '']),
      [words.section.profile, words.item.notGiven, ''],
      [words.section.profile, words.item.countedTogether, '3'],
      [words.section.name, 'Lea', ''],
      [words.section.name, 'Ann', ''],
    ]);
  });

  it('[E5] the CSV from the anonymous record, once the names are gone, is in the meeting’s language too', async () => {
    const short = await testServer({ apiRatePerMinute: 1000, personalDataTtlHours: 0.4 / 3600, aggregateRetentionDays: 30 });
    const m = await createMeeting(short.url, { title: 'Ryhmä', language: 'fi' });
    const lead = await Member.join(short.url, m.tokens.leader, 'Lea', { choices: { inAttendance: true } });
    const ann = await Member.join(short.url, m.tokens.participant, 'Ann', { choices: { inAttendance: true, profile: 'relative' } });
    expect((await lead.call('closeMeeting', {})).ok).toBe(true);
    lead.close();
    ann.close();
    // Wait for the personal data to expire (its TTL), checking rather than sleeping a fixed time.
    await expect.poll(() => short.service.load(m.meetingId), { timeout: 5_000, interval: 50 }).toBeNull();
    const rows = await csvRows(await post(short.url, '/api/attendance', { token: m.tokens.leader }), 'fi');
    const words = LOCALE_DATA.fi.attendance;
    expect(rows[0]).toEqual(Object.values(words.header));
    // E7: one relative among two people is never shown apart.
    expect(rows).toContainEqual([expect.any(String), 'Ryhmä', words.section.profile, words.profile.relative, '']);
    expect(rows.flat()).not.toContain('Ann');
    await short.close();
  });
});
