import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/src/server.ts';
import { attendanceCsv, csvCell } from '../../server/src/http/csv.ts';
import { configFromEnv } from '../../server/src/config.ts';
import { testServer } from '../helpers/server.ts';
import { createMeeting, Member, sleep } from '../helpers/client.ts';

let srv: RunningServer;
beforeAll(async () => {
  srv = await testServer({ apiRatePerMinute: 1000 });
});
afterAll(async () => srv?.close());

const post = (path: string, body: unknown, raw = false) =>
  fetch(`${srv.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ? (body as string) : JSON.stringify(body) });

describe('HTTP API', () => {
  it('creates a meeting with three unguessable role tokens and links', async () => {
    const res = await post('/api/meetings', { title: 'Relatives group', closingWarningMinutes: 10, autoPass: true, rules: ['Be kind'] });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(Object.keys(body.tokens).sort()).toEqual(['leader', 'observer', 'participant']);
    for (const t of Object.values(body.tokens) as string[]) expect(Buffer.from(t, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(new Set(Object.values(body.tokens)).size).toBe(3);
    expect(body.links.participant).toBe(`${srv.url}/#/join/${body.tokens.participant}`);
    const look = await post('/api/lookup', { token: body.tokens.observer });
    expect(await look.json()).toMatchObject({ meetingId: body.meetingId, title: 'Relatives group', role: 'observer', phase: 'waiting', rules: ['Be kind'] });
  });

  it.each([
    ['no title', {}],
    ['empty title', { title: '   ' }],
    ['title too long', { title: 'x'.repeat(500) }],
    ['wrong type', { title: 'a', autoPass: 'yes' }],
    ['bad minutes', { title: 'a', closingWarningMinutes: -3 }],
    ['unknown field', { title: 'a', admin: true }],
    ['too many rules', { title: 'a', rules: Array.from({ length: 50 }, () => 'r') }],
    ['control characters', { title: 'a\u0007b' }],
  ])('answers 400 invalid_payload with a clear message for %s', async (_label, body) => {
    const res = await post('/api/meetings', body);
    expect(res.status).toBe(400);
    const j = await res.json();
    expect(j.error.code).toBe('invalid_payload');
    // The key says what kind of refusal it was (pages translate it); the English says which field.
    expect(j.error.key).toBe('payload.invalid');
    expect(j.error.message).toMatch(/^Invalid /);
  });

  it('answers 400 for a body that is not JSON, and 413 for a huge one', async () => {
    const res = await post('/api/meetings', '{"title":', true);
    expect(res.status).toBe(400);
    expect((await res.json()).error).toEqual({ code: 'invalid_payload', key: 'request.badJson', message: 'The request body is not valid JSON.' });
    const big = await post('/api/meetings', { title: 'x'.repeat(100_000) });
    expect(big.status).toBe(413);
  });

  it('answers 404 for an unknown link and 400 for a malformed one', async () => {
    expect((await post('/api/lookup', { token: 'A'.repeat(32) })).status).toBe(404);
    expect((await post('/api/lookup', { token: '../etc' })).status).toBe(400);
  });

  it('reports health and sends security headers', async () => {
    const res = await fetch(`${srv.url}/api/health`);
    expect(await res.json()).toEqual({ ok: true, store: 'memory', nodeId: srv.nodeId, mediaMeetings: null, mediaLoad: null, redis: null });
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('rate-limits the API per address', async () => {
    const limited = await testServer({ apiRatePerMinute: 3 });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await fetch(`${limited.url}/api/meetings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title":"a"}' })).status);
    expect(codes).toEqual([201, 201, 201, 429, 429]);
    await limited.close();
  });
});

const UNKNOWN = 'This link does not work any more. Ask the leader for a new one.';

describe('attendance summary (E4, E5)', () => {
  it('[E4] quotes cells as RFC 4180 says and neutralises spreadsheet formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a, b')).toBe('"a, b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    for (const f of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx']) expect(csvCell(f)).toBe(`'${f}`);
    expect(csvCell('=HYPERLINK("x","y")')).toBe(`"'=HYPERLINK(""x"",""y"")"`);
    expect(csvCell(3)).toBe('3');
    const csv = attendanceCsv({
      date: '2025-03-04',
      title: 'Group, Tuesday',
      language: 'en',
      counts: { attended: 7, observers: 1, profiles: { 'lived-experience': 4, relative: null, professional: null, other: 0, 'prefer-not-to-say': 0, 'not given': null }, together: 3 },
      names: ['=cmd|x', 'Ann'],
    });
    expect(csv.split('\r\n')).toEqual([
      'date,title,section,item,count',
      '2025-03-04,"Group, Tuesday",total,attended,7',
      '2025-03-04,"Group, Tuesday",total,observers,1',
      '2025-03-04,"Group, Tuesday",profile,lived-experience,4',
      '2025-03-04,"Group, Tuesday",profile,relative,',
      '2025-03-04,"Group, Tuesday",profile,professional,',
      '2025-03-04,"Group, Tuesday",profile,other,0',
      '2025-03-04,"Group, Tuesday",profile,prefer-not-to-say,0',
      '2025-03-04,"Group, Tuesday",profile,not given,',
      '2025-03-04,"Group, Tuesday",profile,counted together,3',
      `2025-03-04,"Group, Tuesday",name,'=cmd|x,`,
      '2025-03-04,"Group, Tuesday",name,Ann,',
      '',
    ]);
  });

  it('[E4][E7] gives the leader a CSV with counts by profile (none under 3) and only the names of those who agreed', async () => {
    const m = await createMeeting(srv.url, { title: 'Relatives group' });
    const lead = await Member.join(srv.url, m.tokens.leader, 'Lea', { choices: { inAttendance: true, profile: 'professional' } });
    const ann = await Member.join(srv.url, m.tokens.participant, 'Ann', { choices: { inAttendance: true, profile: 'lived-experience' } });
    const bob = await Member.join(srv.url, m.tokens.participant, 'Bob', { choices: { inAttendance: false, profile: 'lived-experience' } });
    const cy = await Member.join(srv.url, m.tokens.participant, 'Cy');
    const obs = await Member.join(srv.url, m.tokens.observer, 'Olga', { choices: { inAttendance: true } });
    const res = await post('/api/attendance', { token: m.tokens.leader });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const day = new Date().toISOString().slice(0, 10);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="attendance-${day}.csv"`);
    const rows = (await res.text()).trimEnd().split('\r\n');
    expect(rows[0]).toBe('date,title,section,item,count');
    const body = rows.slice(1).map((r) => r.replace(`${day},Relatives group,`, ''));
    expect(body).toEqual([
      'total,attended,4',
      'total,observers,1',
      // E7: 2, 1 and 1 are each under 3, together 4: no profile can be counted on its own.
      'profile,lived-experience,',
      'profile,relative,',
      'profile,professional,',
      'profile,other,',
      'profile,prefer-not-to-say,',
      'profile,not given,',
      'profile,counted together,4',
      'name,Lea,',
      'name,Ann,',
      'name,Olga,',
    ]);
    for (const x of [lead, ann, bob, cy, obs]) x.close();
  });

  it('[E4] answers any other link as an unknown one: participant and observer links, unknown and malformed tokens', async () => {
    const m = await createMeeting(srv.url);
    for (const token of [m.tokens.participant, m.tokens.observer, 'A'.repeat(32)]) {
      const res = await post('/api/attendance', { token });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: 'not_found', key: 'link.unknown', message: UNKNOWN } });
    }
    expect((await post('/api/attendance', { token: '../etc' })).status).toBe(400);
    expect((await post('/api/attendance', { token: m.tokens.leader, extra: 1 })).status).toBe(400);
  });

  it('[E5] after the personal data is gone, still gives the counts from the anonymous record, without names', async () => {
    const short = await testServer({ apiRatePerMinute: 1000, personalDataTtlHours: 0.4 / 3600, aggregateRetentionDays: 30 });
    const m = await createMeeting(short.url, { title: 'Short group' });
    const lead = await Member.join(short.url, m.tokens.leader, 'Lea', { choices: { inAttendance: true } });
    const ann = await Member.join(short.url, m.tokens.participant, 'Ann', { choices: { inAttendance: true, profile: 'relative' } });
    expect((await lead.call('closeMeeting', {})).ok).toBe(true); // never started: called off (C2)
    lead.close();
    ann.close();
    await sleep(600);
    expect(await short.service.load(m.meetingId)).toBeNull();
    const res = await fetch(`${short.url}/api/attendance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: m.tokens.leader }) });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('total,attended,2');
    // E7: one relative among two people is only counted together.
    expect(text).toContain('profile,relative,\r\n');
    expect(text).toContain('profile,counted together,2\r\n');
    expect(text).not.toContain(',name,');
    expect(text).not.toMatch(/Lea|Ann/);
    await short.close();
  });

  it('creates a meeting with the share timer, admission and signs settings (F3, L1, F8)', async () => {
    const m = await createMeeting(srv.url, { title: 'Settings', shareTimerMinutes: 5, admission: 'leader-admits', signsEnabled: false });
    const lead = await Member.join(srv.url, m.tokens.leader, 'Lea');
    expect(lead.latest.settings).toMatchObject({ shareTimerMinutes: 5, admission: 'leader-admits', signsEnabled: false });
    const d = await createMeeting(srv.url, { title: 'Defaults' });
    const lead2 = await Member.join(srv.url, d.tokens.leader, 'Lea');
    expect(lead2.latest.settings).toMatchObject({ shareTimerMinutes: null, admission: 'open', signsEnabled: true, privacyMinGroup: 3 });
    lead.close();
    lead2.close();
  });

  it('[O7] PRIVACY_MIN_GROUP sets k for the meetings a server creates; below 2 it is refused', async () => {
    expect(configFromEnv({}).PRIVACY_MIN_GROUP).toBe(3);
    expect(configFromEnv({ PRIVACY_MIN_GROUP: '5' }).PRIVACY_MIN_GROUP).toBe(5);
    expect(() => configFromEnv({ PRIVACY_MIN_GROUP: '1' })).toThrow(/PRIVACY_MIN_GROUP/);
    const k5 = await testServer({ privacyMinGroup: 5 });
    const m = await createMeeting(k5.url, { title: 'Five' });
    const lead = await Member.join(k5.url, m.tokens.leader, 'Lea');
    expect(lead.latest.settings.privacyMinGroup).toBe(5);
    lead.close();
    await k5.close();
  });
});
