/** A throwaway redis-server on a free loopback port, for tests and benchmarks. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { scaled } from './time.ts';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface TestRedis {
  url: string;
  port: number;
  client(): Redis;
  stop(): Promise<void>;
}

/**
 * Starts redis-server on a free port. The port is free when chosen but another process (a second
 * test run on this machine) may take it before redis-server binds: then redis-server exits at
 * once, and a new port is tried, rather than talking to somebody else's Redis.
 */
export async function startRedis(): Promise<TestRedis> {
  for (let attempt = 1; ; attempt++) {
    const started = await tryStartRedis();
    if (started) return started;
    if (attempt === 5) throw new Error('redis-server did not start on any of 5 free ports');
  }
}

async function tryStartRedis(): Promise<TestRedis | null> {
  const port = await freePort();
  const proc: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], { stdio: 'ignore' });
  let exited = false;
  proc.once('exit', () => (exited = true));
  const spawnError = new Promise<Error>((resolve) => proc.once('error', resolve));
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  const deadline = Date.now() + scaled(10_000);
  for (;;) {
    if (exited) {
      probe.disconnect();
      return null; // the port was taken meanwhile
    }
    try {
      await probe.connect();
      // Ours, not a Redis that took the port first: it answers with our process id.
      const pid = Number(/process_id:(\d+)/.exec(await probe.info('server'))?.[1]);
      if (pid !== proc.pid) {
        probe.disconnect();
        proc.kill('SIGKILL');
        return null;
      }
      break;
    } catch (err) {
      const failed = await Promise.race([spawnError, new Promise<null>((r) => setTimeout(() => r(null), 50))]);
      if (failed) throw new Error(`cannot run redis-server: ${failed.message}`);
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`redis-server did not start: ${String(err)}`);
      }
    }
  }
  probe.disconnect();
  const clients: Redis[] = [];
  return {
    url,
    port,
    client: () => {
      const c = new Redis(url);
      clients.push(c);
      return c;
    },
    stop: async () => {
      for (const c of clients) c.disconnect();
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
    },
  };
}
