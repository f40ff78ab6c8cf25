/**
 * Observers and the end of the meeting over real Socket.IO (rules O2-O6, E1-E2): the
 * frame-capture privacy test, labels, live facts, publishing, the closing view and feedback.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RoomSnapshot } from '@peer-circle/shared';
import type { RunningServer } from '../../server/src/server.ts';
import { testServer } from '../helpers/server.ts';
import { createMeeting, Members, sleep } from '../helpers/client.ts';

let srv: RunningServer;
beforeAll(async () => {
  srv = await testServer({ ratePerSecond: 1000, apiRatePerMinute: 10_000 });
});
afterAll(async () => srv?.close());

const members = new Members(() => srv.url);
beforeEach(() => members.closeAll());
const join = members.join;

const NOTE = 'Canary-note-text-91c2';
const DRAFT = 'Canary-draft-text-5be0';

async function meeting() {
  const m = await createMeeting(srv.url, { title: 'Tuesday group' });
  const lea = await join(m.tokens.leader, 'Lea', { choices: { profile: 'lived-experience' } });
  const ann = await join(m.tokens.participant, 'Ann-Quiet', { choices: { profile: 'relative' } });
  const bob = await join(m.tokens.participant, 'Bob-Named', { choices: { profile: 'professional', namedToObservers: true } });
  const oli = await join(m.tokens.observer, 'Oli');
  const ola = await join(m.tokens.observer, 'Ola');
  await lea.call('startMeeting', {});
  await Promise.all([lea, ann, bob, oli, ola].map((x) => x.waitFor((s) => s.phase === 'open' && s.participants.length === 5)));
  return { lea, ann, bob, oli, ola, tokens: m.tokens };
}

describe('O5 privacy of notes: captured frames', () => {
  it('[O5] notes, facts and drafts reach no leader or participant socket until published; then only the published text', async () => {
    const c = await meeting();
    await c.lea.call('passStick', { to: c.ann.me.id });
    await c.ann.call('releaseStick', {});
    expect(await c.oli.call('addNote', { scales: { atmosphere: 4, interaction: 3 }, text: NOTE })).toEqual({ ok: true });
    expect(await c.oli.call('saveRecommendation', { text: DRAFT })).toEqual({ ok: true });
    const seen = await c.ola.waitFor((s) => (s.observer?.notes.length ?? 0) === 1 && (s.observer?.recommendations.length ?? 0) === 1);
    expect(seen.observer!.notes[0]).toMatchObject({ authorId: c.oli.me.id, text: NOTE, phase: 'open', scales: { atmosphere: 4, interaction: 3, together: null, productivity: null } });
    expect(await c.lea.call('warnClosing', { minutes: 1 })).toEqual({ ok: true });
    expect(await c.lea.call('closeMeeting', {})).toEqual({ ok: true });
    await c.ann.waitFor((s) => s.phase === 'closed');
    await sleep(100);
    for (const m of [c.lea, c.ann, c.bob]) {
      const wire = m.raw.join('\n');
      expect(m.raw.length).toBeGreaterThan(5);
      expect(wire).not.toContain(NOTE);
      expect(wire).not.toContain(DRAFT);
      expect(wire).not.toContain('"facts"');
      expect(m.states.every((s) => s.observer === null)).toBe(true);
    }

    expect(await c.oli.call('publishRecommendation', {})).toEqual({ ok: true });
    const end = await c.ann.waitFor((s) => (s.end?.recommendations.length ?? 0) === 1);
    expect(end.end!.recommendations[0]!.text).toBe(DRAFT);
    expect(JSON.stringify(end.end)).not.toContain(c.oli.me.id);
    await sleep(50);
    for (const m of [c.lea, c.ann, c.bob]) expect(m.raw.join('\n')).not.toContain(NOTE);
  });
});

describe('O2-O4 the observer panel', () => {
  it('[O2] observers see labels unless the person chose to be named to them', async () => {
    const c = await meeting();
    const s = c.oli.latest;
    const names = Object.fromEntries(s.participants.map((p) => [p.id, p.name]));
    expect(names[c.ann.me.id]).toMatch(/^P\d+$/);
    expect(names[c.lea.me.id]).toMatch(/^P\d+$/);
    expect(names[c.bob.me.id]).toBe('Bob-Named');
    expect(names[c.ola.me.id]).toBe('Ola');
    expect(c.oli.raw.join('\n')).not.toContain('Ann-Quiet');
    // Everyone else sees names.
    expect(c.ann.latest.participants.map((p) => p.name)).toContain('Ann-Quiet');
  });

  it('[O3] live facts: waiting and speaking time, and the balance by profile', async () => {
    const c = await meeting();
    await c.ann.call('raiseHand', {});
    await sleep(60);
    await c.lea.call('passStick', {});
    await sleep(60);
    await c.ann.call('releaseStick', {});
    const s = await c.oli.waitFor((x) => x.observer!.facts.some((f) => f.id === c.ann.me.id && f.turns === 1));
    const ann = s.observer!.facts.find((f) => f.id === c.ann.me.id)!;
    expect(ann.waits).toBe(1);
    expect(ann.waitedMs).toBeGreaterThanOrEqual(50);
    expect(ann.speakingMs).toBeGreaterThanOrEqual(50);
    expect(s.observer!.facts.map((f) => f.id).sort()).toEqual([c.lea.me.id, c.ann.me.id, c.bob.me.id].sort());
    // O7: three people cannot make two groups of three, so nothing about profiles is shown.
    expect(s.observer!.balance).toEqual({ shown: false, groups: [], portions: 'withheld', crowding: null });
    expect(c.oli.raw.join('\n')).not.toMatch(/"(relative|lived-experience|professional)"/);
  });

  it('[O4] notes are tagged with the phase and agenda item; only the author deletes', async () => {
    const c = await meeting();
    await c.lea.call('setAgenda', { items: [{ text: 'Practical business' }] });
    const a = await c.lea.waitFor((s) => s.agenda.items.length === 1);
    await c.lea.call('setAgendaCurrent', { id: a.agenda.items[0]!.id });
    await c.oli.waitFor((s) => s.agenda.current !== null);
    expect(await c.oli.call('addNote', { scales: { productivity: 5 }, text: '' })).toEqual({ ok: true });
    const s = await c.ola.waitFor((x) => x.observer!.notes.length === 1);
    expect(s.observer!.notes[0]).toMatchObject({ agendaItem: 'Practical business', phase: 'open', text: '' });
    expect((await c.oli.call('addNote', { scales: {}, text: '   ' })).error?.code).toBe('invalid_payload');
    expect((await c.oli.call('addNote', { scales: { atmosphere: 6 }, text: 'x' })).error?.code).toBe('invalid_payload');
    const id = s.observer!.notes[0]!.id;
    expect((await c.ola.call('deleteNote', { id })).error?.code).toBe('forbidden');
    expect(await c.oli.call('deleteNote', { id })).toEqual({ ok: true });
    await c.ola.waitFor((x) => x.observer!.notes.length === 0);
  });
});

describe('E1-E2 the end of the meeting', () => {
  it('[O6] publishing waits for the end; an empty draft cannot be published', async () => {
    const c = await meeting();
    await c.oli.call('saveRecommendation', { text: 'Warm.' });
    expect((await c.oli.call('publishRecommendation', {})).error?.code).toBe('wrong_phase');
    await c.lea.call('closeMeeting', { force: true });
    await c.oli.waitFor((s) => s.phase === 'closed');
    expect((await c.ola.call('publishRecommendation', {})).error?.code).toBe('conflict');
  });

  it('[E1][E2][E6][E8] the closing view shows the anonymous picture of the word; feedback is anonymous and once', async () => {
    const c = await meeting();
    await c.lea.call('passStick', { to: c.ann.me.id });
    await sleep(30);
    await c.ann.call('releaseStick', {});
    await c.lea.call('passStick', { to: c.bob.me.id });
    await c.bob.call('declineStick', {});
    expect((await c.ann.call('giveFeedback', { safe: 5 })).error?.code).toBe('wrong_phase');
    await c.lea.call('closeMeeting', { force: true });
    const s: RoomSnapshot = await c.ann.waitFor((x) => x.phase === 'closed');
    // Three people: one took a turn, which is not said as "1" (E6); no groups under 3.
    expect(s.end!.word).toMatchObject({ shown: true, people: 3, tookTurn: 'some', tiers: [] });
    expect(JSON.stringify(s.end)).not.toContain(c.ann.me.id);

    expect(await c.ann.call('giveFeedback', { safe: 5, heard: 4, text: 'Canary-feedback-77' })).toEqual({ ok: true });
    expect(await c.bob.call('giveFeedback', { safe: 3, useful: 2 })).toEqual({ ok: true });
    expect((await c.ann.call('giveFeedback', { safe: 1 })).error?.code).toBe('conflict');
    expect((await c.oli.call('giveFeedback', { safe: 1 })).error?.code).toBe('forbidden');
    const l = await c.lea.waitFor((x) => x.leader!.feedback.count === 2);
    // E8: two answers per question are fewer than k = 3: no average yet.
    expect(l.leader!.feedback).toEqual({ count: 2, safe: null, heard: null, useful: null, texts: ['Canary-feedback-77'], minAnswers: 3 });
    await sleep(50);
    expect(c.bob.raw.join('\n')).not.toContain('Canary-feedback-77');
    expect(c.ann.latest.end!.feedbackCount).toBe(2);
  });
});
