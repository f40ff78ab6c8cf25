/**
 * Rule E5 end to end: a meeting with canary names, notes, feedback and a concern runs over real
 * Socket.IO against a throwaway Redis with tiny retention times; afterwards every key of every
 * type is read back and searched. After the personal retention only the anonymous record is
 * left; after the aggregate retention nothing about the meeting is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { RunningServer } from '../../server/src/server.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { testServer } from '../helpers/server.ts';
import { createMeeting, Member, sleep } from '../helpers/client.ts';

const PERSONAL_S = 2;
const AGGREGATE_S = 5;
/** Redis expiry and the trimming beat need a moment beyond the nominal time. */
const MARGIN_MS = 800;

const CANARY = {
  lead: 'Canary-Name-7f3a-Lea',
  ann: 'Canary-Name-7f3a-Ann',
  ben: 'Canary-Name-7f3a-Ben',
  observer: 'Canary-Name-7f3a-Obs',
  note: 'Canary-Note-91c2 she looked relieved',
  recommendation: 'Canary-Recommendation-44d0',
  feedback: 'Canary-Feedback-0b7e',
  concern: 'Canary-Concern-d15a',
  agenda: 'Canary-Agenda-5e11',
};
const TITLE = 'Canary-Title-2c9d';

let redis: TestRedis;
let srv: RunningServer;
let db: Redis;
beforeAll(async () => {
  redis = await startRedis();
  db = redis.client();
  srv = await testServer({
    redisUrl: redis.url,
    redisPrefix: 'ret:',
    personalDataTtlHours: PERSONAL_S / 3600,
    aggregateRetentionDays: AGGREGATE_S / 86_400,
    broadcastRetentionSeconds: 1,
    graceSeconds: 1,
    heartbeatMs: 250,
    apiRatePerMinute: 1000,
  });
});
afterAll(async () => {
  await srv?.close();
  await redis?.stop();
});

interface Dumped {
  key: string;
  type: string;
  text: string;
}

/** Every key in Redis with every value it holds, whatever its type, as latin1 text. */
async function dumpRedis(): Promise<Dumped[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await db.scan(cursor, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const out: Dumped[] = [];
  const text = (bufs: (Buffer | string)[]) => bufs.map((b) => (Buffer.isBuffer(b) ? b.toString('latin1') : b)).join('\n');
  for (const key of new Set(keys)) {
    const type = await db.type(key);
    let values: (Buffer | string)[] = [];
    switch (type) {
      case 'string':
        values = [(await db.getBuffer(key)) ?? ''];
        break;
      case 'hash':
        values = Object.entries(await db.hgetallBuffer(key)).flat();
        break;
      case 'list':
        values = await db.lrangeBuffer(key, 0, -1);
        break;
      case 'set':
        values = await db.smembersBuffer(key);
        break;
      case 'zset':
        values = await db.zrangeBuffer(key, '0', '-1', 'WITHSCORES');
        break;
      case 'stream':
        values = (await db.xrangeBuffer(key, '-', '+')).flatMap(([id, fields]) => [id, ...fields]);
        break;
      case 'none':
        break; // expired between SCAN and reading it
      default:
        throw new Error(`unexpected Redis type ${type} for ${key}`);
    }
    out.push({ key, type, text: `${key}\n${text(values)}` });
  }
  return out;
}

const holding = (dump: Dumped[], needle: string) => dump.filter((d) => d.text.includes(needle)).map((d) => `${d.type} ${d.key}`);

describe('retention (E5)', () => {
  it('[E5] names, notes, feedback texts and concerns are nowhere in Redis after the personal retention; the anonymous record goes after the aggregate one', async () => {
    const m = await createMeeting(srv.url, { title: TITLE });
    const lead = await Member.join(srv.url, m.tokens.leader, CANARY.lead, { choices: { inAttendance: true, profile: 'professional' } });
    const ann = await Member.join(srv.url, m.tokens.participant, CANARY.ann, { choices: { inAttendance: true, profile: 'lived-experience', namedToObservers: true } });
    const ben = await Member.join(srv.url, m.tokens.participant, CANARY.ben, { choices: { profile: 'relative' } });
    const obs = await Member.join(srv.url, m.tokens.observer, CANARY.observer, { choices: { inAttendance: true } });
    const ok = async (who: Member, event: string, payload: unknown = {}) => {
      const r = await who.call(event, payload);
      expect(r, `${event}: ${JSON.stringify(r.error)}`).toMatchObject({ ok: true });
    };

    await ok(lead, 'setAgenda', { items: [{ text: CANARY.agenda }] });
    await ok(lead, 'startMeeting');
    await ok(ann, 'raiseHand');
    await ok(lead, 'passStick', {});
    await ok(ann, 'releaseStick');
    await ok(ben, 'raiseConcern', { text: CANARY.concern });
    await ok(ben, 'askCheckIn', { on: true });
    await ok(obs, 'addNote', { scales: { atmosphere: 4 }, text: CANARY.note });
    await ok(obs, 'saveRecommendation', { text: CANARY.recommendation });
    await ok(lead, 'closeMeeting', { force: true });
    const closedAt = Date.now();
    await ok(ann, 'giveFeedback', { safe: 5, heard: 4, text: CANARY.feedback });
    await ok(obs, 'publishRecommendation');

    // The test can see what it is looking for: everything is in Redis now, broadcasts included.
    const during = await dumpRedis();
    for (const canary of Object.values(CANARY)) expect(holding(during, canary), canary).not.toEqual([]);
    expect(during.filter((d) => d.type === 'stream' && d.text.includes(CANARY.ann)).length).toBeGreaterThan(0);

    for (const x of [lead, ann, ben, obs]) x.close();
    await sleep(Math.max(0, closedAt + PERSONAL_S * 1000 + MARGIN_MS - Date.now()));

    const after = await dumpRedis();
    for (const canary of Object.values(CANARY)) expect(holding(after, canary), canary).toEqual([]);
    expect(await srv.service.load(m.meetingId)).toBeNull();
    // The anonymous record stays: counts and averages, no names or texts.
    const record = await srv.store.loadRecord(m.meetingId);
    expect(record).toMatchObject({
      meetingId: m.meetingId,
      title: TITLE,
      // E7: three profiles of one person each are only counted together.
      attendance: { attended: 3, observers: 1, profiles: { professional: null, 'lived-experience': null, relative: null, 'not given': null }, together: 3 },
      feedback: { count: 1, safe: null, heard: null, useful: null }, // E8: one answer is never averaged
    });
    expect(record!.word).toMatchObject({ shown: true, people: 3 });
    expect(holding(after, m.meetingId).sort()).toEqual([`string ret:record-token:${record!.leaderTokenHash}`, `string ret:record:${m.meetingId}`].sort());
    const csv = await fetch(`${srv.url}/api/attendance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: m.tokens.leader }) });
    expect(csv.status).toBe(200);
    const table = await csv.text();
    expect(table).toContain('total,attended,3');
    expect(table).not.toContain('Canary-Name');

    await sleep(Math.max(0, closedAt + AGGREGATE_S * 1000 + MARGIN_MS - Date.now()));
    const gone = await dumpRedis();
    expect(holding(gone, m.meetingId)).toEqual([]);
    expect(holding(gone, TITLE)).toEqual([]);
    for (const canary of Object.values(CANARY)) expect(holding(gone, canary), canary).toEqual([]);
    expect(await srv.store.loadRecord(m.meetingId)).toBeNull();
    const none = await fetch(`${srv.url}/api/attendance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: m.tokens.leader }) });
    expect(none.status).toBe(404);
  }, 30_000);
});

describe('retention of weekly groups (G8)', () => {
  const GROUP_CANARY = { lead: 'Canary-Group-8e1b-Lea', ann: 'Canary-Group-8e1b-Ann', ben: 'Canary-Group-8e1b-Ben' };
  const groupPost = async (path: string, body: unknown) => {
    const res = await fetch(`${srv.url}/api/groups${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json().catch(() => null)) as any };
  };
  const createGroup = async () => {
    const r = await groupPost('', {
      name: 'Canary-Group-Name-3f0c',
      language: 'en',
      schedule: { weekday: new Date().getUTCDay() || 7, time: '00:00', timeZone: 'UTC', durationMinutes: 60 },
    });
    expect(r.status).toBe(201);
    return r.json as { groupId: string; tokens: { leader: string; participant: string; observer: string } };
  };

  it('[G8] a group keeps no name across meetings: the meeting names and the rota pseudonym go after the personal retention, the aggregates after theirs', async () => {
    const g = await createGroup();
    const opened = await groupPost('/open', { token: g.tokens.leader });
    expect(opened.status).toBe(201);
    const meetingId = opened.json.meetingId as string;
    const lead = await Member.join(srv.url, g.tokens.leader, GROUP_CANARY.lead, { choices: { inAttendance: true } });
    const ann = await Member.join(srv.url, g.tokens.participant, GROUP_CANARY.ann, { choices: { inAttendance: true, profile: 'relative' } });
    expect((await lead.call('startMeeting', {})).ok).toBe(true);
    // The rota keeps Ann's pseudonym for today's date: it must go with today's meeting.
    const today = new Date().toISOString().slice(0, 10);
    expect((await groupPost('/handover', { token: g.tokens.leader, participantId: ann.me.id, date: today })).status).toBe(200);
    expect((await lead.call('closeMeeting', { force: true })).ok).toBe(true);
    const closedAt = Date.now();
    expect((await ann.call('giveFeedback', { safe: 4 })).ok).toBe(true);

    const during = await dumpRedis();
    expect(holding(during, GROUP_CANARY.ann).some((k) => k.includes(`group:${g.groupId}`))).toBe(true);
    const records = await groupPost('/records', { token: g.tokens.leader });
    expect(records.json.meetings[0].names).toEqual([GROUP_CANARY.lead, GROUP_CANARY.ann]);
    lead.close();
    ann.close();

    await sleep(Math.max(0, closedAt + PERSONAL_S * 1000 + MARGIN_MS - Date.now()));
    const after = await dumpRedis();
    for (const canary of Object.values(GROUP_CANARY)) expect(holding(after, canary), canary).toEqual([]);
    const kept = await groupPost('/records', { token: g.tokens.leader });
    expect(kept.json.meetings).toHaveLength(1);
    expect(kept.json.meetings[0]).toMatchObject({ attended: 2, names: [], feedback: { count: 1, safe: null } });
    expect((await groupPost('/lookup', { token: g.tokens.leader })).json.rota).toEqual([]);

    await sleep(Math.max(0, closedAt + AGGREGATE_S * 1000 + MARGIN_MS - Date.now()));
    const gone = await dumpRedis();
    expect(holding(gone, meetingId)).toEqual([]);
    expect((await groupPost('/records', { token: g.tokens.leader })).json.meetings).toEqual([]);
    // The group itself stays (it is not idle): its name and links, nothing about a meeting.
    expect((await groupPost('/lookup', { token: g.tokens.participant })).status).toBe(200);
  }, 30_000);

  it('[G8] the group’s leader deletes the group and everything of it at once', async () => {
    const g = await createGroup();
    const opened = await groupPost('/open', { token: g.tokens.leader });
    const meetingId = opened.json.meetingId as string;
    const ben = await Member.join(srv.url, g.tokens.participant, GROUP_CANARY.ben);
    expect(holding(await dumpRedis(), GROUP_CANARY.ben)).not.toEqual([]);
    expect((await groupPost('/delete', { token: g.tokens.participant })).status).toBe(404);
    // Ben leaves first: his connection's bookkeeping (which process holds which room) is gone then.
    ben.close();
    while ((await srv.service.load(meetingId))?.participants[0]?.connId !== null) await sleep(10);
    expect((await groupPost('/delete', { token: g.tokens.leader })).status).toBe(200);
    const deletedAt = Date.now();
    // At once: no key of the store holds the group, its meeting or a name any more...
    const stored = (await dumpRedis()).filter((d) => d.type !== 'stream');
    expect(holding(stored, GROUP_CANARY.ben)).toEqual([]);
    expect(holding(stored, g.groupId)).toEqual([]);
    expect(holding(stored, meetingId)).toEqual([]);
    // ...and the broadcasts that carried the name leave the stream with its usual trimming (E5).
    await sleep(Math.max(0, deletedAt + 1000 + MARGIN_MS - Date.now()));
    expect(holding(await dumpRedis(), GROUP_CANARY.ben)).toEqual([]);
    for (const t of Object.values(g.tokens)) expect((await groupPost('/lookup', { token: t })).status).toBe(404);
  }, 30_000);
});
