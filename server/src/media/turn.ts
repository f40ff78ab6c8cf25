/**
 * TURN for people behind firewalls that block UDP (care homes, hospitals, workplaces): the server
 * hands browsers `iceServers` with **time-limited credentials** in the TURN REST API scheme that
 * coturn implements as `use-auth-secret` (draft-uberti-behave-turn-rest): the username is
 * `<expiry unix seconds>:<random id>`, the password base64(HMAC-SHA1(shared secret, username)).
 * The TURN server recomputes the HMAC from the same secret and refuses a username whose expiry has
 * passed, so no static password ever reaches a page and a leaked credential dies on its own.
 * Documented in docs/media.md ("Strict networks").
 */
import { createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { IceServerInfo } from '@peer-circle/shared';

export interface TurnConfig {
  /** turn:/turns: URLs browsers try, e.g. `turn:turn.example.org:3478?transport=udp`. */
  urls: string[];
  /** coturn's `static-auth-secret`. */
  secret: string;
  /** How long a credential is valid, in seconds. */
  ttlSeconds: number;
}

const TurnUrl = z.string().trim().regex(/^turns?:[^\s,]+$/, 'a turn: or turns: URL');

const EnvSchema = z.object({
  TURN_URLS: z.string().trim().min(1).optional(),
  TURN_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  TURN_TTL: z.coerce.number().int().min(60).max(7 * 86400).default(86400),
});

/**
 * TURN settings from the environment, or null when `TURN_URLS` is unset. Throws a readable error
 * naming the variable on a bad value (a URL list without a secret, a short secret, a bad TTL).
 */
export function turnConfigFromEnv(env: Record<string, string | undefined>): TurnConfig | null {
  const picked = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('TURN_') && v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(picked);
  if (!parsed.success) {
    throw new Error(`invalid TURN configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  if (!e.TURN_URLS) {
    if (e.TURN_SECRET) throw new Error('invalid TURN configuration: TURN_SECRET is set but TURN_URLS is not');
    return null;
  }
  if (!e.TURN_SECRET) throw new Error('invalid TURN configuration: TURN_URLS needs TURN_SECRET (coturn static-auth-secret)');
  const urls = e.TURN_URLS.split(',').map((u) => u.trim()).filter(Boolean);
  for (const u of urls) {
    const ok = TurnUrl.safeParse(u);
    if (!ok.success) throw new Error(`invalid TURN configuration: TURN_URLS: "${u}" is not a turn: or turns: URL`);
  }
  return { urls, secret: e.TURN_SECRET, ttlSeconds: e.TURN_TTL };
}

/** One credential: `<expiry>:<id>` and base64(HMAC-SHA1(secret, username)). */
export function turnCredential(secret: string, ttlSeconds: number, now = Date.now(), id = randomBytes(9).toString('base64url')): { username: string; credential: string } {
  const username = `${Math.floor(now / 1000) + ttlSeconds}:${id}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

/** The `iceServers` a browser gets with each transport (a random id: nothing links it to a person). */
export function turnIceServers(cfg: TurnConfig, now = Date.now()): IceServerInfo[] {
  return [{ urls: cfg.urls, ...turnCredential(cfg.secret, cfg.ttlSeconds, now) }];
}
