/**
 * Throwaway Redis processes on free loopback ports, for tests and benchmarks: one redis-server,
 * or a Sentinel group (primary, replica, three sentinels). Persistence is off everywhere, as in
 * production (names never reach disk); each process works in its own temporary directory, so a
 * test can prove nothing was written there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
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

/** No RDB, no AOF, and replication streamed socket to socket (never through a file). */
const NO_DISK = ['--save', '', '--appendonly', 'no', '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0', '--repl-diskless-load', 'swapdb'];

async function waitForPing(port: number): Promise<void> {
  const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // Refused connections while the server starts are expected; connect() rejects with them.
  probe.on('error', () => {});
  const deadline = Date.now() + 10_000;
  try {
    for (;;) {
      try {
        if (probe.status !== 'ready') await probe.connect();
        await probe.ping();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`redis on ${port} did not start: ${String(err)}`);
        probe.disconnect();
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } finally {
    probe.disconnect();
  }
}

/** One redis-server (or sentinel) process; `kill()` is kill -9. */
class RedisProcess {
  #proc: ChildProcess | null = null;
  constructor(
    readonly port: number,
    readonly args: string[],
  ) {}

  /**
   * Starts it and waits until it answers. False when the port was taken meanwhile (another test
   * run on this machine got there first): redis-server then exits at once, or somebody else's
   * Redis answers, which we tell by its process id.
   */
  async start(): Promise<boolean> {
    const proc = spawn('redis-server', this.args, { stdio: 'ignore' });
    this.#proc = proc;
    let exited = false;
    proc.once('exit', () => (exited = true));
    const spawnError = new Promise<Error>((resolve) => proc.once('error', resolve));
    const probe = new Redis(`redis://127.0.0.1:${this.port}`, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    const deadline = Date.now() + scaled(10_000);
    try {
      for (;;) {
        if (exited) return false;
        try {
          await probe.connect();
          const pid = Number(/process_id:(\d+)/.exec(await probe.info('server'))?.[1]);
          if (pid !== proc.pid) {
            proc.kill('SIGKILL');
            return false;
          }
          return true;
        } catch (err) {
          const failed = await Promise.race([spawnError, new Promise<null>((r) => setTimeout(() => r(null), 50))]);
          if (failed) throw new Error(`cannot run redis-server: ${failed.message}`);
          if (Date.now() > deadline) {
            proc.kill('SIGKILL');
            throw new Error(`redis-server did not start: ${String(err)}`);
          }
        }
      }
    } finally {
      probe.disconnect();
    }
  }

  async kill(): Promise<void> {
    const p = this.#proc;
    this.#proc = null;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }
}

export interface TestRedis {
  url: string;
  port: number;
  client(): Redis;
  /** kill -9: the process is gone until `start()`. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty (no persistence). */
  start(): Promise<void>;
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
  const dir = mkdtempSync(path.join(tmpdir(), 'pc-redis-'));
  const proc = new RedisProcess(port, ['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'no', '--dir', dir, ...NO_DISK]);
  if (!(await proc.start())) return null;
  const url = `redis://127.0.0.1:${port}`;
  const clients: Redis[] = [];
  return {
    url,
    port,
    client: () => {
      const c = new Redis(url);
      clients.push(c);
      return c;
    },
    kill: () => proc.kill(),
    start: async () => {
      if (!(await proc.start())) throw new Error(`port ${port} was taken while Redis was down`);
    },
    stop: async () => {
      for (const c of clients) c.disconnect();
      await proc.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SentinelGroup {
  /** The name the sentinels monitor the primary under. */
  name: string;
  sentinels: { host: string; port: number }[];
  /** The port of the primary the group started with, and of its replica. */
  primaryPort: number;
  replicaPort: number;
  /** kill -9 the primary the group started with. */
  killPrimary(): Promise<void>;
  /** Resolves with the new primary's port when a sentinel announces +switch-master. */
  nextSwitch(): Promise<number>;
  /** A plain client on one data node, for inspection (INFO replication, offsets). */
  node(port: number): Redis;
  /** Files anything in the group wrote to its directories, besides the sentinels' own config. */
  dataFiles(): string[];
  stop(): Promise<void>;
}

/**
 * A primary, a replica (`--replicaof`) and three sentinels (quorum 2) on loopback. The primary is
 * declared down after `downAfterMs` without answers, as `sentinel down-after-milliseconds` says.
 */
export async function startSentinelGroup(opts: { downAfterMs?: number } = {}): Promise<SentinelGroup> {
  const name = 'pc-primary';
  const dir = mkdtempSync(path.join(tmpdir(), 'pc-sentinel-'));
  const [primaryPort, replicaPort, ...sentinelPorts] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const data = (port: number, extra: string[] = []) =>
    new RedisProcess(port, ['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'no', '--dir', dir, '--dbfilename', `dump-${port}.rdb`, ...NO_DISK, ...extra]);
  const primary = data(primaryPort!);
  const replica = data(replicaPort!, ['--replicaof', '127.0.0.1', String(primaryPort)]);
  await primary.start();
  await replica.start();
  // Sentinels rewrite their config file as they learn the group: each gets its own in `dir`.
  const sentinels = sentinelPorts.map((port) => {
    const conf = path.join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        'protected-mode no',
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${primaryPort} 2`,
        `sentinel down-after-milliseconds ${name} ${opts.downAfterMs ?? 1000}`,
        `sentinel failover-timeout ${name} 10000`,
        `sentinel parallel-syncs ${name} 1`,
        '',
      ].join('\n'),
    );
    return new RedisProcess(port, [conf, '--sentinel']);
  });
  await Promise.all(sentinels.map((s) => s.start()));
  const inspect: Redis[] = [];
  const watcher = new Redis({ host: '127.0.0.1', port: sentinelPorts[0]!, lazyConnect: true });
  await watcher.connect();
  await watcher.subscribe('+switch-master');
  // The replica must be known to the sentinels before a failover can pick it.
  const admin = new Redis({ host: '127.0.0.1', port: sentinelPorts[0]! });
  inspect.push(admin);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const replicas = (await admin.call('SENTINEL', 'REPLICAS', name)) as string[][];
    const known = (await admin.call('SENTINEL', 'SENTINELS', name)) as unknown[];
    if (replicas.length === 1 && known.length === 2) break;
    if (Date.now() > deadline) throw new Error(`sentinels did not discover the group (replicas ${replicas.length}, sentinels ${known.length})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name,
    sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
    primaryPort: primaryPort!,
    replicaPort: replicaPort!,
    killPrimary: () => primary.kill(),
    nextSwitch: () =>
      new Promise((resolve) => {
        const on = (_channel: string, message: string) => {
          // "<name> <old-ip> <old-port> <new-ip> <new-port>"
          const parts = message.split(' ');
          if (parts[0] !== name) return;
          watcher.off('message', on);
          resolve(Number(parts[4]));
        };
        watcher.on('message', on);
      }),
    node: (port) => {
      const c = new Redis({ host: '127.0.0.1', port });
      inspect.push(c);
      return c;
    },
    dataFiles: () => readdirSync(dir).filter((f) => !/^sentinel-\d+\.conf$/.test(f)),
    stop: async () => {
      watcher.disconnect();
      for (const c of inspect) c.disconnect();
      await Promise.all([primary, replica, ...sentinels].map((p) => p.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
