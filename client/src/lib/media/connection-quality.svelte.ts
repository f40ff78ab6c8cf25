/**
 * My connection's quality, sampled every 2 s from my transports' WebRTC statistics (quality.ts),
 * told to the server when the verdict changes (rule F13: only leaders see it). Nothing here
 * measures anyone else. Shape of CONVENTIONS 5/9: `create()`, `close()` safe twice.
 */
import type { ConnectionQuality as Quality } from '@peer-circle/shared';
import type { MediaSession } from './media.svelte.ts';
import { nextQuality, sampleFromStats, type Counters, type QualitySample } from './quality.ts';

const SAMPLE_MS = 2_000;

export interface ConnectionQualityOptions {
  media: () => MediaSession | null;
  /** Tells the server (reportConnection); resolves false when it could not. */
  report: (quality: Quality) => Promise<boolean>;
  sampleMs?: number;
}

export class ConnectionQuality {
  #level = $state<Quality>('good');
  #sample = $state.raw<QualitySample | null>(null);
  readonly #opts: ConnectionQualityOptions;
  #streak = 0;
  #counters: Counters | null = null;
  /** What the server was last told successfully ('good' is what it assumes). */
  #reported: Quality = 'good';
  #timer: ReturnType<typeof setInterval>;
  #closed = false;

  static create(opts: ConnectionQualityOptions): ConnectionQuality {
    return new ConnectionQuality(opts);
  }

  private constructor(opts: ConnectionQualityOptions) {
    this.#opts = opts;
    this.#timer = setInterval(() => void this.#tick(), opts.sampleMs ?? SAMPLE_MS);
  }

  get level(): Quality {
    return this.#level;
  }
  /** The last measure (for the details line); null before the first. */
  get sample(): QualitySample | null {
    return this.#sample;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
  }

  async #tick(): Promise<void> {
    const media = this.#opts.media();
    if (!media || media.status !== 'ready') {
      this.#counters = null;
      return;
    }
    const { recv, send } = await media.transportStats();
    if (this.#closed) return;
    const reports = [recv, send].filter((r): r is RTCStatsReport => r !== null).map((r) => r.values() as Iterable<{ type?: string }>);
    if (reports.length === 0) return;
    const { sample, counters } = sampleFromStats(reports, this.#counters);
    this.#counters = counters;
    this.#sample = sample;
    const next = nextQuality(this.#level, this.#streak, sample);
    this.#level = next.level;
    this.#streak = next.streak;
    if (this.#level !== this.#reported) {
      const level = this.#level;
      // A failed report is tried again at the next sample (the verdict still differs).
      if (await this.#opts.report(level)) this.#reported = level;
    }
  }
}
