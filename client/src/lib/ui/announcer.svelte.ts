/**
 * Messages for screen readers: one polite and one assertive live region. The region is emptied
 * and refilled a moment later, so the same words said twice are announced twice.
 */
export type Politeness = 'polite' | 'assertive';

export class Announcer {
  #polite = $state('');
  #assertive = $state('');
  #timers = new Set<ReturnType<typeof setTimeout>>();

  get polite(): string {
    return this.#polite;
  }
  get assertive(): string {
    return this.#assertive;
  }

  say(message: string, politeness: Politeness = 'polite'): void {
    if (politeness === 'assertive') this.#assertive = '';
    else this.#polite = '';
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (politeness === 'assertive') this.#assertive = message;
      else this.#polite = message;
    }, 100);
    this.#timers.add(timer);
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
