/**
 * A real TURN server for tests (Debian's coturn, `turnserver`) on loopback with a shared secret
 * (TURN REST API, `--use-auth-secret`), and a minimal TURN client (RFC 5766 Allocate with
 * long-term credentials, RFC 5389 MESSAGE-INTEGRITY) to ask it whether a credential is accepted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './redis.ts';
import { scaled } from './time.ts';

export interface TestTurn {
  port: number;
  secret: string;
  realm: string;
  url: string;
  stop(): Promise<void>;
}

const MAGIC = 0x2112a442;

/** Starts `turnserver` on 127.0.0.1 (UDP and TCP on `port`, relays on 127.0.0.1) and waits until it answers STUN. */
export async function startTurn(): Promise<TestTurn> {
  const port = await freePort();
  const secret = randomBytes(24).toString('base64url');
  const realm = 'peer-circle.test';
  const dir = mkdtempSync(path.join(tmpdir(), 'pc-turn-'));
  // Above mediasoup's default range (40000-49999), so the two never compete for a port.
  const relayMin = 50100 + Math.floor(Math.random() * 100) * 10;
  const proc: ChildProcess = spawn(
    'turnserver',
    [
      '-n', // no config file: everything is on this line
      '--listening-ip', '127.0.0.1',
      '--listening-port', String(port),
      '--relay-ip', '127.0.0.1',
      '--min-port', String(relayMin),
      '--max-port', String(relayMin + 9),
      '--use-auth-secret',
      '--static-auth-secret', secret,
      '--realm', realm,
      // Everything here is on loopback, which coturn refuses as a peer by default.
      '--allow-loopback-peers',
      '--no-cli',
      '--no-tls',
      '--no-dtls',
      '--fingerprint',
      '--userdb', path.join(dir, 'turndb'),
      '--pidfile', path.join(dir, 'turnserver.pid'),
      '--log-file', 'stdout',
      '--simple-log',
    ],
    { stdio: 'ignore' },
  );
  let exited = false;
  proc.once('exit', () => (exited = true));
  const deadline = Date.now() + scaled(10_000);
  for (;;) {
    if (exited) throw new Error('turnserver exited at start');
    if ((await stunBinding(port, 300)) === true) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error('turnserver did not answer');
    }
  }
  return {
    port,
    secret,
    realm,
    url: `turn:127.0.0.1:${port}?transport=udp`,
    stop: async () => {
      if (!exited) {
        const gone = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGKILL');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function header(type: number, bodyLength: number, txid: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(bodyLength, 2);
  h.writeUInt32BE(MAGIC, 4);
  txid.copy(h, 8);
  return h;
}

function attr(type: number, value: Buffer): Buffer {
  const pad = (4 - (value.length % 4)) % 4;
  const a = Buffer.alloc(4 + value.length + pad);
  a.writeUInt16BE(type, 0);
  a.writeUInt16BE(value.length, 2);
  value.copy(a, 4);
  return a;
}

function parse(msg: Buffer): { type: number; attrs: Map<number, Buffer> } {
  const attrs = new Map<number, Buffer>();
  let off = 20;
  while (off + 4 <= msg.length) {
    const t = msg.readUInt16BE(off);
    const len = msg.readUInt16BE(off + 2);
    attrs.set(t, msg.subarray(off + 4, off + 4 + len));
    off += 4 + len + ((4 - (len % 4)) % 4);
  }
  return { type: msg.readUInt16BE(0), attrs };
}

/** One request, one answer, on `sock` (a TURN nonce belongs to the client's address and port). */
function exchange(sock: dgram.Socket, port: number, packet: Buffer, timeoutMs: number): Promise<Buffer | null> {
  return new Promise<Buffer | null>((resolve) => {
    const t = setTimeout(() => {
      sock.off('message', on);
      resolve(null);
    }, timeoutMs);
    const on = (m: Buffer) => {
      clearTimeout(t);
      resolve(m);
    };
    sock.once('message', on);
    sock.send(packet, port, '127.0.0.1');
  });
}

async function withSocket<T>(fn: (sock: dgram.Socket) => Promise<T>): Promise<T> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  try {
    return await fn(sock);
  } finally {
    sock.close();
  }
}

async function stunBinding(port: number, timeoutMs: number): Promise<boolean> {
  const res = await withSocket((sock) => exchange(sock, port, header(0x0001, 0, randomBytes(12)), timeoutMs));
  return res !== null && res.readUInt16BE(0) === 0x0101;
}

/**
 * A TURN Allocate with long-term credentials: first unauthenticated (the server answers 401 with
 * its realm and nonce), then signed with MD5(username:realm:password). Resolves `{ok:true}` on an
 * Allocate success, else the error code the server answered (401: credential refused).
 */
export function turnAllocate(port: number, username: string, password: string): Promise<{ ok: boolean; code?: number }> {
  return withSocket((sock) => allocate(sock, port, username, password));
}

async function allocate(sock: dgram.Socket, port: number, username: string, password: string): Promise<{ ok: boolean; code?: number }> {
  const transport = attr(0x0019, Buffer.from([17, 0, 0, 0])); // REQUESTED-TRANSPORT: UDP
  const first = await exchange(sock, port, Buffer.concat([header(0x0003, transport.length, randomBytes(12)), transport]), scaled(3000));
  if (!first) throw new Error('no answer from the TURN server');
  const challenge = parse(first);
  const realm = challenge.attrs.get(0x0014);
  const nonce = challenge.attrs.get(0x0015);
  if (!realm || !nonce) throw new Error('the TURN server sent no realm/nonce challenge');
  const body = Buffer.concat([transport, attr(0x0006, Buffer.from(username)), attr(0x0014, realm), attr(0x0015, nonce)]);
  const txid = randomBytes(12);
  // MESSAGE-INTEGRITY covers the header with a length that already counts the integrity attribute.
  const signed = Buffer.concat([header(0x0003, body.length + 24, txid), body]);
  const key = createHash('md5').update(`${username}:${realm.toString()}:${password}`).digest();
  const mi = attr(0x0008, createHmac('sha1', key).update(signed).digest());
  const res = await exchange(sock, port, Buffer.concat([signed, mi]), scaled(3000));
  if (!res) throw new Error('no answer from the TURN server');
  const answer = parse(res);
  if (answer.type === 0x0103) return { ok: true };
  const err = answer.attrs.get(0x0009);
  return { ok: false, code: err ? err[2]! * 100 + err[3]! : 0 };
}
