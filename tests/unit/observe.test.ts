import { describe, expect, it } from 'vitest';
import { TestRoom } from '../helpers/room.ts';

const noScales = { atmosphere: null, interaction: null, together: null, productivity: null };

/** An open meeting with two observers. */
function observed(names = ['ann', 'bob']): TestRoom {
  const r = TestRoom.open(names);
  r.join('obs', 'observer', { name: 'Olga Observer' });
  r.join('obs2', 'observer', { name: 'Otto Observer' });
  return r;
}

describe('O2 observers see labels, not names', () => {
  it('[O2] observers see people by their label unless they chose to be named to observers', () => {
    const r = new TestRoom();
    r.join('lead', 'leader', { name: 'Lena Leader' });
    r.join('ann', 'participant', { name: 'Ann Anonymous' });
    r.join('bob', 'participant', { name: 'Bob Named', namedToObservers: true });
    r.join('cat', 'participant', { name: 'Cat Declined', namedToObservers: false });
    r.join('obs', 'observer', { name: 'Olga Observer' });
    const s = r.snap('observer');
    const byId = new Map(s.participants.map((p) => [p.id, p]));
    expect(byId.get('ann')?.name).toBe(byId.get('ann')?.label);
    expect(byId.get('lead')?.name).toBe(byId.get('lead')?.label);
    expect(byId.get('cat')?.name).toBe(byId.get('cat')?.label);
    expect(byId.get('bob')?.name).toBe('Bob Named');
    const json = JSON.stringify(s);
    for (const hidden of ['Ann Anonymous', 'Lena Leader', 'Cat Declined']) expect(json).not.toContain(hidden);
    // Participants and the leader see names.
    for (const audience of ['participant', 'leader'] as const) {
      const names = r.snap(audience).participants.map((p) => p.name);
      expect(names).toEqual(['Lena Leader', 'Ann Anonymous', 'Bob Named', 'Cat Declined', 'Olga Observer']);
    }
  });

  it('[O2] labels look like "P3", are distinct and stay the same for the meeting', () => {
    const r = TestRoom.open(['ann', 'bob', 'cat']);
    r.join('obs', 'observer');
    const labels = r.state.participants.map((p) => p.label);
    // People who can speak are numbered without gaps; observers apart.
    expect(labels).toEqual(['P1', 'P2', 'P3', 'P4', 'O1']);
    expect(new Set(labels).size).toBe(labels.length);
    r.drop('ann');
    r.resume('ann', 'participant');
    r.ok('bob', { type: 'leave' });
    r.join('dan');
    expect(r.state.participants.slice(0, 5).map((p) => p.label)).toEqual(labels);
    expect(labels).not.toContain(r.p('dan').label);
  });
});

describe('O3 live facts for observers', () => {
  it('[O3] waiting time is counted when a raised hand gets the stick; speaking time when the turn ends', () => {
    const r = observed();
    const t0 = r.now;
    r.ok('ann', { type: 'raiseHand' });
    r.advance(4000);
    let facts = r.snap('observer').observer!.facts.find((f) => f.id === 'ann')!;
    expect(facts).toMatchObject({ waitingSince: t0, waitedMs: 0, waits: 0, turns: 0, speakingMs: 0 });
    r.ok('lead', { type: 'passStick' });
    expect(r.holder).toBe('ann');
    facts = r.snap('observer').observer!.facts.find((f) => f.id === 'ann')!;
    expect(facts).toMatchObject({ waitingSince: null, waitedMs: 4000, waits: 1 });
    r.advance(7000);
    r.ok('ann', { type: 'releaseStick' });
    facts = r.snap('observer').observer!.facts.find((f) => f.id === 'ann')!;
    expect(facts).toEqual({ id: 'ann', turns: 1, passes: 0, speakingMs: 7000, waitedMs: 4000, waits: 1, waitingSince: null });
    // A second wait and turn add up.
    r.ok('ann', { type: 'raiseHand' });
    r.advance(1000);
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.advance(2000);
    r.ok('lead', { type: 'takeStick' });
    expect(r.p('ann')).toMatchObject({ turns: 2, speakingMs: 9000, waitedMs: 5000, waits: 2 });
  });

  it('[O3] a lowered hand is not a wait that ended with the stick', () => {
    const r = observed();
    r.ok('bob', { type: 'raiseHand' });
    r.advance(5000);
    r.ok('bob', { type: 'lowerHand' });
    expect(r.p('bob')).toMatchObject({ waitedMs: 0, waits: 0 });
    expect(r.snap('observer').observer!.facts.find((f) => f.id === 'bob')?.waitingSince).toBeNull();
  });

  it('[O3] the speaking time of a turn that ends by leaving or by the close is counted', () => {
    const r = observed(['ann', 'bob', 'cat']);
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.advance(1000);
    r.ok('lead', { type: 'passStick', to: 'bob' });
    r.advance(2000);
    r.ok('bob', { type: 'leave' });
    r.ok('lead', { type: 'passStick', to: 'cat' });
    r.advance(3000);
    r.ok('lead', { type: 'closeMeeting', force: true });
    expect([r.p('ann').speakingMs, r.p('bob').speakingMs, r.p('cat').speakingMs]).toEqual([1000, 2000, 3000]);
  });

  it('[O3][O7] facts cover everyone who can speak (not observers); the balance counts groups of at least 3', () => {
    const r = new TestRoom();
    r.join('lead', 'leader', { profile: 'professional' });
    for (const id of ['ann', 'bob', 'cat']) r.join(id, 'participant', { profile: 'lived-experience' });
    for (const id of ['dan', 'eve', 'fay']) r.join(id, 'participant', { profile: 'relative' });
    r.join('gus');
    r.join('obs', 'observer', { profile: 'other' });
    r.ok('lead', { type: 'startMeeting' });
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.advance(6000);
    r.ok('lead', { type: 'passStick', to: 'dan' });
    r.advance(2000);
    r.ok('dan', { type: 'releaseStick' });
    const o = r.snap('observer').observer!;
    expect(o.facts.map((f) => f.id)).toEqual(['lead', 'ann', 'bob', 'cat', 'dan', 'eve', 'fay', 'gus']);
    // The professional and the person without a profile (2) would be a group under 3: the
    // relatives (the later of two equal groups) join them as "everyone else"; the observer is not counted.
    expect(o.balance).toEqual({
      shown: true,
      groups: [
        { group: 'lived-experience', people: 3, portion: null },
        { group: 'together', people: 5, portion: null },
      ],
      portions: 'tooEarly',
      crowding: null,
    });
  });
});

describe('O4 observer notes', () => {
  it('[O4] a note is timestamped and tagged with the phase and the current agenda item', () => {
    const r = observed();
    r.ok('lead', { type: 'setAgenda', items: [{ text: 'Check-in' }, { text: 'Theme' }] });
    r.ok('lead', { type: 'setAgendaCurrent', id: r.state.agenda.items[1]!.id });
    r.advance(500);
    r.ok('obs', { type: 'addNote', scales: { atmosphere: 4, productivity: 2 }, text: 'Warm start' });
    expect(r.events).toContainEqual({ type: 'noteAdded' });
    const [n] = r.state.notes;
    expect(n).toMatchObject({ authorId: 'obs', at: r.now, phase: 'open', agendaItem: 'Theme', text: 'Warm start' });
    expect(n!.scales).toEqual({ ...noScales, atmosphere: 4, productivity: 2 });
    expect(n!.id).toBeTruthy();
    r.ok('lead', { type: 'setAgendaCurrent', id: null });
    r.ok('obs', { type: 'addNote', scales: {}, text: 'No item now' });
    expect(r.state.notes[1]).toMatchObject({ agendaItem: null, phase: 'open', scales: noScales });
  });

  it('[O4] notes can be written before the start and after the close, tagged with that phase', () => {
    const r = new TestRoom();
    r.join('lead', 'leader');
    r.join('obs', 'observer');
    r.ok('obs', { type: 'addNote', scales: { together: 3 }, text: '' });
    r.ok('lead', { type: 'startMeeting' });
    r.ok('lead', { type: 'closeMeeting', force: true });
    r.ok('obs', { type: 'addNote', scales: {}, text: 'Closed well' });
    expect(r.state.notes.map((n) => n.phase)).toEqual(['waiting', 'closed']);
  });

  it('[O4] a note needs at least one scale or some text', () => {
    const r = observed();
    r.refuses('obs', { type: 'addNote', scales: {}, text: '' });
    r.refuses('obs', { type: 'addNote', scales: { atmosphere: null, interaction: null }, text: '' });
    r.ok('obs', { type: 'addNote', scales: { interaction: 1 }, text: '' });
    r.ok('obs', { type: 'addNote', scales: {}, text: 'only words' });
    expect(r.state.notes).toHaveLength(2);
  });

  it('[O4] observers of the meeting see each other\'s notes', () => {
    const r = observed();
    r.ok('obs', { type: 'addNote', scales: {}, text: 'from obs' });
    r.ok('obs2', { type: 'addNote', scales: { atmosphere: 5 }, text: 'from obs2' });
    const seen = r.snapFor('obs2').observer!.notes;
    expect(seen.map((n) => [n.authorId, n.text])).toEqual([
      ['obs', 'from obs'],
      ['obs2', 'from obs2'],
    ]);
    expect(r.snapFor('obs').observer!.notes).toEqual(seen);
  });

  it('[O4] an author deletes their own note, not someone else\'s', () => {
    const r = observed();
    r.ok('obs', { type: 'addNote', scales: {}, text: 'mine' });
    r.ok('obs2', { type: 'addNote', scales: {}, text: 'theirs' });
    const [mine, theirs] = r.state.notes;
    r.refuses('obs', { type: 'deleteNote', id: theirs!.id });
    r.refuses('obs', { type: 'deleteNote', id: 'no-such-note' });
    r.ok('obs', { type: 'deleteNote', id: mine!.id });
    expect(r.events).toContainEqual({ type: 'noteDeleted' });
    expect(r.state.notes.map((n) => n.text)).toEqual(['theirs']);
  });

  it('[O4] only observers write notes', () => {
    const r = observed();
    r.rejects('ann', { type: 'addNote', scales: {}, text: 'x' }, 'forbidden');
    r.rejects('lead', { type: 'addNote', scales: {}, text: 'x' }, 'forbidden');
    r.ok('obs', { type: 'addNote', scales: {}, text: 'x' });
    r.rejects('lead', { type: 'deleteNote', id: r.state.notes[0]!.id }, 'forbidden');
  });
});

describe('O5 notes, facts and drafts reach observers only', () => {
  it('[O5] leader and participant snapshots carry no notes, facts or drafts', () => {
    const r = observed();
    r.ok('ann', { type: 'raiseHand' });
    r.ok('lead', { type: 'passStick', to: 'bob' });
    r.advance(1234);
    r.ok('lead', { type: 'takeStick' });
    r.ok('obs', { type: 'addNote', scales: { atmosphere: 2 }, text: 'SECRET-NOTE' });
    r.ok('obs', { type: 'saveRecommendation', text: 'SECRET-DRAFT' });
    for (const audience of ['leader', 'participant'] as const) {
      const s = r.snap(audience);
      expect(s.observer).toBeNull();
      const json = JSON.stringify(s);
      expect(json).not.toContain('SECRET-NOTE');
      expect(json).not.toContain('SECRET-DRAFT');
      expect(json).not.toContain('speakingMs');
      expect(json).not.toContain('waitedMs');
    }
    const o = r.snap('observer').observer!;
    expect(o.notes.map((n) => n.text)).toEqual(['SECRET-NOTE']);
    expect(o.recommendations.map((x) => x.text)).toEqual(['SECRET-DRAFT']);
    expect(o.facts.find((f) => f.id === 'bob')?.speakingMs).toBe(1234);
  });

  it('[O5] after the close, unpublished drafts and notes still reach nobody but observers', () => {
    const r = observed();
    r.ok('obs', { type: 'addNote', scales: {}, text: 'SECRET-NOTE' });
    r.ok('obs', { type: 'saveRecommendation', text: 'SECRET-DRAFT' });
    r.ok('lead', { type: 'closeMeeting', force: true });
    for (const audience of ['leader', 'participant'] as const) {
      const json = JSON.stringify(r.snap(audience));
      expect(json).not.toContain('SECRET-NOTE');
      expect(json).not.toContain('SECRET-DRAFT');
    }
  });
});

describe('O6 recommendations', () => {
  it('[O6] each observer keeps one draft, seen by observers', () => {
    const r = observed();
    r.ok('obs', { type: 'saveRecommendation', text: 'first' });
    expect(r.events).toContainEqual({ type: 'recommendationSaved' });
    r.ok('obs', { type: 'saveRecommendation', text: 'second' });
    r.ok('obs2', { type: 'saveRecommendation', text: 'other' });
    expect(r.state.recommendations).toHaveLength(2);
    expect(r.snapFor('obs2').observer!.recommendations).toEqual([
      { authorId: 'obs', text: 'second', publishedAt: null },
      { authorId: 'obs2', text: 'other', publishedAt: null },
    ]);
  });

  it('[O6] publishing before the close is wrong_phase; after it, everyone sees the text in end.recommendations', () => {
    const r = observed();
    r.ok('obs', { type: 'saveRecommendation', text: 'Keep the rounds short.' });
    r.ok('obs2', { type: 'saveRecommendation', text: 'Not published.' });
    r.rejects('obs', { type: 'publishRecommendation' }, 'wrong_phase');
    r.ok('lead', { type: 'closeMeeting', force: true });
    r.advance(1000);
    r.ok('obs', { type: 'publishRecommendation' });
    expect(r.events).toContainEqual({ type: 'recommendationPublished' });
    for (const audience of ['leader', 'participant', 'observer'] as const) {
      expect(r.snap(audience).end?.recommendations).toEqual([{ text: 'Keep the rounds short.', publishedAt: r.now }]);
    }
    expect(JSON.stringify(r.snap('participant').end)).not.toContain('obs');
  });

  it('[O6] an empty or missing draft cannot be published (conflict)', () => {
    const r = observed();
    r.ok('lead', { type: 'closeMeeting', force: true });
    r.rejects('obs', { type: 'publishRecommendation' }, 'conflict');
    r.ok('obs', { type: 'saveRecommendation', text: '' });
    r.rejects('obs', { type: 'publishRecommendation' }, 'conflict');
  });

  it('[O6] saving after publishing updates the published text', () => {
    const r = observed();
    r.ok('lead', { type: 'closeMeeting', force: true });
    r.ok('obs', { type: 'saveRecommendation', text: 'draft' });
    r.ok('obs', { type: 'publishRecommendation' });
    const at = r.now;
    r.advance(5000);
    r.ok('obs', { type: 'saveRecommendation', text: 'final words' });
    expect(r.snap('participant').end?.recommendations).toEqual([{ text: 'final words', publishedAt: at }]);
  });

  it('[O6] only observers save and publish', () => {
    const r = observed();
    r.rejects('ann', { type: 'saveRecommendation', text: 'x' }, 'forbidden');
    r.rejects('lead', { type: 'saveRecommendation', text: 'x' }, 'forbidden');
    r.ok('lead', { type: 'closeMeeting', force: true });
    r.rejects('ann', { type: 'publishRecommendation' }, 'forbidden');
  });
});

describe('E1 the end of the meeting', () => {
  it('[E1][E6] a closed meeting carries the anonymous picture of the word, never one person\'s figure', () => {
    const r = observed(['ann', 'bob', 'cat']);
    r.ok('lead', { type: 'passStick', to: 'ann' });
    r.advance(1000);
    r.ok('lead', { type: 'passStick', to: 'bob' });
    r.advance(5000);
    r.ok('lead', { type: 'passStick', to: 'cat' });
    r.ok('cat', { type: 'declineStick' });
    r.ok('lead', { type: 'passStick', to: 'lead' });
    r.advance(3000);
    r.ok('lead', { type: 'releaseStick' });
    expect(r.snap('participant').end).toBeNull();
    r.ok('lead', { type: 'closeMeeting', force: true });
    for (const audience of ['leader', 'participant', 'observer'] as const) {
      const end = r.snap(audience).end!;
      // Four people: 3 of them took a turn, but the 1 who did not would be a group under 3.
      expect(end.word).toEqual({ shown: true, people: 4, totalMs: 9000, tookTurn: 'most', evenness: 'uneven', tiers: [] });
      expect(end.feedbackCount).toBe(0);
    }
  });

  it('[E1] no end view while the meeting is open or waiting', () => {
    const r = new TestRoom();
    r.join('lead', 'leader');
    expect(r.snap('leader').end).toBeNull();
    r.ok('lead', { type: 'startMeeting' });
    expect(r.snap('leader').end).toBeNull();
  });
});

describe('E2 anonymous feedback', () => {
  it('[E2] after closing, leader and participants give feedback once; only sums, counts and sorted texts are stored', () => {
    const r = observed(['ann', 'bob']);
    r.ok('lead', { type: 'closeMeeting', force: true });
    r.ok('ann', { type: 'giveFeedback', safe: 4, heard: 5, text: 'zeta: felt heard' });
    expect(r.events).toContainEqual({ type: 'feedbackGiven' });
    r.ok('bob', { type: 'giveFeedback', safe: 2, text: 'alpha: too long' });
    r.ok('lead', { type: 'giveFeedback', useful: 3 });
    expect(r.state.feedback).toEqual({
      count: 3,
      safe: { sum: 6, n: 2 },
      heard: { sum: 5, n: 1 },
      useful: { sum: 3, n: 1 },
      texts: ['alpha: too long', 'zeta: felt heard'],
    });
    expect(JSON.stringify(r.state.feedback)).not.toMatch(/ann|bob|lead/);
    // E8: no question was answered by 3 people, so no average is shown yet.
    expect(r.snap('leader').leader?.feedback).toEqual({ count: 3, safe: null, heard: null, useful: null, texts: ['alpha: too long', 'zeta: felt heard'], minAnswers: 3 });
    expect(r.snap('participant').end?.feedbackCount).toBe(3);
    expect(r.snap('participant').leader).toBeNull();
    expect(JSON.stringify(r.snap('participant'))).not.toContain('felt heard');
    expect(JSON.stringify(r.snap('observer'))).not.toContain('felt heard');
  });

  it('[E8] a question\'s average shows only once k people answered it', () => {
    const r = observed(['ann', 'bob', 'cy']);
    r.ok('lead', { type: 'closeMeeting', force: true });
    r.ok('ann', { type: 'giveFeedback', safe: 4, heard: 5 });
    r.ok('bob', { type: 'giveFeedback', safe: 2, heard: 1 });
    expect(r.snap('leader').leader?.feedback).toMatchObject({ count: 2, safe: null, heard: null });
    r.ok('cy', { type: 'giveFeedback', safe: 3 });
    expect(r.snap('leader').leader?.feedback).toMatchObject({ count: 3, safe: 3, heard: null, useful: null, minAnswers: 3 });
  });

  it('[E2] a second feedback is a conflict', () => {
    const r = observed();
    r.ok('lead', { type: 'closeMeeting', force: true });
    r.ok('ann', { type: 'giveFeedback', safe: 4 });
    r.rejects('ann', { type: 'giveFeedback', heard: 2 }, 'conflict');
  });

  it('[E2] not before the close', () => {
    const r = observed();
    r.rejects('ann', { type: 'giveFeedback', safe: 4 }, 'wrong_phase');
    const w = new TestRoom();
    w.join('lead', 'leader');
    w.join('ann');
    w.rejects('ann', { type: 'giveFeedback', safe: 4 }, 'wrong_phase');
  });

  it('[E2] at least one answer', () => {
    const r = observed();
    r.ok('lead', { type: 'closeMeeting', force: true });
    r.refuses('ann', { type: 'giveFeedback' });
    r.ok('ann', { type: 'giveFeedback', text: 'only a word' });
    expect(r.state.feedback.count).toBe(1);
  });

  it('[E2] observers do not give feedback', () => {
    const r = observed();
    r.ok('lead', { type: 'closeMeeting', force: true });
    r.rejects('obs', { type: 'giveFeedback', safe: 3 }, 'forbidden');
  });
});

describe('E3 anonymous concerns', () => {
  it('[E3] a concern is stored without author or time; only leaders see it', () => {
    const r = observed();
    r.ok('lead', { type: 'setCoLeader', participantId: 'bob', on: true });
    r.advance(777);
    r.ok('ann', { type: 'raiseConcern', text: 'Someone gave advice again.' });
    expect(r.events).toContainEqual({ type: 'concernRaised' });
    expect(r.state.concerns).toHaveLength(1);
    const c = r.state.concerns[0]!;
    expect(Object.keys(c).sort()).toEqual(['id', 'text']);
    expect(c.text).toBe('Someone gave advice again.');
    expect(c.id).not.toContain('ann');
    expect(JSON.stringify(r.state.concerns)).not.toContain(String(r.now));
    expect(r.snap('leader').leader?.concerns).toEqual([{ id: c.id, text: 'Someone gave advice again.' }]);
    expect(r.snapFor('bob').leader?.concerns).toHaveLength(1);
    expect(JSON.stringify(r.snap('participant'))).not.toContain('advice again');
    expect(JSON.stringify(r.snap('observer'))).not.toContain('advice again');
  });

  it('[E3] up to 3 per person in a meeting', () => {
    const r = observed();
    for (const n of [1, 2, 3]) r.ok('ann', { type: 'raiseConcern', text: `concern ${n}` });
    r.refuses('ann', { type: 'raiseConcern', text: 'concern 4' });
    r.ok('bob', { type: 'raiseConcern', text: 'from someone else' });
    expect(r.state.concerns).toHaveLength(4);
  });

  it('[E3] a concern can be sent at any time, also after the close', () => {
    const r = new TestRoom();
    r.join('lead', 'leader');
    r.join('ann');
    r.ok('ann', { type: 'raiseConcern', text: 'before' });
    r.ok('lead', { type: 'startMeeting' });
    r.ok('lead', { type: 'closeMeeting', force: true });
    r.ok('ann', { type: 'raiseConcern', text: 'after' });
    expect(r.snap('leader').leader?.concerns.map((c) => c.text).sort()).toEqual(['after', 'before']);
  });

  it('[E3] leaders and observers do not raise concerns', () => {
    const r = observed();
    r.rejects('lead', { type: 'raiseConcern', text: 'x' }, 'forbidden');
    r.rejects('obs', { type: 'raiseConcern', text: 'x' }, 'forbidden');
  });
});

describe('snapshots are made per audience', () => {
  /** A meeting with something private for every audience. */
  function busy(): TestRoom {
    const r = TestRoom.open(['ann', 'bob'], { admission: 'leader-admits' });
    r.join('obs', 'observer', { name: 'Olga Observer' });
    r.ok('lead', { type: 'admit', participantId: 'obs' });
    r.resume('obs', 'observer', 'n1:obs');
    r.join('zoe', 'participant', { name: 'Zoe-in-the-lobby' });
    r.ok('ann', { type: 'askCheckIn', on: true });
    r.ok('ann', { type: 'raiseConcern', text: 'CONCERN-TEXT' });
    r.ok('obs', { type: 'addNote', scales: { atmosphere: 3 }, text: 'NOTE-TEXT' });
    r.ok('obs', { type: 'saveRecommendation', text: 'DRAFT-TEXT' });
    r.ok('lead', { type: 'passStick', to: 'bob' });
    r.advance(2000);
    r.ok('lead', { type: 'takeStick' });
    return r;
  }

  it('[O5][F9][E3][L1] a participant snapshot has no notes, facts, drafts, check-ins, concerns or lobby names', () => {
    const s = busy().snap('participant');
    expect(s.audience).toBe('participant');
    expect(s.leader).toBeNull();
    expect(s.observer).toBeNull();
    const json = JSON.stringify(s);
    for (const secret of ['CONCERN-TEXT', 'NOTE-TEXT', 'DRAFT-TEXT', 'Zoe-in-the-lobby', 'zoe', 'checkIns', 'speakingMs']) expect(json).not.toContain(secret);
  });

  it('[O5][L1] a leader snapshot has the leader panel but no notes, facts or drafts', () => {
    const s = busy().snap('leader');
    expect(s.audience).toBe('leader');
    expect(s.observer).toBeNull();
    expect(s.leader?.lobby.map((e) => e.name)).toEqual(['Zoe-in-the-lobby']);
    expect(s.leader?.checkIns).toEqual(['ann']);
    expect(s.leader?.concerns.map((c) => c.text)).toEqual(['CONCERN-TEXT']);
    const json = JSON.stringify(s);
    for (const secret of ['NOTE-TEXT', 'DRAFT-TEXT', 'speakingMs', 'waitedMs']) expect(json).not.toContain(secret);
  });

  it('[O2][O5] an observer snapshot has the observer panel, labels for names, and nothing for leaders only', () => {
    const r = busy();
    const s = r.snap('observer');
    expect(s.audience).toBe('observer');
    expect(s.leader).toBeNull();
    expect(s.observer?.notes.map((n) => n.text)).toEqual(['NOTE-TEXT']);
    expect(s.observer?.recommendations.map((x) => x.text)).toEqual(['DRAFT-TEXT']);
    expect(s.observer?.facts.find((f) => f.id === 'bob')?.speakingMs).toBe(2000);
    const ann = s.participants.find((p) => p.id === 'ann')!;
    expect(ann.name).toBe(ann.label);
    expect(s.participants.find((p) => p.id === 'obs')?.name).toBe('Olga Observer');
    const json = JSON.stringify(s);
    for (const secret of ['CONCERN-TEXT', 'Zoe-in-the-lobby', 'zoe', 'checkIns']) expect(json).not.toContain(secret);
  });

  it('[O2] an observer snapshot shows the name of someone who chose namedToObservers', () => {
    const r = TestRoom.open([]);
    r.join('ann', 'participant', { name: 'Ann Open', namedToObservers: true });
    r.join('obs', 'observer');
    expect(r.snapFor('obs').participants.find((p) => p.id === 'ann')?.name).toBe('Ann Open');
  });
});
