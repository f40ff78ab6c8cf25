import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COMMAND_NAMES, ERRORS, isErrorKey, PROTOCOL_VERSION, type Role } from '@peer-circle/shared';
import { io } from 'socket.io-client';
import type { RunningServer } from '../../server/src/server.ts';
import { ALLOWED_ROLES } from '../../server/src/room/index.ts';
import { testServer } from '../helpers/server.ts';
import { createMeeting, Member, Members, sleep } from '../helpers/client.ts';

let srv: RunningServer;
beforeAll(async () => {
  srv = await testServer({ ratePerSecond: 1000, apiRatePerMinute: 10_000 });
});
afterAll(async () => srv?.close());

interface Circle {
  leader: Member;
  ann: Member;
  bob: Member;
  obs: Member;
  all: Member[];
  tokens: Record<Role, string>;
}
const members = new Members(() => srv.url);
beforeEach(() => members.closeAll());

async function circle(start = true): Promise<Circle> {
  const m = await createMeeting(srv.url);
  const leader = await members.join(m.tokens.leader, 'Lea');
  const ann = await members.join(m.tokens.participant, 'Ann');
  const bob = await members.join(m.tokens.participant, 'Bob');
  const obs = await members.join(m.tokens.observer, 'Oli');
  const all = [leader, ann, bob, obs];
  if (start) expect((await leader.call('startMeeting', {})).ok).toBe(true);
  await Promise.all(all.map((x) => x.waitFor((s) => s.participants.length === 4 && (!start || s.phase === 'open'))));
  return { leader, ann, bob, obs, all, tokens: m.tokens };
}

/** Runs `act` and proves that nothing was broadcast and the stored room did not change. */
async function expectNoChange(c: Circle, act: () => Promise<void>): Promise<void> {
  const version = (await srv.store.load(c.leader.latest.meetingId))!.version;
  const counts = c.all.map((m) => m.states.length);
  await act();
  await sleep(60);
  expect(c.all.map((m) => m.states.length)).toEqual(counts);
  expect((await srv.store.load(c.leader.latest.meetingId))!.version).toBe(version);
}

describe('joining', () => {
  it('gives the role of the token used, a resume secret and the snapshot', async () => {
    const c = await circle(false);
    expect(c.leader.me.role).toBe('leader');
    expect(c.obs.me.role).toBe('observer');
    expect(c.ann.resume).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    const s = c.leader.latest;
    expect(s.participants.map((p) => [p.name, p.role])).toEqual([['Lea', 'leader'], ['Ann', 'participant'], ['Bob', 'participant'], ['Oli', 'observer']]);
    expect(JSON.stringify(s)).not.toContain(c.ann.resume);
  });

  it('ignores a role claimed by the client', async () => {
    const m = await createMeeting(srv.url);
    const sock = io(srv.url, { transports: ['websocket'], forceNew: true });
    const r = await sock.emitWithAck('join', { token: m.tokens.participant, name: 'Eve', protocolVersion: PROTOCOL_VERSION, role: 'leader' } as never);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('invalid_payload');
    sock.close();
  });

  it('refuses an old protocol version, an unknown token, and a second join on one connection', async () => {
    const m = await createMeeting(srv.url);
    const sock = io(srv.url, { transports: ['websocket'], forceNew: true });
    const old = await sock.emitWithAck('join', { token: m.tokens.participant, name: 'Eve', protocolVersion: 0 });
    expect(!old.ok && old.error).toEqual({ code: 'unsupported_protocol', key: 'protocol.outdated', message: 'This page is out of date. Please reload it.' });
    const bad = await sock.emitWithAck('join', { token: 'Z'.repeat(32), name: 'Eve', protocolVersion: PROTOCOL_VERSION });
    expect(!bad.ok && bad.error.code).toBe('not_found');
    expect((await sock.emitWithAck('join', { token: m.tokens.participant, name: 'Eve', protocolVersion: PROTOCOL_VERSION })).ok).toBe(true);
    const twice = await sock.emitWithAck('join', { token: m.tokens.participant, name: 'Eve', protocolVersion: PROTOCOL_VERSION });
    expect(!twice.ok && twice.error.code).toBe('conflict');
    sock.close();
  });

  it('[S9] resuming from a new connection restores the seat and ends the old connection', async () => {
    const c = await circle();
    await c.ann.call('raiseHand', {});
    const again = await members.join(c.tokens.participant, 'ignored', { resume: c.ann.resume });
    expect(again.me.id).toBe(c.ann.me.id);
    await c.ann.waitFor(() => c.ann.ended === 'superseded');
    expect(again.latest.queue).toEqual([c.ann.me.id]);
    expect(again.latest.participants.filter((p) => p.name === 'Ann')).toHaveLength(1);
  });

  it('[S9] a resume secret used with another role\'s link is refused', async () => {
    const c = await circle();
    await expect(Member.join(srv.url, c.tokens.leader, 'x', { resume: c.ann.resume })).rejects.toThrow(/forbidden/);
  });
});

/** A valid payload for each command (ids are placeholders where the command needs one). */
const PAYLOADS: Record<string, object> = {
  extendMeeting: { minutes: 1 },
  updateSettings: { signsEnabled: false },
  setRules: { rules: ['Be kind.'] },
  setAgenda: { items: [{ text: 'Welcome' }] },
  setAgendaCurrent: { id: 'x' },
  admit: { participantId: 'x' },
  turnAway: { participantId: 'x' },
  removeParticipant: { participantId: 'x' },
  handOver: { to: 'x' },
  setCoLeader: { participantId: 'x', on: true },
  sendSign: { kind: 'hear' },
  askCheckIn: { on: true },
  keepCircle: { on: true },
  reportConnection: { quality: 'poor' },
  addNote: { scales: { atmosphere: 4 }, text: 'calm' },
  deleteNote: { id: 'x' },
  saveRecommendation: { text: 'A warm meeting.' },
  giveFeedback: { safe: 5 },
  raiseConcern: { text: 'Please slow down a little.' },
};
const payloadFor = (cmd: string): object => PAYLOADS[cmd] ?? {};

/** Commands that need a meeting that has not started. */
const BEFORE_START = new Set(['startMeeting', 'setRules']);
/** Commands that need a closed meeting. */
const AFTER_CLOSE = new Set(['publishRecommendation', 'giveFeedback']);

/**
 * Gives the actor something to act on where the command needs it, and returns the payload that
 * would succeed for an allowed role.
 */
async function prepare(c: Circle, cmd: string, actor: Member, tokens: Record<Role, string>): Promise<object> {
  const payload = { ...payloadFor(cmd) };
  if (cmd === 'releaseStick' || cmd === 'declineStick') await c.leader.call('passStick', { to: actor.me.id });
  if (cmd === 'passStick' || cmd === 'lowerHand') await c.bob.call('raiseHand', {});
  if (cmd === 'lowerHand') await actor.call('raiseHand', {});
  if (cmd === 'takeStick') await c.leader.call('passStick', { to: c.bob.me.id });
  if (cmd === 'endRound') await c.leader.call('startRound', {});
  if (cmd === 'closeMeeting' || cmd === 'extendMeeting') await c.leader.call('warnClosing', {});
  if (cmd === 'deferTurn') {
    // The round offers the stick in circle order: Lea, then Ann.
    await c.leader.call('startRound', {});
    if (actor !== c.leader) await c.leader.call('releaseStick', {});
  }
  if (cmd === 'setAgendaCurrent') {
    await c.leader.call('setAgenda', { items: [{ text: 'Welcome' }] });
    const s = await c.leader.waitFor((x) => x.agenda.items.length === 1);
    Object.assign(payload, { id: s.agenda.items[0]!.id });
  }
  if (cmd === 'admit' || cmd === 'turnAway') {
    await c.leader.call('updateSettings', { admission: 'leader-admits' });
    const late = await members.join(tokens.participant, 'Late');
    expect(late.lobby).toBe(true);
    Object.assign(payload, { participantId: late.me.id });
  }
  if (cmd === 'removeParticipant' || cmd === 'setCoLeader') Object.assign(payload, { participantId: c.bob.me.id });
  if (cmd === 'handOver') Object.assign(payload, { to: c.bob.me.id });
  if (cmd === 'deleteNote') {
    await c.obs.call('addNote', { scales: {}, text: 'calm' });
    const s = await c.obs.waitFor((x) => (x.observer?.notes.length ?? 0) === 1);
    Object.assign(payload, { id: s.observer!.notes[0]!.id });
  }
  if (cmd === 'publishRecommendation') await c.obs.call('saveRecommendation', { text: 'A warm meeting.' });
  if (cmd === 'keepCircle' && actor === c.ann) {
    // F12: someone keeps the circle only once the meeting is leaderless: the leader leaves.
    await c.leader.call('leave', {});
    await actor.waitFor((s) => s.leaderless);
  }
  if (AFTER_CLOSE.has(cmd)) await c.leader.call('closeMeeting', { force: true });
  return payload;
}

describe('authorisation matrix: every command x every role', () => {
  const roles = ['leader', 'participant', 'observer'] as const;
  for (const cmd of COMMAND_NAMES) {
    for (const role of roles) {
      const allowed = ALLOWED_ROLES[cmd].includes(role);
      it(`${cmd} by ${role}: ${allowed ? 'allowed' : 'forbidden, with no change and no broadcast'}`, async () => {
        const c = await circle(!BEFORE_START.has(cmd));
        const actor = { leader: c.leader, participant: c.ann, observer: c.obs }[role];
        const payload = await prepare(c, cmd, actor, c.tokens);
        await sleep(30);
        if (allowed) {
          const before = actor.latest.version;
          const r = await actor.call(cmd, payload);
          expect(r).toEqual({ ok: true });
          await actor.waitFor((s) => s.version > before || cmd === 'leave');
        } else {
          await expectNoChange(c, async () => {
            const r = await actor.call(cmd, payload);
            expect(r.ok).toBe(false);
            expect(r.error?.code).toBe('forbidden');
            // A key the page translates, and its English words as the fallback.
            expect(r.error?.key).toMatch(/^forbidden\./);
            expect(isErrorKey(r.error?.key) && r.error?.message).toBe(ERRORS[r.error?.key as keyof typeof ERRORS]);
          });
        }
      });
    }
  }

  it('[F7] a co-leader has the leader\'s commands but cannot hand over the role or name co-leaders', async () => {
    const c = await circle();
    expect((await c.leader.call('setCoLeader', { participantId: c.ann.me.id, on: true })).ok).toBe(true);
    await c.ann.waitFor((s) => s.audience === 'leader');
    expect(await c.ann.call('startRound', {})).toEqual({ ok: true });
    expect((await c.ann.call('handOver', { to: c.ann.me.id })).error?.code).toBe('forbidden');
    expect((await c.ann.call('setCoLeader', { participantId: c.bob.me.id, on: true })).error?.code).toBe('forbidden');
  });

  it('a refused command answers {code, key, message}: the key for the page to translate, the English as a fallback', async () => {
    const c = await circle();
    expect(await c.ann.call('startRound', {})).toEqual({
      ok: false,
      error: { code: 'forbidden', key: 'forbidden.leaderOnly', message: 'Only the leader can do that.' },
    });
    expect(await c.ann.call('releaseStick', {})).toEqual({
      ok: false,
      error: { code: 'conflict', key: 'stick.notHolder', message: 'You do not hold the stick.' },
    });
    expect(await c.obs.call('raiseHand', {})).toEqual({
      ok: false,
      error: { code: 'forbidden', key: 'forbidden.observer', message: 'Observers listen: they do not take part in the word.' },
    });
  });

  it('a connection that has not joined may do nothing', async () => {
    const sock = io(srv.url, { transports: ['websocket'], forceNew: true });
    for (const cmd of COMMAND_NAMES) {
      const r = await sock.emitWithAck(cmd, payloadFor(cmd) as never);
      expect(!r.ok && r.error).toEqual({ code: 'forbidden', key: 'join.first', message: 'Join the meeting first.' });
    }
    sock.close();
  });
});

describe('bad payloads', () => {
  const cases: [string, string, unknown][] = [
    ['a string instead of an object', 'raiseHand', 'please'],
    ['an array', 'passStick', [1, 2]],
    ['an unknown field', 'raiseHand', { extra: 1 }],
    ['a number where an id belongs', 'passStick', { to: 42 }],
    ['a huge id', 'passStick', { to: 'x'.repeat(10_000) }],
    ['an id with odd characters', 'passStick', { to: '<script>' }],
    ['null', 'takeStick', null],
  ];
  it.each(cases)('answers invalid_payload for %s and changes nothing', async (_label, event, payload) => {
    const c = await circle();
    await expectNoChange(c, async () => {
      const r = await c.leader.call(event, payload);
      expect(r.ok).toBe(false);
      expect(r.error?.code).toBe('invalid_payload');
      expect(r.error?.key).toBe('payload.invalid');
      expect(r.error?.message).toMatch(/^Invalid /);
    });
  });

  it('answers invalid_payload for unknown events', async () => {
    const c = await circle();
    await expectNoChange(c, async () => {
      const r = await c.leader.call('becomeLeader', {});
      expect(r.error).toEqual({ code: 'invalid_payload', key: 'payload.unknownEvent', message: 'Unknown event "becomeLeader".' });
    });
  });

  it('refuses huge names and names with control characters at joining', async () => {
    const m = await createMeeting(srv.url);
    await expect(Member.join(srv.url, m.tokens.participant, 'x'.repeat(41))).rejects.toThrow(/invalid_payload/);
    await expect(Member.join(srv.url, m.tokens.participant, 'a\nb')).rejects.toThrow(/invalid_payload/);
  });

  it('closes the connection for a frame larger than the limit', async () => {
    const c = await circle();
    const closed = new Promise((r) => c.ann.socket.once('disconnect', r));
    (c.ann.socket.emit as (...a: unknown[]) => void)('raiseHand', { blob: 'x'.repeat(200_000) });
    await closed;
    expect(c.leader.latest.queue).toEqual([]);
  });
});

describe('the word moves and everyone sees it', () => {
  it('[S4][S5][S6] hands, passes and releases reach every member in version order', async () => {
    const c = await circle();
    await c.bob.call('raiseHand', {});
    await c.ann.call('raiseHand', {});
    await c.leader.call('passStick', {});
    for (const m of c.all) await m.waitFor((s) => s.stick.holderId === c.bob.me.id && s.queue.join() === c.ann.me.id);
    await c.bob.call('releaseStick', {});
    for (const m of c.all) {
      const s = await m.waitFor((x) => x.stick.holderId === null);
      expect(s.participants.find((p) => p.id === c.bob.me.id)?.turns).toBe(1);
      const versions = m.states.map((x) => x.version);
      expect(Math.max(...versions)).toBe(s.version);
    }
  });

  it('[S9][B1] a member who disconnects keeps their place for the grace period, then leaves the queue and the seat is pruned', async () => {
    const short = await testServer({ graceSeconds: 1, tickMs: 50 });
    const m = await createMeeting(short.url);
    const lea = await Member.join(short.url, m.tokens.leader, 'Lea');
    const ann = await Member.join(short.url, m.tokens.participant, 'Ann');
    await lea.call('startMeeting', {});
    await ann.call('raiseHand', {});
    ann.close();
    const during = await lea.waitFor((s) => s.participants.some((p) => p.id === ann.me.id && !p.connected));
    expect(during.queue).toEqual([ann.me.id]);
    const after = await lea.waitFor((s) => s.queue.length === 0, 4000);
    // B1: a seat that timed out is pruned at once; only anonymous counts remain.
    expect(after.participants.some((p) => p.id === ann.me.id)).toBe(false);
    lea.close();
    await short.close();
  });

  it('rate-limits a member who floods commands, without changing anything for the extra ones', async () => {
    const limited = await testServer({ ratePerSecond: 5 });
    const m = await createMeeting(limited.url);
    const lea = await Member.join(limited.url, m.tokens.leader, 'Lea');
    const codes = await Promise.all(Array.from({ length: 30 }, () => lea.call('lowerHand', {}).then((r) => (r.ok ? 'ok' : r.error?.code))));
    expect(codes).toContain('rate_limited');
    lea.close();
    await limited.close();
  });
});
