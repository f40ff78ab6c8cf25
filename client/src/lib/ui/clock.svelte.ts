/**
 * A calm 1-second clock for countdowns: `now` (epoch ms, this device's clock) is reactive and
 * changes once per period while the clock runs, never faster, so nothing on screen flickers.
 *
 * Ticks can be anchored to a moment (e.g. the local time a countdown ends), so each tick lands
 * just after a whole second of the countdown: the seconds shown go down by exactly one each time.
 *
 * Shape (CONVENTIONS rule 5): `stop()` / `close()` safe to call twice; nothing runs once closed.
 */
export class Clock {
  #now = $state(Date.now());
  #timer: ReturnType<typeof setTimeout> | undefined;
  #anchor = 0;
  #closed = false;
  readonly #periodMs: number;

  /** Ticks land this long after an anchored boundary, so rounding never sees the old second. */
  static readonly SLACK_MS = 20;

  constructor(periodMs = 1_000) {
    this.#periodMs = periodMs;
  }

  /** This device's time, refreshed once per period while running. */
  get now(): number {
    return this.#now;
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }

  /**
   * Runs (or keeps running) the clock with ticks aligned to `anchor` (epoch ms, this device's
   * clock). Calling again with the same anchor changes nothing; a new anchor re-aligns the ticks.
   */
  start(anchor = 0): void {
    if (this.#closed) return;
    if (this.#timer !== undefined && anchor === this.#anchor) return;
    this.#anchor = anchor;
    clearTimeout(this.#timer);
    this.#now = Date.now();
    this.#schedule();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  close(): void {
    this.#closed = true;
    this.stop();
  }

  #schedule(): void {
    const p = this.#periodMs;
    const untilBoundary = (((this.#anchor - Date.now()) % p) + p) % p;
    this.#timer = setTimeout(() => {
      this.#now = Date.now();
      this.#schedule();
    }, untilBoundary + Clock.SLACK_MS);
  }
}

/**
 * The server's clock as seen from here: `offset` = server time - local time. Every snapshot
 * carries the server time it was made at; it arrives a little later, so each sample can only
 * underestimate the offset. The largest of the recent samples is the closest to the truth, and
 * keeping only recent ones follows a local clock that was adjusted.
 */
export class ServerClockOffset {
  #samples: number[] = [];
  #offset = $state(0);
  readonly #keep: number;

  constructor(keep = 8) {
    this.#keep = keep;
  }

  get offset(): number {
    return this.#offset;
  }

  /** Records one sample: the server's clock when it sent, and our clock when it came. */
  sample(serverNow: number, receivedAt: number = Date.now()): void {
    if (!Number.isFinite(serverNow)) return;
    this.#samples.push(serverNow - receivedAt);
    if (this.#samples.length > this.#keep) this.#samples.shift();
    const best = Math.max(...this.#samples);
    if (best !== this.#offset) this.#offset = best;
  }
}
