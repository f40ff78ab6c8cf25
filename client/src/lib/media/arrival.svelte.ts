/**
 * Is the holder's sound reaching this page? Samples the bytes received on the holder's voice once
 * a second while the server forwards it (docs/media.md). One concern, one rune class
 * (CONVENTIONS 9): `create()`, `close()` safe twice.
 */
import type { ParticipantId } from '@peer-circle/shared';
import type { MediaSession } from './media.svelte.ts';
import { arrivingFrom } from './mic-state.ts';

const SAMPLE_MS = 1_000;
const KEEP_MS = 10_000;

export class AudioArrival {
  #arriving = $state<boolean | null>(null);
  readonly #media: () => MediaSession | null;
  readonly #watched: () => ParticipantId | null;
  #key: string | null = null;
  #samples: { at: number; bytes: number }[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  /** `watched`: whose voice to measure now (the holder whose voice the server forwards), or null. */
  static create(media: () => MediaSession | null, watched: () => ParticipantId | null): AudioArrival {
    return new AudioArrival(media, watched);
  }

  private constructor(media: () => MediaSession | null, watched: () => ParticipantId | null) {
    this.#media = media;
    this.#watched = watched;
    this.#timer = setInterval(() => void this.#sample(), SAMPLE_MS);
  }

  /** true: sound arrived in the last seconds; false: none for 3 s; null: not measured. */
  get arriving(): boolean | null {
    return this.#arriving;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
  }

  async #sample(): Promise<void> {
    const media = this.#media();
    const id = this.#watched();
    if (id !== this.#key) {
      // Someone else now (or nobody): start measuring afresh, with the grace period.
      this.#key = id;
      this.#samples = [];
      this.#arriving = null;
    }
    if (!media || id === null) return;
    const bytes = await media.inboundBytesOf(id);
    if (this.#closed || this.#key !== id) return;
    if (bytes === null) {
      this.#samples = [];
      this.#arriving = null;
      return;
    }
    const now = performance.now();
    this.#samples = [...this.#samples.filter((s) => now - s.at <= KEEP_MS), { at: now, bytes }];
    this.#arriving = arrivingFrom(this.#samples, now);
  }
}
