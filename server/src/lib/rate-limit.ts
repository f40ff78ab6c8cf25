/**
 * Request budgets for the Socket.IO edge: room commands and audio requests per connection (kept
 * in the process), and joins per client address (B3), shared by every process through Redis
 * when the rooms live there. (The HTTP API keeps express-rate-limit: per address, with the
 * standard RateLimit headers.)
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { sha256 } from './ids.ts';

/** Where a budget shared between processes lives. */
export interface SharedBudget {
  client: Redis;
  /** The Redis key prefix of this budget's counters. */
  keyPrefix: string;
}

export class RateLimit {
  readonly #limiter: RateLimiterMemory | RateLimiterRedis;
  readonly #shared: boolean;

  /**
   * `requests` per `perMs` per key; a key that spends them waits for the window to end. With
   * `shared`, every process spends from one budget per key; while Redis cannot answer, each
   * process falls back to its own budget (a Redis outage limits no less and refuses no one more).
   */
  constructor(requests: number, perMs: number, shared?: SharedBudget | null) {
    const own = new RateLimiterMemory({ points: requests, duration: perMs / 1000 });
    this.#shared = Boolean(shared);
    this.#limiter = shared
      ? new RateLimiterRedis({
          storeClient: shared.client,
          keyPrefix: shared.keyPrefix,
          points: requests,
          duration: perMs / 1000,
          rejectIfRedisNotReady: true,
          insuranceLimiter: own,
        })
      : own;
  }

  /** Spends one request of `key`'s budget: false when it is spent (answer `rate_limited`). */
  async take(key: string): Promise<boolean> {
    try {
      // A client address is personal data: Redis holds only its hash, for one window.
      await this.#limiter.consume(this.#shared ? sha256(key) : key);
      return true;
    } catch (e) {
      if (e instanceof RateLimiterRes) return false;
      // Not a spent budget but a failing store with no fallback left: nobody is refused for it.
      return true;
    }
  }
}
