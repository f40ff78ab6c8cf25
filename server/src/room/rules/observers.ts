/**
 * Observers (rules O4, O6): structured notes and the recommendation each observer publishes at
 * the end. Who sees what (O2, O3, O5) is the snapshot's business (state.ts). Tests:
 * tests/unit/observe.test.ts.
 */
import { SCALES, type Scales } from '@peer-circle/shared';
import { MAX_NOTES, reject, requirePhase, type FamilyHandlers } from '../draft.ts';

export const observers: FamilyHandlers<'observers'> = {
  addNote(d, actor, cmd) {
    const s = d.s;
    const scales = Object.fromEntries(SCALES.map((k) => [k, cmd.scales[k] ?? null])) as Scales;
    const text = cmd.text.trim();
    if (!text && SCALES.every((k) => scales[k] === null)) reject('invalid_payload', 'note.empty');
    if (s.notes.length >= MAX_NOTES) reject('conflict', 'note.full');
    const item = s.agenda.items.find((i) => i.id === s.agenda.current);
    s.counter += 1;
    // O4: timestamped and tagged with where the meeting was.
    s.notes.push({ id: `n${s.counter}`, authorId: actor.id, at: d.now, phase: s.phase, agendaItem: item?.text ?? null, scales, text });
    d.emit({ type: 'noteAdded' });
  },

  deleteNote(d, actor, cmd) {
    const s = d.s;
    const note = s.notes.find((n) => n.id === cmd.id);
    if (!note) return reject('not_found', 'note.gone');
    if (note.authorId !== actor.id) reject('forbidden', 'note.notYours');
    s.notes = s.notes.filter((n) => n.id !== cmd.id);
    d.emit({ type: 'noteDeleted' });
  },

  saveRecommendation(d, actor, cmd) {
    const s = d.s;
    const text = cmd.text.trim();
    const r = s.recommendations.find((x) => x.authorId === actor.id);
    if (r?.text === text) return;
    if (r) r.text = text; // O6: an edit after publishing updates what the group sees
    else s.recommendations.push({ authorId: actor.id, text, publishedAt: null });
    d.emit({ type: 'recommendationSaved' });
  },

  publishRecommendation(d, actor) {
    requirePhase(d, ['closed'], 'recommendation.notYet'); // O6
    const r = d.s.recommendations.find((x) => x.authorId === actor.id);
    if (!r || !r.text) return reject('conflict', 'recommendation.empty');
    if (r.publishedAt !== null) return;
    r.publishedAt = d.now;
    d.emit({ type: 'recommendationPublished' });
  },
};
