/**
 * Wires one server process: store, service, Socket.IO (with the Redis Streams adapter when
 * rooms live in Redis), HTTP, media, and the timers that fire deadlines and reap dead peers.
 * Used by main.ts, the tests and the benchmarks alike. The composition root: the one module
 * that imports every layer (tests/unit/layers.test.ts).
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Server } from 'socket.io';
import proxyaddr from 'proxy-addr';
import type { Redis } from 'ioredis';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Logger } from 'pino';
import { DEFAULT_PRIVACY_MIN_GROUP } from '@peer-circle/shared';
import { RoomService } from './app/service.ts';
import { newId } from './lib/ids.ts';
import { MemoryRoomStore } from './store/memory.ts';
import { RedisRoomStore } from './store/redis.ts';
import { redisKeys } from './store/keys.ts';
import { redisClient, type RedisConnection, type SentinelAddress } from './store/connection.ts';
import type { RoomStore } from './store/port.ts';
import { Transport, adapterChangeBus, socketReach, type JoinLimit } from './transport/socket.ts';
import type { AppServer } from './transport/session.ts';
import type { MediaService, MediaCluster, TurnConfig } from './media/index.ts';
import { createHttpApp, type HealthReport } from './http/app.ts';
import { createLogger } from './logger.ts';
import { startGroups, type Groups } from './groups-wiring.ts';

export interface StartOptions {
  port?: number;
  host?: string;
  redisUrl?: string | undefined;
  /** Redis Sentinel: the primary is asked of these and followed across failovers. */
  redisSentinels?: SentinelAddress[] | undefined;
  /** The sentinels' name for the primary; required with `redisSentinels`. */
  redisSentinelName?: string | undefined;
  redisPrefix?: string;
  publicUrl?: string | undefined;
  trustProxy?: string | undefined;
  graceSeconds?: number;
  /** k of rules O7, E6, E7 (default 3). */
  privacyMinGroup?: number;
  personalDataTtlHours?: number;
  /** Days the anonymous record of a closed meeting is kept (fractional for tests). */
  aggregateRetentionDays?: number;
  /** Seconds broadcasts stay in the Socket.IO Redis stream (fractional allowed). */
  broadcastRetentionSeconds?: number;
  openMeetingTtlHours?: number;
  /** Days a weekly group may stay unused before it is deleted (fractional for tests, G8). */
  groupIdleDays?: number;
  /** How long a group page's waiting lookup is held (ms). */
  groupWaitMs?: number;
  /** The service's clock (tests move it a week on); timers and store TTLs keep real time. */
  clock?: () => number;
  logger?: Logger;
  /** Start the mediasoup audio module (default true). */
  media?: boolean;
  clientDir?: string;
  /** Commands per second per socket before `rate_limited`. */
  ratePerSecond?: number;
  /** B3: joins taking a new seat per client address and window (JOIN_LIMIT_PER_ADDRESS, JOIN_LIMIT_WINDOW_SECONDS). */
  joinLimit?: JoinLimit;
  apiRatePerMinute?: number;
  /** How often deadlines are checked (ms). */
  tickMs?: number;
  heartbeatMs?: number;
  /** Media heartbeat period (ms): a media home is declared dead after 3 missed beats. Default 1000. */
  mediaHeartbeatMs?: number;
  /** Answer plain-RTP requests between processes (tests, benchmark). Default: MEDIA_PLAIN_RTP=1. */
  mediaPlainRtp?: boolean;
  /** TURN servers for browsers; default from TURN_URLS, TURN_SECRET, TURN_TTL. */
  turn?: TurnConfig | null;
}

export interface RunningServer {
  url: string;
  port: number;
  nodeId: string;
  io: AppServer;
  http: HttpServer;
  service: RoomService;
  store: RoomStore;
  groups: Groups;
  media: MediaService | null;
  /** Where each meeting's audio lives (its media home) and how requests reach it. */
  mediaCluster: MediaCluster | null;
  close(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_CLIENT_DIR = path.resolve(here, '../../client/dist');

export async function startServer(o: StartOptions = {}): Promise<RunningServer> {
  const logger = o.logger ?? createLogger();
  const nodeId = newId();
  const redis: RedisConnection | null =
    o.redisUrl || o.redisSentinels?.length ? { url: o.redisUrl, sentinels: o.redisSentinels, sentinelName: o.redisSentinelName } : null;
  const store: RoomStore = redis
    ? await RedisRoomStore.create({ ...redis, prefix: o.redisPrefix ?? 'pc:', logger })
    : await MemoryRoomStore.create();
  const graceSeconds = o.graceSeconds ?? 60;
  const service = new RoomService({
    store,
    logger,
    ...(o.clock ? { clock: o.clock } : {}),
    graceSeconds,
    privacyMinGroup: o.privacyMinGroup ?? DEFAULT_PRIVACY_MIN_GROUP,
    closedTtlSeconds: (o.personalDataTtlHours ?? 24) * 3600,
    recordTtlSeconds: (o.aggregateRetentionDays ?? 30) * 86400,
    openTtlSeconds: (o.openMeetingTtlHours ?? 48) * 3600,
  });

  let media: MediaService | null = null;
  let mediaCluster: MediaCluster | null = null;
  /** For load balancers and operators: is this process able to serve meetings right now? */
  const health = async (): Promise<HealthReport> => {
    const ok = await store.health();
    return {
      ok,
      store: redis ? 'redis' : 'memory',
      nodeId,
      // One mediasoup router per meeting with audio on this process.
      mediaMeetings: media ? media.stats().routers : null,
      mediaLoad: mediaCluster ? mediaCluster.load() : null,
      redis: redis ? ok : null,
    };
  };

  const groups = await startGroups({
    rooms: service,
    logger,
    redis,
    redisPrefix: o.redisPrefix ?? 'pc:',
    publicUrl: o.publicUrl,
    personalDataTtlHours: o.personalDataTtlHours ?? 24,
    aggregateRetentionDays: o.aggregateRetentionDays ?? 30,
    openMeetingTtlHours: o.openMeetingTtlHours ?? 48,
    groupIdleDays: o.groupIdleDays ?? 120,
    graceSeconds,
    ...(o.groupWaitMs !== undefined ? { waitMs: o.groupWaitMs } : {}),
  });

  const app = createHttpApp({
    routes: { '/groups': groups.routes },
    service,
    logger,
    health,
    publicUrl: o.publicUrl,
    trustProxy: o.trustProxy,
    clientDir: o.clientDir ?? DEFAULT_CLIENT_DIR,
    ...(o.apiRatePerMinute !== undefined ? { apiRatePerMinute: o.apiRatePerMinute } : {}),
  });
  const http = createServer(app);
  let adapterRedis: Redis | null = null;
  const io: AppServer = new Server(http, {
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
    // The client build is served from this origin; no cross-origin access is needed.
    cors: { origin: false },
  });
  groups.attach(io);
  if (redis) {
    adapterRedis = redisClient(redis);
    adapterRedis.on('error', (err) => logger.warn({ err: err.message }, 'adapter redis error'));
    // The streams adapter sends server-side emits (our committed changes, 'roomChanged') with a
    // PUBLISH whose promise it never handles: while Redis is unreachable or closing, that would
    // be an unhandled rejection. Pub/sub is fire-and-forget anyway; a lost change is made good by
    // the next one (each carries the whole snapshot), so it is logged and dropped here.
    const publish = adapterRedis.publish.bind(adapterRedis) as (channel: string | Buffer, message: string | Buffer) => Promise<number>;
    (adapterRedis as unknown as { publish: typeof publish }).publish = (channel, message) =>
      publish(channel, message).catch((err: unknown) => {
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'adapter publish failed');
        return 0;
      });
    io.adapter(createAdapter(adapterRedis, { streamName: redisKeys(o.redisPrefix ?? 'pc:').stream }));
    // Commits made on other processes reach this one's audio the way snapshots travel.
    service.shareChanges(adapterChangeBus(io));
  }
  const broadcastRetentionMs = (o.broadcastRetentionSeconds ?? 30) * 1000;
  /**
   * Snapshots carry names, and the adapter keeps up to 10,000 broadcasts in its stream: trim it
   * by age (E5). Entry ids start with Redis' own clock, so the cut is taken from TIME, not ours.
   */
  const trimBroadcasts = async (): Promise<void> => {
    if (!adapterRedis) return;
    const [sec, usec] = await adapterRedis.time();
    const nowMs = Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
    await adapterRedis.xtrim(redisKeys(o.redisPrefix ?? 'pc:').stream, 'MINID', Math.max(0, Math.floor(nowMs - broadcastRetentionMs)));
  };

  if (o.media !== false) {
    const m = await import('./media/index.ts');
    // Audio follows every committed change, from this process and (through the bus) the others.
    media = await m.MediaService.create({ config: m.mediaConfigFromEnv(process.env), logger, changes: service });
    // Each meeting's audio on one process (its media home); the others carry requests to it.
    mediaCluster = await m.MediaCluster.create({
      local: media,
      nodeId,
      logger,
      reach: socketReach(io),
      redis,
      prefix: o.redisPrefix ?? 'pc:',
      turn: o.turn !== undefined ? o.turn : m.turnConfigFromEnv(process.env),
      allowPlainRtp: o.mediaPlainRtp ?? process.env.MEDIA_PLAIN_RTP === '1',
      ...(o.mediaHeartbeatMs !== undefined ? { heartbeatMs: o.mediaHeartbeatMs } : {}),
    });
  }

  const transport = new Transport({
    io,
    service,
    logger,
    nodeId,
    media: mediaCluster,
    ...(o.ratePerSecond !== undefined ? { ratePerSecond: o.ratePerSecond } : {}),
    ...(o.joinLimit !== undefined ? { joinLimit: o.joinLimit } : {}),
    // B3: one budget per address for every process of the deployment, not one per process.
    joinBudget: adapterRedis ? { client: adapterRedis, keyPrefix: redisKeys(o.redisPrefix ?? 'pc:').joinBudget } : null,
    // B3: the client's address as the HTTP API reads it (express's compiled TRUST_PROXY setting).
    clientAddress: (req) => proxyaddr(req, app.get('trust proxy fn') as (addr: string, i: number) => boolean),
  });

  // Deadlines and dead peers: any live process may fire them; both operations are idempotent.
  const tickMs = o.tickMs ?? 250;
  const heartbeatMs = o.heartbeatMs ?? 2000;
  let busy = false;
  const tick = setInterval(() => {
    if (busy) return;
    busy = true;
    Promise.all([service.fireDeadlines(), groups.service.fireDeadlines()])
      .catch((err: unknown) => logger.error({ err }, 'deadline tick failed'))
      .finally(() => (busy = false));
  }, tickMs);
  let beats = 0;
  const beat = async () => {
    const known = await store.heartbeat(nodeId, heartbeatMs * 3);
    if (!known && beats > 0) {
      // Peers declared this process dead (it stalled) and released its seats' connections:
      // drop our sockets so every client re-joins with its resume secret and is counted again.
      logger.warn({ nodeId }, 'this process was reaped while alive; asking clients to rejoin');
      transport.dropAll();
    }
    beats += 1;
    await service.reapLostNodes(nodeId);
    await trimBroadcasts().catch((err: unknown) => logger.warn({ err }, 'trimming the broadcast stream failed'));
  };
  await beat();
  const heartbeat = setInterval(() => void beat().catch((err: unknown) => logger.error({ err }, 'heartbeat failed')), heartbeatMs);

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(o.port ?? 3000, o.host ?? '0.0.0.0', () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  logger.info({ port, nodeId, store: redis ? (redis.sentinels?.length ? 'redis-sentinel' : 'redis') : 'memory', media: Boolean(media) }, 'listening');

  let closing: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    nodeId,
    io,
    http,
    service,
    store,
    groups,
    media,
    mediaCluster,
    close: () =>
      (closing ??= (async () => {
        clearInterval(tick);
        clearInterval(heartbeat);
        io.disconnectSockets(true);
        // Record the dropped connections before the store goes away: their grace period starts.
        await transport.drain();
        await new Promise<void>((r) => io.close(() => r()));
        await mediaCluster?.close();
        await media?.close();
        await groups.close();
        await store.close();
        adapterRedis?.disconnect();
      })()),
  };
}
