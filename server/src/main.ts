/** Entry point: `npm start` (after provisioning) runs this. */
// First: stops with a clear message on an unsupported Node before anything else loads.
import './node-version.ts';
import { configFromEnv } from './config.ts';
import { createLogger } from './logger.ts';
import { startServer } from './server.ts';

const config = configFromEnv();
const logger = createLogger(config.LOG_LEVEL);
// A promise nobody awaited that fails (a Redis command while Redis is unreachable) must not end
// the process: every meeting on it would drop at once. Logged (ids and the error only), it keeps serving.
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection; still serving'));
const server = await startServer({
  port: config.PORT,
  host: config.HOST,
  redisUrl: config.REDIS_URL,
  redisSentinels: config.REDIS_SENTINELS,
  redisSentinelName: config.REDIS_SENTINEL_NAME,
  redisPrefix: config.REDIS_PREFIX,
  publicUrl: config.PUBLIC_URL,
  trustProxy: config.TRUST_PROXY,
  graceSeconds: config.GRACE_SECONDS,
  privacyMinGroup: config.PRIVACY_MIN_GROUP,
  personalDataTtlHours: config.PERSONAL_DATA_TTL_HOURS,
  aggregateRetentionDays: config.AGGREGATE_RETENTION_DAYS,
  groupIdleDays: config.GROUP_IDLE_DAYS,
  broadcastRetentionSeconds: config.BROADCAST_RETENTION_SECONDS,
  openMeetingTtlHours: config.OPEN_MEETING_TTL_HOURS,
  media: config.MEDIA === 'true',
  heartbeatMs: config.HEARTBEAT_MS,
  joinLimit: { perAddress: config.JOIN_LIMIT_PER_ADDRESS, windowMs: config.JOIN_LIMIT_WINDOW_SECONDS * 1000 },
  mediaHeartbeatMs: config.MEDIA_HEARTBEAT_MS,
  logger,
});
const shown = config.HOST === '0.0.0.0' ? 'localhost' : config.HOST;
process.stdout.write(`\nPeer Circle is running: http://${shown}:${server.port}/  (store: ${config.REDIS_SENTINELS ? 'redis sentinel' : config.REDIS_URL ? 'redis' : 'in-memory'})\n\n`);

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ sig }, 'shutting down');
    void server.close().finally(() => process.exit(0));
  });
}
