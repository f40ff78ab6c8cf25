/**
 * Signaling benchmark: how long a talking-stick handoff takes to reach every member of a room,
 * compared in the same run with a bare Socket.IO room broadcast (and, by default, a bare
 * Socket.IO broadcast through the Redis Streams adapter), plus the server memory per connected
 * client. Method and figures: bench/README.md, docs/benchmarks.md ("## Signaling").
 *
 *   npm run bench:signaling                         # 150 rooms x 8 clients, Redis store
 *   npm run bench:signaling -- --rooms 50 --clients 6 --rounds 10 --store memory
 *   ROOMS=50 CLIENTS=6 ROUNDS=10 STORE=memory npm run bench:signaling
 *
 * Options (flag or environment variable; the flag wins):
 *   --rooms N        ROOMS        rooms per server (150)
 *   --clients M      CLIENTS      clients per room, the leader included (8, at least 2)
 *   --rounds R       ROUNDS       measured rounds; one handoff per room per round (30)
 *   --warmup W       WARMUP       rounds run first and thrown away (3)
 *   --store S        STORE        redis | memory: the app server's room store (redis)
 *   --spread MS      SPREAD_MS    a round's handoffs start evenly spaced over MS ms; 0 = all at once (1000)
 *   --interleave I   INTERLEAVE   op: the servers' operations alternate within each round (default);
 *                                 round: each server gets its own window, one after the other
 *   --bare-redis B   BARE_REDIS   1 | 0: also run the bare Socket.IO + Redis Streams baseline (1)
 *   --timeout MS     TIMEOUT_MS   one handoff/broadcast counts as failed after MS ms (5000)
 *   --max-seconds S  MAX_SECONDS  hard limit for the whole run; then everything is killed (300)
 *   --json FILE      BENCH_JSON   also write the results as JSON to FILE
 *
 * Every server runs in its own child process (this file, `--child <kind>`), so that its memory
 * and CPU can be read separately from the load generator (this process, which holds all client
 * sockets). All traffic stays on 127.0.0.1. Exit code 0 whether the targets pass or fail; 1 only
 * when the benchmark itself could not run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, connect as netConnect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { io as connect, type Socket } from 'socket.io-client';
import {
  PROTOCOL_VERSION,
  type ClientToServerEvents,
  type CreateMeetingResponse,
  type JoinResult,
  type Result,
  type RoomSnapshot,
  type ServerToClientEvents,
} from '@peer-circle/shared';

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '..');

// ---------------------------------------------------------------------------------------------
// Shared between the orchestrator and the server children

type ServerKind = 'app' | 'bare' | 'bare-redis';

const LABEL: Record<ServerKind, string> = {
  app: 'stick handoff (Peer Circle)',
  bare: 'bare Socket.IO broadcast',
  'bare-redis': 'bare Socket.IO + Redis Streams',
};

interface MemInfo {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

type ToChild = { type: 'mem'; id: number } | { type: 'cpu'; id: number };
type FromChild =
  | { type: 'ready'; port: number }
  | { type: 'mem'; id: number; mem: MemInfo }
  | { type: 'cpu'; id: number; cpu: { user: number; system: number } }
  | { type: 'error'; message: string };

/** Bare baseline protocol: `enter(room, ack)` joins a room; `say({room, seq, size}, ack)` broadcasts `said({seq, pad})`. */
interface SayMsg {
  room: string;
  seq: number;
  size: number;
}
interface SaidMsg {
  seq: number;
  pad: string;
}

// ---------------------------------------------------------------------------------------------
// Child: one server process

async function runChild(kind: ServerKind): Promise<void> {
  const send = (m: FromChild) => process.send?.(m);
  const redisUrl = process.env.BENCH_REDIS_URL || undefined;
  const prefix = process.env.BENCH_PREFIX ?? 'bench:';
  let port: number;

  if (kind === 'app') {
    const { startServer } = await import('../server/src/server.ts');
    const { pino } = await import('pino');
    const server = await startServer({
      port: 0,
      host: '127.0.0.1',
      media: false,
      redisUrl,
      redisPrefix: prefix,
      // The bench creates 150 meetings from one address and may pace commands fast: the
      // production limits (60 API requests/min, 20 commands/s per socket) are lifted here.
      ratePerSecond: 10_000,
      apiRatePerMinute: 1_000_000,
      logger: pino({ level: 'silent' }),
    });
    port = server.port;
  } else {
    const { createServer } = await import('node:http');
    const { Server } = await import('socket.io');
    const http = createServer();
    // Same engine options as the app server, nothing else.
    const ioServer = new Server(http, { serveClient: false, maxHttpBufferSize: 64 * 1024, cors: { origin: false } });
    if (kind === 'bare-redis') {
      if (!redisUrl) throw new Error('bare-redis needs BENCH_REDIS_URL');
      const { Redis } = await import('ioredis');
      const { createAdapter } = await import('@socket.io/redis-streams-adapter');
      ioServer.adapter(createAdapter(new Redis(redisUrl), { streamName: `${prefix}bare:socket.io` }));
    }
    let pad = '';
    ioServer.on('connection', (socket) => {
      socket.on('enter', (room: unknown, ack: unknown) => {
        if (typeof room !== 'string') return;
        void socket.join(room);
        if (typeof ack === 'function') ack({ ok: true });
      });
      socket.on('say', (msg: SayMsg, ack: unknown) => {
        if (pad.length !== msg.size) pad = 'x'.repeat(msg.size);
        const out: SaidMsg = { seq: msg.seq, pad };
        ioServer.to(msg.room).emit('said', out);
        if (typeof ack === 'function') ack({ ok: true });
      });
    });
    port = await new Promise<number>((resolve, reject) => {
      http.once('error', reject);
      http.listen(0, '127.0.0.1', () => {
        const a = http.address();
        resolve(typeof a === 'object' && a ? a.port : 0);
      });
    });
  }

  process.on('message', (m: ToChild) => {
    if (m.type === 'mem') {
      globalThis.gc?.();
      globalThis.gc?.();
      const u = process.memoryUsage();
      send({ type: 'mem', id: m.id, mem: { rss: u.rss, heapUsed: u.heapUsed, external: u.external, arrayBuffers: u.arrayBuffers } });
    } else if (m.type === 'cpu') {
      send({ type: 'cpu', id: m.id, cpu: process.cpuUsage() });
    }
  });
  // The orchestrator went away (finished, crashed or was killed): never outlive it.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port });
}

// ---------------------------------------------------------------------------------------------
// Orchestrator: configuration

interface Config {
  rooms: number;
  clients: number;
  rounds: number;
  warmup: number;
  store: 'redis' | 'memory';
  spreadMs: number;
  interleave: 'op' | 'round';
  bareRedis: boolean;
  timeoutMs: number;
  maxSeconds: number;
  json: string | undefined;
}

function readConfig(argv: string[]): Config {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') {
      process.stdout.write(readFileSync(SELF, 'utf8').split('*/')[0]!.replace(/^\/\*\*|^ \* ?/gm, '') + '\n');
      process.exit(0);
    }
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'`);
    const eq = a.indexOf('=');
    if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
    else {
      const v = argv[i + 1];
      if (v === undefined) throw new Error(`${a} needs a value`);
      flags.set(a.slice(2), v);
      i++;
    }
  }
  const known = new Set(['rooms', 'clients', 'rounds', 'warmup', 'store', 'spread', 'interleave', 'bare-redis', 'timeout', 'max-seconds', 'json']);
  for (const k of flags.keys()) if (!known.has(k)) throw new Error(`unknown option --${k} (see --help)`);
  const get = (flag: string, env: string): string | undefined => flags.get(flag) ?? (process.env[env] || undefined);
  const int = (flag: string, env: string, d: number, min: number): number => {
    const raw = get(flag, env);
    if (raw === undefined) return d;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} / ${env} must be an integer >= ${min}, not '${raw}'`);
    return n;
  };
  const store = (get('store', 'STORE') ?? 'redis').toLowerCase();
  if (store !== 'redis' && store !== 'memory') throw new Error(`--store / STORE must be redis or memory, not '${store}'`);
  const bareRedis = (get('bare-redis', 'BARE_REDIS') ?? '1').toLowerCase();
  const interleave = (get('interleave', 'INTERLEAVE') ?? 'op').toLowerCase();
  if (interleave !== 'op' && interleave !== 'round') throw new Error(`--interleave / INTERLEAVE must be op or round, not '${interleave}'`);
  return {
    rooms: int('rooms', 'ROOMS', 150, 1),
    clients: int('clients', 'CLIENTS', 8, 2),
    rounds: int('rounds', 'ROUNDS', 30, 1),
    warmup: int('warmup', 'WARMUP', 3, 0),
    store,
    spreadMs: int('spread', 'SPREAD_MS', 1000, 0),
    interleave,
    bareRedis: !['0', 'false', 'no', 'off'].includes(bareRedis),
    timeoutMs: int('timeout', 'TIMEOUT_MS', 5000, 100),
    maxSeconds: int('max-seconds', 'MAX_SECONDS', 300, 10),
    json: get('json', 'BENCH_JSON'),
  };
}

// ---------------------------------------------------------------------------------------------
// Orchestrator: server children

class ChildServer {
  readonly #waiting = new Map<number, (m: FromChild) => void>();
  #next = 0;
  port = 0;

  private constructor(
    readonly kind: ServerKind,
    readonly proc: ChildProcess,
  ) {}

  static start(kind: ServerKind, env: Record<string, string>): Promise<ChildServer> {
    const proc = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', SELF, '--child', kind], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const c = new ChildServer(kind, proc);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${kind} server did not start within 30 s`)), 30_000);
      proc.once('exit', (code, sig) => {
        clearTimeout(t);
        reject(new Error(`${kind} server exited (${code ?? sig}) before it was ready`));
      });
      proc.on('message', (m: FromChild) => {
        if (m.type === 'ready') {
          clearTimeout(t);
          c.port = m.port;
          resolve(c);
        } else if (m.type === 'error') {
          clearTimeout(t);
          reject(new Error(`${kind} server: ${m.message}`));
        } else {
          c.#waiting.get(m.id)?.(m);
          c.#waiting.delete(m.id);
        }
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  #ask(type: ToChild['type']): Promise<FromChild> {
    const id = ++this.#next;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.kind} server did not answer '${type}'`)), 10_000);
      this.#waiting.set(id, (m) => {
        clearTimeout(t);
        resolve(m);
      });
      this.proc.send({ type, id } satisfies ToChild);
    });
  }

  /** Memory after two forced GCs, as the child sees it, and VmRSS as the kernel sees it. */
  async mem(): Promise<MemInfo & { vmRss: number }> {
    await sleep(300);
    const m = await this.#ask('mem');
    if (m.type !== 'mem') throw new Error('unexpected answer');
    return { ...m.mem, vmRss: vmRss(this.proc.pid!) };
  }

  /** CPU time (user + system, microseconds) the child has used so far. */
  async cpuMicros(): Promise<number> {
    const m = await this.#ask('cpu');
    if (m.type !== 'cpu') throw new Error('unexpected answer');
    return m.cpu.user + m.cpu.system;
  }

  stop(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }
}

function vmRss(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * A throwaway redis-server on a free loopback port (like tests/helpers/redis.ts, but probed
 * with a raw PING so that nothing logs connection errors while it starts).
 */
async function startRedis(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await new Promise<number>((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const ping = () =>
    new Promise<boolean>((resolve) => {
      const c = netConnect(port, '127.0.0.1');
      c.setTimeout(500, () => c.destroy());
      c.once('connect', () => c.write('PING\r\n'));
      c.once('data', (d) => {
        c.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      c.once('error', () => resolve(false));
      c.once('close', () => resolve(false));
    });
  const deadline = Date.now() + 10_000;
  while (!(await ping())) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error('redis-server did not start (is it installed?)');
    }
    await sleep(50);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: proc.pid!,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Orchestrator: rooms and measurements

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `fn` over `items` with at most `n` calls in flight. */
async function pool<T>(items: readonly T[], n: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

type AnySocket = Socket;
type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let unexpectedDisconnects = 0;
let running = false;

function openSocket<S extends AnySocket | AppSocket>(url: string): Promise<S> {
  const s = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 20_000 });
  return new Promise((resolve, reject) => {
    s.once('connect', () => {
      s.on('disconnect', () => {
        if (running) unexpectedDisconnects++;
      });
      resolve(s as S);
    });
    s.once('connect_error', (err) => {
      s.close();
      reject(err);
    });
  });
}

interface Pending {
  t0: number;
  got: Uint8Array;
  count: number;
  match: (data: unknown) => boolean;
  done: (ms: number) => void;
}

/** One room as the load generator sees it: its member sockets and the measurement under way. */
abstract class BenchRoom {
  readonly sockets: AnySocket[] = [];
  pending: Pending | null = null;

  /** Member `i` received `data`: counts it when it is what the measurement waits for. */
  deliver(i: number, data: unknown): void {
    const p = this.pending;
    if (!p || p.got[i] || !p.match(data)) return;
    p.got[i] = 1;
    if (++p.count === this.sockets.length) {
      const ms = performance.now() - p.t0;
      this.pending = null;
      p.done(ms);
    }
  }

  /** Starts the clock, fires, resolves when every member has what `match` accepts. */
  protected measure(match: (data: unknown) => boolean, fire: (fail: (err: Error) => void) => void, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => {
        clearTimeout(timer);
        this.pending = null;
        reject(err);
      };
      const timer = setTimeout(() => fail(new Error('timeout')), timeoutMs);
      this.pending = {
        t0: performance.now(),
        got: new Uint8Array(this.sockets.length),
        count: 0,
        match,
        done: (ms) => {
          clearTimeout(timer);
          resolve(ms);
        },
      };
      fire(fail);
    });
  }

  abstract op(timeoutMs: number): Promise<number>;

  close(): void {
    for (const s of this.sockets) s.close();
  }
}

class AppRoom extends BenchRoom {
  ids: string[] = [];
  maxVersion = 0;
  holder: string | null = null;
  turn = 0;
  lastSnapshotBytes = 0;

  constructor(
    readonly url: string,
    readonly title: string,
  ) {
    super();
  }

  get leader(): AppSocket {
    return this.sockets[0] as unknown as AppSocket;
  }

  async setup(members: number): Promise<void> {
    const res = await fetch(`${this.url}/api/meetings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: this.title }),
    });
    if (res.status !== 201) throw new Error(`create meeting: HTTP ${res.status} ${await res.text()}`);
    const { tokens } = (await res.json()) as CreateMeetingResponse;
    for (let j = 0; j < members; j++) {
      const s = await openSocket<AppSocket>(this.url);
      const i = this.sockets.length;
      this.sockets.push(s as unknown as AnySocket);
      s.on('state', (snap: RoomSnapshot) => {
        if (snap.version > this.maxVersion) this.maxVersion = snap.version;
        this.deliver(i, snap);
      });
      const r = await new Promise<Result<JoinResult>>((resolve) =>
        s.emit('join', { token: j === 0 ? tokens.leader : tokens.participant, name: `Member ${j}`, protocolVersion: PROTOCOL_VERSION }, resolve),
      );
      if (!r.ok) throw new Error(`join: ${r.error.code} ${r.error.message}`);
      this.ids.push(r.me.id);
      this.lastSnapshotBytes = JSON.stringify(r.state).length;
    }
  }

  async start(): Promise<void> {
    const r = await new Promise<Result>((resolve) => this.leader.emit('startMeeting', {}, resolve));
    if (!r.ok) throw new Error(`startMeeting: ${r.error.code}`);
  }

  /** Next holder: the participants in turn (the leader too when there is only one participant). */
  #nextTarget(): string {
    const candidates = this.ids.length > 2 ? this.ids.slice(1) : this.ids;
    for (;;) {
      const t = candidates[this.turn++ % candidates.length]!;
      if (t !== this.holder) return t;
    }
  }

  op(timeoutMs: number): Promise<number> {
    const target = this.#nextTarget();
    const minVersion = this.maxVersion;
    const match = (d: unknown) => {
      const s = d as RoomSnapshot;
      return s.stick.holderId === target && s.version > minVersion;
    };
    return this.measure(
      match,
      (fail) =>
        this.leader.emit('passStick', { to: target }, (r) => {
          if (!r.ok) fail(new Error(`passStick: ${r.error.code}`));
        }),
      timeoutMs,
    ).then((ms) => {
      this.holder = target;
      return ms;
    });
  }
}

class BareRoom extends BenchRoom {
  seq = 0;
  size = 1000;

  constructor(
    readonly url: string,
    readonly name: string,
  ) {
    super();
  }

  async setup(members: number): Promise<void> {
    for (let j = 0; j < members; j++) {
      const s = await openSocket<AnySocket>(this.url);
      const i = this.sockets.length;
      this.sockets.push(s);
      s.on('said', (m: SaidMsg) => this.deliver(i, m));
      await new Promise<void>((resolve) => s.emit('enter', this.name, () => resolve()));
    }
  }

  op(timeoutMs: number): Promise<number> {
    const seq = ++this.seq;
    const msg: SayMsg = { room: this.name, seq, size: this.size };
    return this.measure(
      (d) => (d as SaidMsg).seq === seq,
      (fail) =>
        this.sockets[0]!.emit('say', msg, (r: { ok: boolean }) => {
          if (!r.ok) fail(new Error('say refused'));
        }),
      timeoutMs,
    );
  }
}

interface Series {
  kind: ServerKind;
  samples: number[];
  /** Each measured round's own p99: their median shows a typical round's tail. */
  roundP99: number[];
  errors: Map<string, number>;
  cpuMicros: number;
  ops: number;
  memBefore: MemInfo & { vmRss: number };
  memAfter: MemInfo & { vmRss: number };
  clients: number;
}

interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]! : NaN);
  return { n: s.length, p50: at(50), p95: at(95), p99: at(99), max: s.at(-1) ?? NaN, mean: s.reduce((a, b) => a + b, 0) / (s.length || 1) };
}

interface Planned {
  room: BenchRoom;
  series: Series | null;
  /** Start offset from the beginning of the slot (ms). */
  at: number;
}

/** Runs the planned operations, each at its offset, and waits until all have finished. */
async function slot(plan: Planned[], timeoutMs: number): Promise<void> {
  const t = performance.now();
  await Promise.all(
    plan.map(async ({ room, series, at }) => {
      const wait = t + at - performance.now();
      if (wait > 1) await sleep(wait);
      try {
        const ms = await room.op(timeoutMs);
        series?.samples.push(ms);
      } catch (err) {
        if (series) {
          const k = (err as Error).message;
          series.errors.set(k, (series.errors.get(k) ?? 0) + 1);
        }
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Orchestrator: main

const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const kib = (bytes: number) => bytes / 1024;
const mib = (bytes: number) => fmt(bytes / 1024 / 1024, 1);

async function main(): Promise<number> {
  const cfg = readConfig(process.argv.slice(2));
  const cleanups: (() => unknown)[] = [];
  const cleanup = async () => {
    running = false;
    for (const f of cleanups.splice(0).reverse()) {
      try {
        await f();
      } catch {
        /* best effort */
      }
    }
  };
  const watchdog = setTimeout(() => {
    process.stderr.write(`\nsignaling bench: still running after ${cfg.maxSeconds} s (--max-seconds); stopping.\n`);
    void cleanup().finally(() => process.exit(1));
  }, cfg.maxSeconds * 1000);
  watchdog.unref();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));

  const started = performance.now();
  const cpus = os.cpus();
  const machine = {
    cores: os.availableParallelism?.() ?? cpus.length,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    memGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadStart: os.loadavg(),
    loadEnd: [] as number[],
  };
  const kinds: ServerKind[] = ['app', 'bare', ...(cfg.bareRedis ? (['bare-redis'] as const) : [])];
  const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);
  log(
    `${cfg.rooms} rooms x ${cfg.clients} clients per server, ${cfg.rounds} rounds (+${cfg.warmup} warm-up), store=${cfg.store}, ` +
      `spread ${cfg.spreadMs} ms, interleave ${cfg.interleave}, servers: ${kinds.join(', ')}`,
  );

  try {
    // 1. Redis (throwaway) and the servers, each in its own process.
    let redisUrl = '';
    if (cfg.store === 'redis' || cfg.bareRedis) {
      const redis = await startRedis();
      cleanups.push(() => redis.stop());
      redisUrl = redis.url;
      log(`redis-server pid ${redis.pid} on ${redis.url}`);
    }
    const prefix = `bench${process.pid}:`;
    const servers = new Map<ServerKind, ChildServer>();
    await Promise.all(
      kinds.map(async (kind) => {
        const env = { BENCH_PREFIX: prefix, BENCH_REDIS_URL: kind === 'bare' || (kind === 'app' && cfg.store === 'memory') ? '' : redisUrl };
        const c = await ChildServer.start(kind, env);
        cleanups.push(() => c.stop());
        servers.set(kind, c);
      }),
    );
    log(`servers: ${[...servers.values()].map((s) => `${s.kind} pid ${s.proc.pid} ${s.url}`).join('; ')}`);

    // 2. Per server: a primer room (warms the code paths before the memory baseline), memory,
    //    N rooms x M clients, memory again.
    const rooms = new Map<ServerKind, BenchRoom[]>();
    const series = new Map<ServerKind, Series>();
    let snapshotBytes = 0;
    for (const kind of kinds) {
      const server = servers.get(kind)!;
      const make = (i: number): AppRoom | BareRoom => (kind === 'app' ? new AppRoom(server.url, `Bench group ${i}`) : new BareRoom(server.url, `room-${i}`));
      const primer = make(-1);
      await primer.setup(cfg.clients);
      if (primer instanceof AppRoom) await primer.start();
      for (let k = 0; k < 20; k++) await primer.op(cfg.timeoutMs);
      cleanups.push(() => primer.close());
      const memBefore = await server.mem();

      const t0 = performance.now();
      const list = Array.from({ length: cfg.rooms }, (_, i) => make(i));
      cleanups.push(() => list.forEach((r) => r.close()));
      // Rooms set up 16 at a time; inside a room, members join one after the other.
      await pool(list, 16, async (room) => {
        await room.setup(cfg.clients);
        if (room instanceof AppRoom) await room.start();
      });
      const memAfter = await server.mem();
      log(`${kind}: ${cfg.rooms * cfg.clients} clients connected and joined in ${fmt((performance.now() - t0) / 1000, 1)} s`);
      if (kind === 'app') snapshotBytes = Math.max(...list.map((r) => (r as AppRoom).lastSnapshotBytes));
      rooms.set(kind, list);
      series.set(kind, { kind, samples: [], roundP99: [], errors: new Map(), cpuMicros: 0, ops: 0, memBefore, memAfter, clients: cfg.rooms * cfg.clients });
    }
    // The bare broadcasts carry as many bytes as a room snapshot, so that the ratio is about the
    // app's work (validation, store, decide, snapshot), not about payload size.
    for (const kind of kinds) if (kind !== 'app') for (const r of rooms.get(kind)!) (r as BareRoom).size = snapshotBytes;

    // 3. Rounds: one operation per room per server and round. With --interleave op (default)
    //    the operations of all servers alternate inside one window of --spread ms (room i of
    //    each server in turn, order rotated), so that background noise from the shared machine
    //    hits every server alike; with --interleave round, each server gets its own window, one
    //    after the other. Either way each server sees N operations per --spread ms. The first
    //    `warmup` rounds are not recorded.
    running = true;
    const LOOP_RES_MS = 5;
    const loop = monitorEventLoopDelay({ resolution: LOOP_RES_MS });
    const total = cfg.warmup + cfg.rounds;
    const cpuStart = new Map<ServerKind, number>();
    const K = kinds.length;
    for (let r = 0; r < total; r++) {
      const measured = r >= cfg.warmup;
      if (r === cfg.warmup) {
        for (const kind of kinds) cpuStart.set(kind, await servers.get(kind)!.cpuMicros());
        loop.enable();
      }
      const before = new Map(kinds.map((k) => [k, series.get(k)!.samples.length]));
      const step = cfg.spreadMs / cfg.rooms;
      if (cfg.interleave === 'op') {
        const plan: Planned[] = [];
        for (let i = 0; i < cfg.rooms; i++) {
          for (let j = 0; j < K; j++) {
            const kind = kinds[(i + j + r) % K]!;
            plan.push({ room: rooms.get(kind)![i]!, series: measured ? series.get(kind)! : null, at: i * step + (j * step) / K });
          }
        }
        await slot(plan, cfg.timeoutMs);
      } else {
        for (let j = 0; j < K; j++) {
          const kind = kinds[(j + r) % K]!;
          const s = measured ? series.get(kind)! : null;
          await slot(rooms.get(kind)!.map((room, i) => ({ room, series: s, at: i * step })), cfg.timeoutMs);
          await sleep(50);
        }
      }
      const line: string[] = [];
      if (measured) {
        for (const kind of kinds) {
          const s = series.get(kind)!;
          s.ops += cfg.rooms;
          const st = stats(s.samples.slice(before.get(kind)!));
          s.roundP99.push(st.p99);
          line.push(`${kind} p50 ${fmt(st.p50)} max ${fmt(st.max)}`);
        }
      }
      log(`round ${r + 1}/${total}${measured ? '' : ' (warm-up)'}${line.length ? ': ' + line.join(' | ') : ''}`);
      await sleep(50);
    }
    loop.disable();
    for (const kind of kinds) {
      const s = series.get(kind)!;
      s.cpuMicros = (await servers.get(kind)!.cpuMicros()) - cpuStart.get(kind)!;
    }
    running = false;
    machine.loadEnd = os.loadavg();

    // 4. Report.
    const res = Object.fromEntries(kinds.map((k) => [k, stats(series.get(k)!.samples)])) as Record<ServerKind, Stats>;
    const out: string[] = [];
    const p = (s = '') => out.push(s);
    p();
    p(`Peer Circle signaling benchmark`);
    p(`  ${cfg.rooms} rooms x ${cfg.clients} clients = ${cfg.rooms * cfg.clients} sockets per server; ${cfg.rounds} measured rounds (+${cfg.warmup} warm-up);`);
    p(`  one operation per room per round and server, started evenly over ${cfg.spreadMs} ms (interleave: ${cfg.interleave});`);
    p(`  app store: ${cfg.store}; state snapshot / bare payload ~${snapshotBytes} B`);
    p(`  machine: ${machine.cores} cores (${machine.cpu}), ${fmt(machine.memGiB, 1)} GiB, node ${machine.node}, ${machine.platform}`);
    p(`  load average at start ${machine.loadStart.map((x) => fmt(x)).join(' ')}, at end ${machine.loadEnd.map((x) => fmt(x)).join(' ')}`);
    p();
    p(`Latency, emit -> every member of the room has received it (ms)`);
    p(`  ${'server'.padEnd(32)}${'samples'.padStart(8)}${'p50'.padStart(8)}${'p95'.padStart(8)}${'p99'.padStart(8)}${'max'.padStart(8)}${'errors'.padStart(8)}${'CPU/op µs'.padStart(11)}${'round p99 med'.padStart(15)}`);
    for (const kind of kinds) {
      const s = series.get(kind)!;
      const st = res[kind];
      const errors = [...s.errors.values()].reduce((a, b) => a + b, 0);
      p(
        `  ${LABEL[kind].padEnd(32)}${String(st.n).padStart(8)}${fmt(st.p50).padStart(8)}${fmt(st.p95).padStart(8)}${fmt(st.p99).padStart(8)}${fmt(st.max).padStart(8)}${String(errors).padStart(8)}${fmt(s.cpuMicros / (s.ops || 1), 0).padStart(11)}${fmt(stats(s.roundP99).p50).padStart(15)}`,
      );
      if (errors) p(`    errors: ${[...s.errors].map(([k, v]) => `${k} x${v}`).join(', ')}`);
    }
    const ratios: Record<string, { p50: number; p99: number }> = {};
    for (const kind of kinds) {
      if (kind === 'app') continue;
      ratios[kind] = { p50: res.app.p50 / res[kind].p50, p99: res.app.p99 / res[kind].p99 };
      p(`  ratio handoff / ${LABEL[kind]}: p50 x${fmt(ratios[kind].p50)}, p99 x${fmt(ratios[kind].p99)}`);
    }
    // The histogram records whole timer intervals: the delay beyond the timer's own period is lag.
    const over = (ns: number) => Math.max(0, ns / 1e6 - LOOP_RES_MS);
    p(`  (CPU/op: the server process's user+system CPU over the measured rounds / its operations;`);
    p(`   round p99 med: median over the rounds of each round's own p99, a typical round's tail)`);
    const lag = { p50: over(loop.percentile(50)), p99: over(loop.percentile(99)), max: over(loop.max) };
    p(`  load generator event-loop delay: p50 ${fmt(lag.p50)} ms, p99 ${fmt(lag.p99)} ms, max ${fmt(lag.max)} ms; unexpected disconnects: ${unexpectedDisconnects}`);
    p();
    p(`Server memory per connected client (server process alone, after 2 forced GCs; before = primer room only)`);
    p(`  ${'server'.padEnd(32)}${'RSS before'.padStart(11)}${'RSS after'.padStart(11)}${'KiB/client'.padStart(12)}${'heap before'.padStart(13)}${'heap after'.padStart(12)}${'KiB/client'.padStart(12)}`);
    const memPer: Record<string, { rssKiB: number; heapKiB: number }> = {};
    for (const kind of kinds) {
      const s = series.get(kind)!;
      const rssKiB = kib(s.memAfter.vmRss - s.memBefore.vmRss) / s.clients;
      const heapKiB = kib(s.memAfter.heapUsed + s.memAfter.external - (s.memBefore.heapUsed + s.memBefore.external)) / s.clients;
      memPer[kind] = { rssKiB, heapKiB };
      p(
        `  ${LABEL[kind].padEnd(32)}${(mib(s.memBefore.vmRss) + ' MiB').padStart(11)}${(mib(s.memAfter.vmRss) + ' MiB').padStart(11)}${fmt(rssKiB, 1).padStart(12)}` +
          `${(mib(s.memBefore.heapUsed + s.memBefore.external) + ' MiB').padStart(13)}${(mib(s.memAfter.heapUsed + s.memAfter.external) + ' MiB').padStart(12)}${fmt(heapKiB, 1).padStart(12)}`,
      );
    }
    p(`  (heap = V8 heapUsed + external; RSS = /proc/<pid>/status VmRSS)`);
    p();
    const appErrors = [...series.get('app')!.errors.values()].reduce((a, b) => a + b, 0);
    const targets = [
      { name: 'handoff p99 <= 20 ms', ok: res.app.p99 <= 20 && appErrors === 0, detail: `${fmt(res.app.p99)} ms${appErrors ? `, ${appErrors} failed` : ''}` },
      { name: 'handoff p99 <= 3 x bare Socket.IO p99', ok: res.app.p99 <= 3 * res.bare.p99 && appErrors === 0, detail: `x${fmt(res.app.p99 / res.bare.p99)}` },
    ];
    p(`Targets`);
    for (const t of targets) p(`  ${t.ok ? 'PASS' : 'FAIL'}  ${t.name.padEnd(40)} (${t.detail})`);
    p();
    p(`Total run time ${fmt((performance.now() - started) / 1000, 1)} s`);
    process.stdout.write(out.join('\n') + '\n');

    if (cfg.json) {
      const json = {
        date: new Date().toISOString(),
        config: cfg,
        machine,
        snapshotBytes,
        latencyMs: res,
        roundP99MedianMs: Object.fromEntries(kinds.map((k) => [k, stats(series.get(k)!.roundP99).p50])),
        ratios,
        cpuMicrosPerOp: Object.fromEntries(kinds.map((k) => [k, series.get(k)!.cpuMicros / (series.get(k)!.ops || 1)])),
        memory: Object.fromEntries(kinds.map((k) => [k, { ...memPer[k], before: series.get(k)!.memBefore, after: series.get(k)!.memAfter }])),
        errors: Object.fromEntries(kinds.map((k) => [k, Object.fromEntries(series.get(k)!.errors)])),
        loadGeneratorLoopDelayMs: lag,
        unexpectedDisconnects,
        targets,
      };
      writeFileSync(cfg.json, JSON.stringify(json, null, 2) + '\n');
    }
    return 0;
  } finally {
    await cleanup();
  }
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) {
  const kind = process.argv[childAt + 1] as ServerKind;
  runChild(kind).catch((err: unknown) => {
    process.send?.({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies FromChild);
    process.exit(1);
  });
} else {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`signaling bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
