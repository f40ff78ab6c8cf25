/**
 * Weekly groups end to end over real HTTP and Socket.IO (rules G1-G7): a group is created once,
 * this week's meeting opens from its template, the same links join it, the leader hands next
 * week's facilitation to a participant (the link reaches only that person's connection), next
 * week's meeting opens with the same links and the facilitator leads it without any right over
 * the group; the season's records and CSV; opening by itself; two processes on one Redis.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CreateGroupResponse, GroupFacilitation, GroupRecordsView, GroupView } from '@peer-circle/shared';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { Members } from '../helpers/client.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';

const DAY = 86_400_000;
let offset = 0;
let srv: RunningServer;
const members = new Members(() => srv.url);

beforeAll(async () => {
  srv = await testServer({ apiRatePerMinute: 10_000, clock: () => Date.now() + offset, groupWaitMs: 3000 });
});
afterEach(() => members.closeAll());
afterAll(async () => {
  await srv?.close();
});

async function post(path: string, body: unknown, url = srv.url): Promise<{ status: number; json: any; text: string; type: string | null }> {
  const res = await fetch(`${url}/api/groups${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // CSV and calendar answers
  }
  return { status: res.status, json, text, type: res.headers.get('content-type') };
}

const isoWeekday = (ms: number) => new Date(ms).getUTCDay() || 7;
const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

async function createGroup(extra: Record<string, unknown> = {}, url = srv.url): Promise<CreateGroupResponse> {
  const r = await post(
    '',
    {
      name: 'Tuesday relatives group',
      language: 'en',
      rules: ['What is said here stays here.', 'Everyone may pass.'],
      agenda: ['Check-in', 'Sharing round'],
      settings: { closingWarningMinutes: 3, admission: 'open', signsEnabled: false },
      // Every week on today's weekday at midnight UTC: whatever the hour, a meeting opened now is today's.
      schedule: { weekday: isoWeekday(Date.now() + offset), time: '00:00', timeZone: 'UTC', durationMinutes: 60 },
      ...extra,
    },
    url,
  );
  expect(r.status, r.text).toBe(201);
  return r.json as CreateGroupResponse;
}

describe('weekly groups', () => {
  it('[G1] [G3] [G5] [G6] [G7] a group’s week: open from the template, the same links, a handed-over facilitator leads next week with no rights over the group', async () => {
    offset = 0;
    const g = await createGroup();
    expect(Object.keys(g.tokens).sort()).toEqual(['leader', 'observer', 'participant']);
    expect(g.links.participant).toBe(`${srv.url}/#/group/${g.tokens.participant}`);
    const today = utcDate(Date.now());

    // Before the meeting: the group page, no meeting, nobody can join yet.
    const before = await post('/lookup', { token: g.tokens.participant });
    expect(before.status).toBe(200);
    const view = before.json as GroupView;
    expect(view).toMatchObject({ name: 'Tuesday relatives group', kind: 'participant', meeting: null, mayOpen: false, rota: null, rules: ['What is said here stays here.', 'Everyone may pass.'] });
    expect(view.next?.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await expect(members.join(g.tokens.participant, 'Early')).rejects.toThrow(/not_found/);
    expect((await post('/lookup', { token: g.tokens.leader })).json).toMatchObject({ kind: 'leader', mayOpen: true, rota: [] });

    // A waiting page's lookup is held until the meeting opens (the join form appears by itself).
    const waiting = post('/lookup', { token: g.tokens.participant, wait: view.tag });

    // G3: participants cannot open; the group's leader opens this week's meeting from the template.
    expect((await post('/open', { token: g.tokens.participant })).status).toBe(403);
    const opened = await post('/open', { token: g.tokens.leader, title: 'Week 1' });
    expect(opened.status, opened.text).toBe(201);
    expect(opened.json.date).toBe(today);
    const week1 = opened.json.meetingId as string;
    expect((await post('/open', { token: g.tokens.leader })).json.error.key).toBe('group.meetingOpen');
    const woke = await waiting;
    expect(woke.json.meeting).toEqual({ meetingId: week1, date: today, phase: 'waiting' });

    // The group's links join this meeting, with their roles; rules, agenda and settings came from the group.
    const lead = await members.join(g.tokens.leader, 'Rūta', { choices: { inAttendance: true } });
    const ona = await members.join(g.tokens.participant, 'Ona', { choices: { inAttendance: true, profile: 'relative' } });
    const ben = await members.join(g.tokens.participant, 'Ben', { choices: { profile: 'lived-experience' } });
    const obs = await members.join(g.tokens.observer, 'Olga');
    expect([lead.me.role, ona.me.role, ben.me.role, obs.me.role]).toEqual(['leader', 'participant', 'participant', 'observer']);
    const s = lead.latest;
    expect(s).toMatchObject({ meetingId: week1, title: 'Week 1', settings: { rules: ['What is said here stays here.', 'Everyone may pass.'], closingWarningMinutes: 3, signsEnabled: false, durationMinutes: 60 } });
    expect(s.agenda.items.map((i) => i.text)).toEqual(['Check-in', 'Sharing round']);
    expect((await lead.call('startMeeting', {})).ok).toBe(true);

    // G5: hand next week's facilitation to Ona: the link reaches only her connection.
    expect((await post('/handover', { token: g.tokens.participant, participantId: ona.me.id })).status).toBe(403);
    expect((await post('/handover', { token: g.tokens.leader, participantId: obs.me.id })).json.error.key).toBe('group.seatObserver');
    expect((await post('/handover', { token: g.tokens.leader, participantId: lead.me.id })).json.error.key).toBe('group.seatLeads');
    const handed = await post('/handover', { token: g.tokens.leader, participantId: ona.me.id });
    expect(handed.status, handed.text).toBe(200);
    const nextWeek = utcDate(Date.now() + 7 * DAY);
    expect(handed.json).toEqual({ date: nextWeek });
    const pushed = await waitForFrame(ona, 'groupFacilitation');
    const info = pushed.args[0] as GroupFacilitation;
    expect(info).toMatchObject({ groupId: g.groupId, groupName: 'Tuesday relatives group', date: nextWeek });
    const facilitatorToken = new URL(info.link).hash.replace('#/group/', '');
    for (const other of [lead, ben, obs]) {
      expect(other.frames.some((f) => f.event === 'groupFacilitation')).toBe(false);
      expect(other.raw.some((r) => r.includes(facilitatorToken))).toBe(false);
    }
    expect((await post('/lookup', { token: g.tokens.leader })).json.rota).toEqual([{ date: nextWeek, name: 'Ona' }]);
    // This week, the facilitator link leads nothing: it is for next week's meeting.
    expect((await post('/lookup', { token: facilitatorToken })).json).toMatchObject({ kind: 'facilitator', facilitates: nextWeek, meeting: null, mayOpen: false });
    await expect(members.join(facilitatorToken, 'Ona')).rejects.toThrow(/not_found/);

    expect((await lead.call('closeMeeting', { force: true })).ok).toBe(true);
    expect((await ona.call('giveFeedback', { safe: 5, heard: 4 })).ok).toBe(true);
    expect((await ben.call('giveFeedback', { safe: 3 })).ok).toBe(true);
    const records = await waitFor(async () => {
      const r = (await post('/records', { token: g.tokens.leader })).json as GroupRecordsView;
      return r.meetings[0]?.feedback.count === 2 ? r : null;
    });
    expect(records.meetings).toEqual([
      {
        meetingId: week1,
        date: today,
        attended: 3,
        observers: 1,
        // E7: three people, three different answers: counted together, none shown apart.
        profiles: { 'lived-experience': null, relative: null, professional: null, other: null, 'prefer-not-to-say': null, 'not given': null },
        together: 3,
        names: ['Rūta', 'Ona'],
        feedback: { count: 2, safe: null, heard: null, useful: null }, // E8: fewer than k answers
      },
    ]);
    // G7: the season as CSV, for the group's leader; names while the meeting's personal data is kept.
    const csv = await post('/records.csv', { token: g.tokens.leader });
    expect(csv.status).toBe(200);
    expect(csv.type).toBe('text/csv; charset=utf-8');
    expect(csv.text.split('\r\n')).toEqual(
      expect.arrayContaining(['date,section,item,value', `${today},total,attended,3`, `${today},feedback,safe,`, `${today},name,Rūta,`, `${today},name,Ona,`]),
    );
    expect(csv.text).not.toContain('Ben');
    members.closeAll();

    // Next week: the same links; the facilitator opens the meeting and leads it.
    offset = 7 * DAY;
    expect((await post('/lookup', { token: g.tokens.participant })).json.meeting).toBeNull();
    expect((await post('/lookup', { token: facilitatorToken })).json).toMatchObject({ mayOpen: true });
    const second = await post('/open', { token: facilitatorToken });
    expect(second.status, second.text).toBe(201);
    expect(second.json.date).toBe(nextWeek);
    const week2 = second.json.meetingId as string;
    expect(week2).not.toBe(week1);
    const onaLeads = await members.join(facilitatorToken, 'Ona');
    const ben2 = await members.join(g.tokens.participant, 'Ben');
    expect(onaLeads.me.role).toBe('leader');
    expect(onaLeads.latest.meetingId).toBe(week2);
    expect(ben2.latest.meetingId).toBe(week2);
    expect((await onaLeads.call('startMeeting', {})).ok).toBe(true);
    expect((await onaLeads.call('setAgendaCurrent', { id: onaLeads.latest.agenda.items[0]!.id })).ok).toBe(true);

    // G6: a facilitator link gives no rights over the group itself.
    expect((await post('/records', { token: facilitatorToken })).status).toBe(404);
    expect((await post('/records.csv', { token: facilitatorToken })).status).toBe(404);
    expect((await post('/delete', { token: facilitatorToken })).status).toBe(404);
    expect((await post('/handover', { token: facilitatorToken, participantId: ben2.me.id })).status).toBe(403);
    expect((await post('/rota/revoke', { token: facilitatorToken, date: nextWeek })).status).toBe(403);
    expect((await post('/lookup', { token: facilitatorToken })).json.rota).toBeNull();

    // A week later the counts stay, the names went with last week's meeting (G8).
    const later = await post('/records.csv', { token: g.tokens.leader });
    expect(later.text).toContain(`${today},total,attended,3`);
    expect(later.text).not.toContain(',name,');

    // G2: the calendar file for anyone with a link.
    const ics = await post('/calendar', { token: g.tokens.participant });
    expect(ics.status).toBe(200);
    expect(ics.type).toBe('text/calendar; charset=utf-8');
    expect(ics.text).toContain(`RRULE:FREQ=WEEKLY;BYDAY=`);

    // G5: the group's leader takes the date back: the facilitator link stops at once.
    expect((await post('/rota/revoke', { token: g.tokens.leader, date: nextWeek })).status).toBe(200);
    expect((await post('/lookup', { token: facilitatorToken })).status).toBe(404);

    // G8: the group's leader deletes the group and everything of it at once.
    expect((await post('/delete', { token: g.tokens.leader })).status).toBe(200);
    expect((await post('/lookup', { token: g.tokens.leader })).status).toBe(404);
    expect(await srv.service.load(week1)).toBeNull();
    expect(await srv.service.load(week2)).toBeNull();
    expect(await srv.store.loadRecord(week1)).toBeNull();
    offset = 0;
  });

  it('[G1] bad bodies are refused with the field named, and change nothing', async () => {
    const bad = await post('', { name: 'x', language: 'en', schedule: { weekday: 2, time: '25:00', timeZone: 'UTC', durationMinutes: 60 } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'invalid_payload', key: 'payload.invalid' });
    expect(bad.json.error.message).toContain('schedule.time');
    expect((await post('/lookup', { token: 'x' })).status).toBe(400);
    expect((await post('/lookup', { token: 'A'.repeat(32) })).status).toBe(404);
    const g = await createGroup({ schedule: null });
    expect((await post('/calendar', { token: g.tokens.participant })).json.error.key).toBe('group.noSchedule');
    expect((await post('/open', { token: g.tokens.leader, rules: ['x'.repeat(300)] })).status).toBe(400);
    expect((await post('/lookup', { token: g.tokens.leader })).json.meeting).toBeNull();
  });

  it('[G4] a scheduled meeting opens by itself before its start, once, with the stick waiting for a leader', async () => {
    offset = 0;
    const start = Date.now() + 10 * 60_000;
    const g = await createGroup({ schedule: { weekday: isoWeekday(start), time: hhmm(start), timeZone: 'UTC', durationMinutes: 60 }, autoOpenMinutes: 15 });
    const view = await waitFor(async () => {
      const v = (await post('/lookup', { token: g.tokens.participant })).json as GroupView;
      return v.meeting ? v : null;
    });
    expect(view.meeting).toMatchObject({ date: utcDate(start), phase: 'waiting' });
    const ann = await members.join(g.tokens.participant, 'Ann');
    expect(ann.latest).toMatchObject({ phase: 'waiting', stick: { holderId: null }, leaderAway: false });
    expect((await ann.call('raiseHand', {})).error?.code).toBe('wrong_phase');
    // Ticks keep running: still the same single meeting.
    const again = await waitFor(async () => {
      const v = (await post('/lookup', { token: g.tokens.participant })).json as GroupView;
      return v.serverNow > view.serverNow + 800 ? v : null;
    });
    expect(again.meeting?.meetingId).toBe(view.meeting!.meetingId);
    const lead = await members.join(g.tokens.leader, 'Lea');
    expect((await lead.call('startMeeting', {})).ok).toBe(true);
  });
});

describe('several processes serve one group', () => {
  let redis: TestRedis;
  let a: RunningServer;
  let b: RunningServer;
  beforeAll(async () => {
    redis = await startRedis();
    const o = { redisUrl: redis.url, redisPrefix: 'grp:', apiRatePerMinute: 10_000, heartbeatMs: 250 };
    a = await testServer(o);
    b = await testServer(o);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  it('[G3] [G5] a group created on one process opens and hands over on the other; the link reaches the right connection', async () => {
    const g = await createGroup({}, a.url);
    const [first, second] = await Promise.all([post('/open', { token: g.tokens.leader }, a.url), post('/open', { token: g.tokens.leader }, b.url)]);
    expect([first.status, second.status].sort()).toEqual([201, 409]);
    const lookup = (await post('/lookup', { token: g.tokens.participant }, b.url)).json as GroupView;
    expect(lookup.meeting?.phase).toBe('waiting');
    const lead = await new Members(() => a.url).join(g.tokens.leader, 'Lea');
    const onB = new Members(() => b.url);
    const ona = await onB.join(g.tokens.participant, 'Ona');
    const handed = await post('/handover', { token: g.tokens.leader, participantId: ona.me.id }, a.url);
    expect(handed.status, handed.text).toBe(200);
    const frame = await waitForFrame(ona, 'groupFacilitation');
    expect((frame.args[0] as GroupFacilitation).date).toBe(handed.json.date);
    lead.close();
    onB.closeAll();
  });
});

async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

function waitForFrame(m: { frames: { event: string; args: unknown[] }[] }, event: string) {
  return waitFor(async () => m.frames.find((f) => f.event === event));
}
