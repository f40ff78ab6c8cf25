/**
 * Messages for screen readers: one polite and one assertive live region. The region is emptied
 * and refilled a moment later, so the same words said twice are announced twice. Messages said
 * in the same moment (one snapshot can change the stick and my place in the queue) are joined,
 * so the later one does not silence the earlier.
 */
export type Politeness = 'polite' | 'assertive';

export class Announcer {
  #polite = $state('');
  #assertive = $state('');
  /** Messages waiting for the refill, per region. */
  #waiting: Record<Politeness, string[]> = { polite: [], assertive: [] };
  #timers = new Set<ReturnType<typeof setTimeout>>();

  get polite(): string {
    return this.#polite;
  }
  get assertive(): string {
    return this.#assertive;
  }

  say(message: string, politeness: Politeness = 'polite'): void {
    const waiting = this.#waiting[politeness];
    waiting.push(message);
    if (waiting.length > 1) return; // the refill below is already on its way
    if (politeness === 'assertive') this.#assertive = '';
    else this.#polite = '';
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      const text = this.#waiting[politeness].join(' ');
      this.#waiting[politeness] = [];
      if (politeness === 'assertive') this.#assertive = text;
      else this.#polite = text;
    }, 100);
    this.#timers.add(timer);
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#waiting = { polite: [], assertive: [] };
  }
}
