import { pino } from 'pino';
import { startServer, type StartOptions, type RunningServer } from '../../server/src/server.ts';

export const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A real server on a free loopback port, without audio unless asked. */
export function testServer(o: StartOptions = {}): Promise<RunningServer> {
  return startServer({ port: 0, host: '127.0.0.1', media: false, logger: silent, ...o });
}
