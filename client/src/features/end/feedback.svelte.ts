/**
 * The anonymous feedback form's state (rule E2): three optional 1-5 answers and a free text,
 * sent once. Kept per session outside the component, so the thank-you stays when the view is
 * mounted again.
 */
import type { FeedbackAnswers, RoomSession } from '../../lib/room/room.svelte.ts';

export const FEEDBACK_QUESTIONS = ['safe', 'heard', 'useful'] as const;
export type FeedbackQuestion = (typeof FEEDBACK_QUESTIONS)[number];

export class FeedbackDraft {
  readonly #session: RoomSession;
  #answers = $state<Record<FeedbackQuestion, number | null>>({ safe: null, heard: null, useful: null });
  text = $state('');
  #sending = $state(false);
  /** sent: thank you; already: the server says this seat gave feedback before (conflict). */
  #done = $state<'sent' | 'already' | null>(null);

  constructor(session: RoomSession) {
    this.#session = session;
  }

  get answers(): Readonly<Record<FeedbackQuestion, number | null>> {
    return this.#answers;
  }
  get sending(): boolean {
    return this.#sending;
  }
  get done(): 'sent' | 'already' | null {
    // After a reload the join answer says this seat already gave its feedback.
    return this.#done ?? (this.#session.connection.mine.feedbackGiven ? 'already' : null);
  }
  /** Rule E2: at least one answer. */
  get empty(): boolean {
    return FEEDBACK_QUESTIONS.every((q) => this.#answers[q] === null) && this.text.trim() === '';
  }

  set(question: FeedbackQuestion, value: number | null): void {
    this.#answers[question] = value;
  }

  /** Only what was answered goes out; an empty text would be refused, so it is left out. */
  payload(): FeedbackAnswers {
    const out: FeedbackAnswers = {};
    for (const q of FEEDBACK_QUESTIONS) {
      const v = this.#answers[q];
      if (v !== null) out[q] = v;
    }
    const text = this.text.trim();
    if (text) out.text = text;
    return out;
  }

  async send(): Promise<boolean> {
    if (this.empty || this.#sending || this.done) return false;
    this.#sending = true;
    const ok = await this.#session.actions.giveFeedback(this.payload());
    this.#sending = false;
    if (ok) {
      this.#done = 'sent';
      // Nothing of what was said stays in this page once it is sent.
      this.#answers = { safe: null, heard: null, useful: null };
      this.text = '';
      return true;
    }
    const f = this.#session.actions.failure;
    if (f?.command === 'giveFeedback' && f.error.code === 'conflict') {
      this.#done = 'already';
      this.#session.actions.dismissFailure();
    }
    return false;
  }
}

const drafts = new WeakMap<RoomSession, FeedbackDraft>();

export function feedbackDraft(session: RoomSession): FeedbackDraft {
  let d = drafts.get(session);
  if (!d) {
    d = new FeedbackDraft(session);
    drafts.set(session, d);
  }
  return d;
}
