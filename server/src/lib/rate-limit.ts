/**
 * Per-connection request budgets for the Socket.IO edge: room commands and audio requests each
 * get one, keyed by socket id. (The HTTP API keeps express-rate-limit: per address, with the
 * standard RateLimit headers.)
 */
import { RateLimiterMemory } from 'rate-limiter-flexible';

export class RateLimit {
  readonly #limiter: RateLimiterMemory;

  /** `requests` per `perMs` per key; a key that spends them waits for the window to end. */
  constructor(requests: number, perMs: number) {
    this.#limiter = new RateLimiterMemory({ points: requests, duration: perMs / 1000 });
  }

  /** Spends one request of `key`'s budget: false when it is spent (answer `rate_limited`). */
  async take(key: string): Promise<boolean> {
    try {
      await this.#limiter.consume(key);
      return true;
    } catch {
      return false;
    }
  }
}
