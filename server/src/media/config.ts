/**
 * Media configuration, read once from the environment and validated with zod.
 * Every variable is documented in docs/media.md.
 */
import os from 'node:os';
import { z } from 'zod';
import type { WorkerLogLevel } from 'mediasoup/types';

const port = z.coerce.number().int().min(1).max(65535);
const flag = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const EnvSchema = z
  .object({
    MEDIASOUP_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
    MEDIASOUP_LISTEN_IP: z.union([z.ipv4(), z.ipv6()]).default('0.0.0.0'),
    MEDIASOUP_ANNOUNCED_ADDRESS: z.string().trim().min(1).max(253).optional(),
    MEDIASOUP_MIN_PORT: port.default(40000),
    MEDIASOUP_MAX_PORT: port.default(49999),
    MEDIASOUP_WEBRTC_SERVER_PORT: port.optional(),
    MEDIASOUP_ENABLE_TCP: flag.default(true),
    MEDIASOUP_LOG_LEVEL: z.enum(['debug', 'warn', 'error', 'none']).default('warn'),
    MEDIASOUP_MAX_INCOMING_BITRATE: z.coerce.number().int().min(16_000).max(10_000_000).default(128_000),
  })
  .refine((e) => e.MEDIASOUP_MIN_PORT <= e.MEDIASOUP_MAX_PORT, {
    message: 'MEDIASOUP_MIN_PORT must not be above MEDIASOUP_MAX_PORT',
    path: ['MEDIASOUP_MIN_PORT'],
  });

export interface MediaConfig {
  /** mediasoup worker processes (one per core by default). */
  workers: number;
  /** Local address the RTC sockets bind to. */
  listenIp: string;
  /** Address put in ICE candidates (public IP or hostname); required behind NAT or with 0.0.0.0. */
  announcedAddress: string | undefined;
  /** Port range for per-transport sockets (unused when `webRtcServerPort` is set). */
  minPort: number;
  maxPort: number;
  /**
   * One WebRtcServer per worker, listening on `webRtcServerPort + workerIndex` (UDP and TCP):
   * a handful of fixed ports instead of a range, for simple firewalls and containers.
   */
  webRtcServerPort: number | undefined;
  enableTcp: boolean;
  logLevel: WorkerLogLevel;
  /** Cap on what one person's send transport may push (bits/s); Opus voice needs ~32-64k. */
  maxIncomingBitrate: number;
}

/** A usable address for ICE candidates when binding to every interface and none is announced. */
function guessAnnouncedAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/**
 * Parses the media settings from `env` (usually `process.env`). Throws a readable error naming
 * the bad variables.
 */
export function mediaConfigFromEnv(env: Record<string, string | undefined>): MediaConfig {
  const picked = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k.startsWith('MEDIASOUP_') && v !== undefined && v !== ''),
  );
  const parsed = EnvSchema.safeParse(picked);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`).join('; ');
    throw new Error(`invalid media configuration: ${detail}`);
  }
  const e = parsed.data;
  const wildcard = e.MEDIASOUP_LISTEN_IP === '0.0.0.0' || e.MEDIASOUP_LISTEN_IP === '::';
  return {
    workers: e.MEDIASOUP_WORKERS ?? Math.max(1, os.availableParallelism()),
    listenIp: e.MEDIASOUP_LISTEN_IP,
    announcedAddress: e.MEDIASOUP_ANNOUNCED_ADDRESS ?? (wildcard ? guessAnnouncedAddress() : undefined),
    minPort: e.MEDIASOUP_MIN_PORT,
    maxPort: e.MEDIASOUP_MAX_PORT,
    webRtcServerPort: e.MEDIASOUP_WEBRTC_SERVER_PORT,
    enableTcp: e.MEDIASOUP_ENABLE_TCP,
    logLevel: e.MEDIASOUP_LOG_LEVEL,
    maxIncomingBitrate: e.MEDIASOUP_MAX_INCOMING_BITRATE,
  };
}

/** Router codecs: audio only, Opus. */
export const MEDIA_CODECS = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
] as const;
