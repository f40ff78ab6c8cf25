/** Server configuration from the environment, validated once at start. */
import { z } from 'zod';
import { parseSentinels } from './lib/redis-address.ts';

const num = (d: number) => z.coerce.number().int().nonnegative().default(d);

export const ConfigSchema = z.object({
  PORT: num(3000),
  HOST: z.string().default('0.0.0.0'),
  /** With it, rooms live in Redis and several server processes can serve one meeting. */
  REDIS_URL: z.string().url().optional(),
  /**
   * Redis Sentinel instead of one Redis: `host:port,host:port` of the sentinels. The primary they
   * name is used and followed across failovers; REDIS_URL then only gives password and db.
   */
  REDIS_SENTINELS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v?.trim()) return undefined;
      try {
        return parseSentinels(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    }),
  /** The name the sentinels monitor the primary under (`sentinel monitor <name> ...`). */
  REDIS_SENTINEL_NAME: z.string().optional(),
  REDIS_PREFIX: z.string().default('pc:'),
  /** Base of the links handed out (e.g. https://circle.example.org); else the request's origin. */
  PUBLIC_URL: z.string().url().optional(),
  /** Names and everything else about a closed meeting are deleted this long after it closes. */
  PERSONAL_DATA_TTL_HOURS: z.coerce.number().positive().default(24),
  /** The anonymous record of a closed meeting (date, title, counts, averages) is kept this long. */
  AGGREGATE_RETENTION_DAYS: z.coerce.number().positive().default(30),
  /** A weekly group nobody used for this long is deleted with everything of it (rule G8). */
  GROUP_IDLE_DAYS: z.coerce.number().positive().default(120),
  /** With Redis: broadcasts (snapshots carry names) stay in the Socket.IO stream at most this long. */
  BROADCAST_RETENTION_SECONDS: z.coerce.number().positive().default(30),
  /** A meeting nobody touches is deleted this long after its last change. */
  OPEN_MEETING_TTL_HOURS: z.coerce.number().positive().default(48),
  /**
   * k: no statistic (balance by profile, the closing picture, the attendance counts) covers fewer
   * than this many people (rules O7, E6, E7). At least 2: 1 would show each person's figures.
   */
  PRIVACY_MIN_GROUP: z.coerce.number().int().min(2).max(20).default(3),
  /** How long a dropped connection keeps its seat and queue place. */
  GRACE_SECONDS: num(60),
  /** How often a server process proves it is alive; peers reap it after three missed beats. */
  HEARTBEAT_MS: num(2000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Behind a reverse proxy: which proxies to believe about the client's address (express's
   * `trust proxy`: `loopback`, addresses or CIDR ranges, comma-separated). Used by the HTTP rate
   * limit and the per-address join limit (B3).
   */
  TRUST_PROXY: z.string().optional(),
  /** B3: joins that take a new seat, per client address and window, before `rate_limited`. */
  JOIN_LIMIT_PER_ADDRESS: z.coerce.number().int().positive().default(30),
  JOIN_LIMIT_WINDOW_SECONDS: z.coerce.number().positive().default(60),
  /** Set to "false" to run without audio (no mediasoup worker). */
  MEDIA: z.enum(['true', 'false']).default('true'),
  /**
   * How often a media process proves it is alive (with its load); a meeting whose media home
   * missed three beats moves to another process (docs/media.md).
   */
  MEDIA_HEARTBEAT_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
}).refine((c) => !c.REDIS_SENTINELS || c.REDIS_SENTINEL_NAME, {
  path: ['REDIS_SENTINEL_NAME'],
  message: 'required with REDIS_SENTINELS (the name the sentinels monitor)',
});
export type Config = z.infer<typeof ConfigSchema>;

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const r = ConfigSchema.safeParse(env);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${msg}`);
  }
  return r.data;
}
