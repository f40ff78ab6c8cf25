/** Server configuration from the environment, validated once at start. */
import { z } from 'zod';

const num = (d: number) => z.coerce.number().int().nonnegative().default(d);

export const ConfigSchema = z.object({
  PORT: num(3000),
  HOST: z.string().default('0.0.0.0'),
  /** With it, rooms live in Redis and several server processes can serve one meeting. */
  REDIS_URL: z.string().url().optional(),
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
  /** How long a dropped connection keeps its seat and queue place. */
  GRACE_SECONDS: num(60),
  /** How often a server process proves it is alive; peers reap it after three missed beats. */
  HEARTBEAT_MS: num(2000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: z.string().optional(),
  /** Set to "false" to run without audio (no mediasoup worker). */
  MEDIA: z.enum(['true', 'false']).default('true'),
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
