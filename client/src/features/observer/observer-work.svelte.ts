/**
 * What an observer is writing: the note being written (NotesDraft) and their recommendation
 * (RecoDraft). One of each per session, kept outside the components: the composer moves from
 * the observer panel to the closing view when the meeting closes, and a half-written text must
 * not be lost on the way.
 */
import { SCALES, type ObserverNote, type Recommendation, type Scale, type Scales } from '@peer-circle/shared';
import type { RoomSession } from '../../lib/room/room.svelte.ts';
import { buildDraft } from './draft.ts';

const emptyScales = (): Scales => ({ atmosphere: null, interaction: null, together: null, productivity: null });

/** The note being written: four optional 1-5 answers and a free text (rule O4). */
export class NotesDraft {
  #scales = $state<Scales>(emptyScales());
  text = $state('');
  #saving = $state(false);
  /** Words for the status line after saving or deleting. */
  message = $state<'' | 'saved' | 'deleted'>('');

  readonly #session: RoomSession;

  constructor(session: RoomSession) {
    this.#session = session;
  }

  get scales(): Readonly<Scales> {
    return this.#scales;
  }
  get saving(): boolean {
    return this.#saving;
  }
  /** Rule O4: at least one answer or some text. */
  get empty(): boolean {
    return SCALES.every((s) => this.#scales[s] === null) && this.text.trim() === '';
  }

  set(scale: Scale, value: number | null): void {
    this.#scales[scale] = value;
    this.message = '';
  }

  async save(): Promise<boolean> {
    if (this.empty || this.#saving) return false;
    this.#saving = true;
    this.message = '';
    const ok = await this.#session.actions.send('addNote', { scales: { ...this.#scales }, text: this.text.trim() });
    this.#saving = false;
    if (ok) {
      this.#scales = emptyScales();
      this.text = '';
      this.message = 'saved';
    }
    return ok;
  }

  async remove(id: string): Promise<boolean> {
    this.message = '';
    const ok = await this.#session.actions.send('deleteNote', { id });
    if (ok) this.message = 'deleted';
    return ok;
  }
}

/**
 * The observer's one recommendation (rule O6). Until they type, the text follows their notes
 * (or the draft they saved before); once they type, it is theirs and nothing overwrites it
 * except "build the draft again".
 */
export class RecoDraft {
  readonly #session: RoomSession;
  /** What the observer typed; null while the text follows the saved draft or the notes. */
  #edited = $state<string | null>(null);
  #busy = $state<'save' | 'publish' | null>(null);
  /** Words for the status line after saving or publishing. */
  message = $state<'' | 'saved' | 'published'>('');

  constructor(session: RoomSession) {
    this.#session = session;
  }

  /** My draft as the server keeps it, if I saved one. */
  get mine(): Recommendation | null {
    const meId = this.#session.view.me?.id;
    return this.#session.view.snapshot?.observer?.recommendations.find((r) => r.authorId === meId) ?? null;
  }
  get myNotes(): ObserverNote[] {
    const meId = this.#session.view.me?.id;
    return (this.#session.view.snapshot?.observer?.notes ?? []).filter((n) => n.authorId === meId);
  }
  /** The draft built from my notes now, without the names and labels I see (rule O8). */
  get generated(): string {
    const people = this.#session.view.snapshot?.participants ?? [];
    return buildDraft(this.myNotes, people.flatMap((p) => [p.name, p.label]));
  }
  get text(): string {
    return this.#edited ?? this.mine?.text ?? this.generated;
  }
  set text(value: string) {
    this.#edited = value;
    this.message = '';
  }
  /** The text differs from what the server keeps (a built draft never saved counts too). */
  get dirty(): boolean {
    return this.text.trim() !== (this.mine?.text ?? '').trim();
  }
  get publishedAt(): number | null {
    return this.mine?.publishedAt ?? null;
  }
  get busy(): 'save' | 'publish' | null {
    return this.#busy;
  }

  rebuild(): void {
    this.text = this.generated;
  }

  async save(): Promise<boolean> {
    if (this.#busy) return false;
    this.#busy = 'save';
    const ok = await this.#saveText();
    this.#busy = null;
    if (ok) this.message = 'saved';
    return ok;
  }

  /** Saves unsaved changes first, so the group sees exactly what is on the screen. */
  async publish(): Promise<boolean> {
    if (this.#busy || this.text.trim() === '') return false;
    this.#busy = 'publish';
    let ok = this.dirty ? await this.#saveText() : true;
    if (ok && this.publishedAt === null) ok = await this.#session.actions.send('publishRecommendation', {});
    this.#busy = null;
    if (ok) this.message = 'published';
    return ok;
  }

  async #saveText(): Promise<boolean> {
    const text = this.text.trim();
    const ok = await this.#session.actions.send('saveRecommendation', { text });
    // Keep the saved words on screen even if the new snapshot comes a moment after the ack.
    if (ok) this.#edited = text;
    return ok;
  }
}

interface ObserverWork {
  note: NotesDraft;
  reco: RecoDraft;
}

const work = new WeakMap<RoomSession, ObserverWork>();

/** This session's note and recommendation drafts, the same objects for every component. */
export function observerWork(session: RoomSession): ObserverWork {
  let w = work.get(session);
  if (!w) {
    w = { note: new NotesDraft(session), reco: new RecoDraft(session) };
    work.set(session, w);
  }
  return w;
}
