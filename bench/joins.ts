/**
 * Join-flood benchmark (issue 11, rules B1-B3): what 2,000 joins with the participant link do to
 * one meeting of 50 people: its seat count, the size of its snapshot, and the latency of a command
 * of someone in it, measured before, during and after the flood. Method and figures:
 * docs/benchmarks.md ("## Join flood").
 *
 *   npm run bench:joins                               # 2000 joins from 100 addresses, Redis store
 *   npm run bench:joins -- --joins 500 --store memory
 *   JOINS=500 STORE=memory npm run bench:joins
 *
 * Options (flag or environment variable; the flag wins):
 *   --joins N        JOINS        joins in the flood, each followed by `leave` (2000)
 *   --addresses A    ADDRESSES    client addresses the flood comes from, forwarded through a trusted
 *                                 proxy (X-Forwarded-For; the server runs with TRUST_PROXY=loopback) (100)
 *   --parallel P     PARALLEL     addresses flooding at the same time (10)
 *   --people N       PEOPLE       people in the meeting before the flood, the leader included (50)
 *   --samples S      SAMPLES      command round trips per latency measurement (40)
 *   --store S        STORE        redis | memory (redis)
 *   --server-root D  SERVER_ROOT  run `server/src/main.ts` of another checkout (a before/after run)
 *
 * The server runs in its own process (`server/src/main.ts`, audio off, the default per-address
 * join limit), the load generator here; all traffic stays on 127.0.0.1. Exit code 0 unless the
 * benchmark itself could not run.
 */
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { PROTOCOL_VERSION, type ClientToServerEvents, type CreateMeetingResponse, type RoomSnapshot, type ServerToClientEvents } from '@peer-circle/shared';
import { freePort, startRedis } from '../tests/helpers/redis.ts';
import { serverProcess as startProcess, stopProcess } from '../tests/helpers/process.ts';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type Reply = { ok: boolean; error?: { code: string; key: string } } & Record<string, unknown>;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function option(flag: string, env: string, fallback: string): string {
  const i = process.argv.indexOf(`--${flag}`);
  if (i >= 0 && process.argv[i + 1] !== undefined) return process.argv[i + 1]!;
  return process.env[env] ?? fallback;
}

const JOINS = Number(option('joins', 'JOINS', '2000'));
const ADDRESSES = Number(option('addresses', 'ADDRESSES', '100'));
const PARALLEL = Number(option('parallel', 'PARALLEL', '10'));
const PEOPLE = Number(option('people', 'PEOPLE', '50'));
const SAMPLES = Number(option('samples', 'SAMPLES', '40'));
const STORE = option('store', 'STORE', 'redis');
/** Time between the starts of two probe commands. */
const PROBE_SPACING_MS = 60;
const SERVER_ROOT = path.resolve(option('server-root', 'SERVER_ROOT', ROOT));

async function serverProcess(port: number, redisUrl: string | null): Promise<ChildProcess> {
  const env = { TRUST_PROXY: 'loopback', ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_PREFIX: 'bench-joins:' } : {}) };
  return (await startProcess(port, env, SERVER_ROOT)).child;
}

const sockets: ClientSocket[] = [];
async function connectAs(url: string, address: string): Promise<ClientSocket> {
  const socket: ClientSocket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: { 'x-forwarded-for': address } });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

function call(socket: ClientSocket, event: string, payload: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ack for ${event}`)), 30_000);
    (socket.emit as (...a: unknown[]) => void)(event, payload, (r: Reply) => {
      clearTimeout(t);
      resolve(r);
    });
  });
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

async function main(): Promise<void> {
  const redis = STORE === 'redis' ? await startRedis() : null;
  const port = await freePort();
  const server = await serverProcess(port, redis?.url ?? null);
  const url = `http://127.0.0.1:${port}`;
  try {
    const res = await fetch(`${url}/api/meetings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Bench group' }) });
    const m = (await res.json()) as CreateMeetingResponse;
    const join = (s: ClientSocket, token: string, name: string) => call(s, 'join', { token, name, protocolVersion: PROTOCOL_VERSION });

    // The meeting: a leader and PEOPLE-1 participants, each from their own address.
    const leader = await connectAs(url, '10.0.0.1');
    let latest: RoomSnapshot | null = null;
    leader.on('state', (s) => {
      if (!latest || s.version > latest.version) latest = s;
    });
    if (!(await join(leader, m.tokens.leader, 'Lea')).ok) throw new Error('the leader could not join');
    await call(leader, 'startMeeting', {});
    let probe: ClientSocket | null = null;
    for (let i = 1; i < PEOPLE; i++) {
      const s = await connectAs(url, `10.0.${Math.floor(i / 250) + 1}.${(i % 250) + 1}`);
      const r = await join(s, m.tokens.participant, `Person ${i}`);
      if (!r.ok) throw new Error(`person ${i} could not join: ${r.error?.code}`);
      probe ??= s;
    }
    const prober = probe ?? leader;

    /** Command latency: a hand raised and lowered, ack round trip, SAMPLES times, one every PROBE_SPACING_MS. */
    const latency = async (n = SAMPLES): Promise<{ p50: number; p95: number }> => {
      const ms: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        const r = await call(prober, i % 2 ? 'lowerHand' : 'raiseHand', {});
        ms.push(performance.now() - t0);
        if (!r.ok) throw new Error(`probe command refused: ${r.error?.code}`);
        // Paced like a person, and under the per-connection command limit (2 x 20/s over 2 s):
        // on a quiet machine 40 back-to-back probes after the join would be refused.
        const wait = t0 + PROBE_SPACING_MS - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      if (n % 2) await call(prober, 'lowerHand', {});
      return { p50: quantile(ms, 0.5), p95: quantile(ms, 0.95) };
    };
    const picture = async () => {
      const l = await latency();
      const s = latest!;
      return { seats: s.participants.length, bytes: JSON.stringify(s).length, ...l };
    };

    const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
    type Row = { joins: number; seats: number; bytes: number; p50: number; p95: number };
    const line = (r: Row) => `${String(r.joins).padStart(5)}  ${String(r.seats).padStart(5)}  ${kb(r.bytes).padStart(8)}  ${r.p50.toFixed(1).padStart(8)} ms  ${r.p95.toFixed(1).padStart(6)} ms`;
    const rows: Row[] = [];
    /** Each row as soon as it is measured: a slow run still shows how far it got. */
    const record = (r: Row) => {
      rows.push(r);
      console.log(`[progress] ${line(r)}`);
    };
    record({ joins: 0, ...(await picture()) });
    let done = 0;
    let refused = 0;
    const refusals = new Map<string, number>();
    const perAddress = Math.ceil(JOINS / ADDRESSES);
    const started = performance.now();
    const flood = async (a: number): Promise<void> => {
      const s = await connectAs(url, `172.16.${Math.floor(a / 250)}.${(a % 250) + 1}`);
      for (let i = 0; i < perAddress && a * perAddress + i < JOINS; i++) {
        const r = await join(s, m.tokens.participant, `Flood ${a}-${i}`);
        done += 1;
        if (!r.ok) {
          refused += 1;
          const k = `${r.error?.code}/${r.error?.key}`;
          refusals.set(k, (refusals.get(k) ?? 0) + 1);
          continue;
        }
        await call(s, 'leave', {});
      }
      s.disconnect();
    };
    const step = Math.max(PARALLEL, Math.round(ADDRESSES / 4 / PARALLEL) * PARALLEL);
    for (let a = 0; a < ADDRESSES; a += PARALLEL) {
      await Promise.all(Array.from({ length: Math.min(PARALLEL, ADDRESSES - a) }, (_, j) => flood(a + j)));
      if ((a + PARALLEL) % step === 0 || a + PARALLEL >= ADDRESSES) record({ joins: done, ...(await picture()) });
    }
    const floodMs = performance.now() - started;

    const first = rows[0]!;
    const last = rows.at(-1)!;
    console.log(`\nJoin flood: ${JOINS} joins (each followed by leave) from ${ADDRESSES} addresses, ${PARALLEL} at a time, into a meeting of ${PEOPLE}; store ${STORE}; server ${SERVER_ROOT}`);
    console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
    console.log('joins  seats  snapshot   command p50   p95');
    for (const r of rows) console.log(line(r));
    console.log(`\nflood took ${(floodMs / 1000).toFixed(1)} s (${((done / floodMs) * 1000).toFixed(0)} joins/s); refused ${refused}${refused ? ` (${[...refusals].map(([k, n]) => `${k}: ${n}`).join(', ')})` : ''}`);
    console.log(`seats ${first.seats} -> ${last.seats}, snapshot ${kb(first.bytes)} -> ${kb(last.bytes)}, command p50 ${first.p50.toFixed(1)} -> ${last.p50.toFixed(1)} ms (p95 ${first.p95.toFixed(1)} -> ${last.p95.toFixed(1)} ms)`);
  } finally {
    for (const s of sockets) s.disconnect();
    await stopProcess(server);
    await redis?.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
