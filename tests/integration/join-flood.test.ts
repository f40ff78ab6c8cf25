/**
 * Issue 11, item 3, through the real server: a flood of joins with the participant link cannot
 * inflate a meeting (B1, B2), and one address cannot take new seats without end (B3). Addresses
 * are simulated honestly: the server trusts the loopback proxy (TRUST_PROXY=loopback), and each
 * test client says which address it forwards for in X-Forwarded-For, as a reverse proxy would.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { PROTOCOL_VERSION } from '@peer-circle/shared';
import type { RunningServer } from '../../server/src/server.ts';
import { DEFAULT_JOIN_LIMIT } from '../../server/src/transport/socket.ts';
import { MAX_DEPARTED, toSnapshot } from '../../server/src/room/index.ts';
import { testServer } from '../helpers/server.ts';
import { createMeeting, type ClientSocket, type Reply } from '../helpers/client.ts';
import { scaled } from '../helpers/time.ts';
import { startRedis } from '../helpers/redis.ts';

let server: RunningServer | undefined;
const sockets: ClientSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.disconnect();
  await server?.close();
  server = undefined;
});

/** A socket that reaches the server through the (trusted) loopback proxy for `address`. */
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
    const t = setTimeout(() => reject(new Error(`no ack for ${event}`)), scaled(10_000));
    (socket.emit as (...a: unknown[]) => void)(event, payload, (r: Reply) => {
      clearTimeout(t);
      resolve(r);
    });
  });
}

const join = (socket: ClientSocket, token: string, name: string, resume?: string) =>
  call(socket, 'join', { token, name, protocolVersion: PROTOCOL_VERSION, ...(resume ? { resume } : {}) });

describe('B3 new seats per client address', () => {
  it('[B3] past the limit one address is answered rate_limited (rateLimit.joins); other addresses and resumes are not', async () => {
    server = await testServer({ trustProxy: 'loopback', joinLimit: { perAddress: 5, windowMs: 60_000 } });
    const m = await createMeeting(server.url);
    const resumes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await join(await connectAs(server.url, '203.0.113.7'), m.tokens.participant, `Guest ${i}`);
      expect(r.ok).toBe(true);
      resumes.push(r.resume as string);
    }
    const refused = await join(await connectAs(server.url, '203.0.113.7'), m.tokens.participant, 'One more');
    expect(refused).toMatchObject({ ok: false, error: { code: 'rate_limited', key: 'rateLimit.joins' } });
    // Another address is its own budget; coming back to a seat is never limited.
    expect((await join(await connectAs(server.url, '198.51.100.4'), m.tokens.participant, 'Neighbour')).ok).toBe(true);
    expect((await join(await connectAs(server.url, '203.0.113.7'), m.tokens.participant, 'Guest 0', resumes[0])).ok).toBe(true);
    // Nothing of the refused join reached the meeting.
    const state = await server.service.load(m.meetingId);
    expect(state!.participants).toHaveLength(6);
  });

  it('[B3] with Redis one address has one budget across server processes, kept as a hash only', { timeout: scaled(60_000) }, async () => {
    const redis = await startRedis();
    const opts = { redisUrl: redis.url, redisPrefix: 'budget:', trustProxy: 'loopback', joinLimit: { perAddress: 4, windowMs: 60_000 } } as const;
    const a = await testServer(opts);
    const b = await testServer(opts);
    try {
      const m = await createMeeting(a.url);
      const answers: Reply[] = [];
      // Alternating between the two processes: per process it would be 3 of 4 each.
      for (let i = 0; i < 6; i++) answers.push(await join(await connectAs((i % 2 ? b : a).url, '203.0.113.9'), m.tokens.participant, `Guest ${i}`));
      expect(answers.map((r) => r.ok)).toEqual([true, true, true, true, false, false]);
      expect(answers[4]).toMatchObject({ error: { code: 'rate_limited', key: 'rateLimit.joins' } });
      expect((await join(await connectAs(b.url, '198.51.100.9'), m.tokens.participant, 'Neighbour')).ok).toBe(true);
      // What Redis holds of the address: a hash that expires with the window, never the address.
      const client = redis.client();
      const keys = await client.keys('budget:join-budget*');
      expect(keys.length).toBe(2);
      for (const k of keys) {
        expect(k).not.toContain('203.0.113');
        expect(await client.pttl(k)).toBeGreaterThan(0);
        expect(await client.pttl(k)).toBeLessThanOrEqual(60_000);
      }
      const dumps = await Promise.all((await client.keys('budget:*')).map((k) => client.dumpBuffer(k)));
      expect(dumps.map((d) => d?.toString('latin1') ?? '').join('')).not.toContain('203.0.113');
      client.disconnect();
    } finally {
      await a.close();
      await b.close();
      await redis.stop();
    }
  });

  it('[B3] without a trusted proxy the forwarded address is ignored: the connection’s own address counts', async () => {
    server = await testServer({ joinLimit: { perAddress: 2, windowMs: 60_000 } });
    const m = await createMeeting(server.url);
    const answers: Reply[] = [];
    for (let i = 0; i < 3; i++) answers.push(await join(await connectAs(server.url, `192.0.2.${i + 1}`), m.tokens.participant, `Guest ${i}`));
    expect(answers.map((a) => a.ok)).toEqual([true, true, false]);
  });
});

describe('B1, B2: 2,000 joins do not inflate a meeting', () => {
  it('[B1] [B2] the state stays bounded: seats and snapshot size', { timeout: scaled(600_000) }, async () => {
    // The default limit per address (B3) stays on: the flood comes from 100 addresses, 20 each.
    server = await testServer({ trustProxy: 'loopback', joinLimit: DEFAULT_JOIN_LIMIT });
    const m = await createMeeting(server.url);
    const leader = await connectAs(server.url, '10.0.0.1');
    expect((await join(leader, m.tokens.leader, 'Lea')).ok).toBe(true);
    expect(await call(leader, 'startMeeting', {})).toEqual({ ok: true });
    for (let i = 0; i < 49; i++) expect((await join(await connectAs(server.url, `10.0.1.${i + 1}`), m.tokens.participant, `Person ${i}`)).ok).toBe(true);
    const measure = async () => {
      const state = (await server!.service.load(m.meetingId))!;
      return { seats: state.participants.length, bytes: JSON.stringify(toSnapshot(state, Date.now(), 'leader')).length };
    };
    const start = await measure();

    const ADDRESSES = 100;
    const PER_ADDRESS = 20;
    let refused = 0;
    const flood = async (a: number) => {
      const socket = await connectAs(server!.url, `172.16.${Math.floor(a / 250)}.${(a % 250) + 1}`);
      for (let i = 0; i < PER_ADDRESS; i++) {
        const r = await join(socket, m.tokens.participant, `Flood ${a}-${i}`);
        if (!r.ok) {
          refused += 1;
          continue;
        }
        expect(await call(socket, 'leave', {})).toEqual({ ok: true });
      }
      socket.disconnect();
    };
    // Ten addresses at a time.
    for (let a = 0; a < ADDRESSES; a += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => flood(a + j)));
    const end = await measure();
    process.stdout.write(`join flood: ${ADDRESSES * PER_ADDRESS} joins, ${refused} refused; seats ${start.seats} -> ${end.seats}, leader snapshot ${start.bytes} -> ${end.bytes} bytes\n`);

    expect(refused).toBe(0);
    // 50 present people, the seats that left within the grace period (at most MAX_DEPARTED).
    expect(end.seats).toBeLessThanOrEqual(start.seats + MAX_DEPARTED);
    expect(end.bytes).toBeLessThan(start.bytes * 1.6);
    // Everyone who came is still counted, anonymously (B1).
    const state = (await server.service.load(m.meetingId))!;
    expect(state.pruned!.silent.none).toBe(ADDRESSES * PER_ADDRESS - (end.seats - start.seats));
  });
});
