import { pino } from 'pino';
import { startServer, type StartOptions, type RunningServer } from '../../server/src/server.ts';

export const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/**
 * A real server on a free loopback port, without audio unless asked. Every test client comes from
 * 127.0.0.1, so the per-address limit on new seats (B3) is lifted unless a test sets it.
 */
export function testServer(o: StartOptions = {}): Promise<RunningServer> {
  return startServer({ port: 0, host: '127.0.0.1', media: false, logger: silent, joinLimit: { perAddress: 1_000_000, windowMs: 60_000 }, ...o });
}
