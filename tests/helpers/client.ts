/** A protocol-level member for integration tests: joins, keeps every snapshot, re-joins on reconnect. */
import { io, type Socket } from 'socket.io-client';
import {
  PROTOCOL_VERSION,
  type ClientToServerEvents,
  type CreateMeetingResponse,
  type JoinResult,
  type RoomSnapshot,
  type ServerToClientEvents,
} from '@peer-circle/shared';

/** An ack as tests read it: ok, or an error with a code and a message. */
export type Reply = { ok: boolean; error?: { code: string; message: string } } & Record<string, unknown>;

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export async function createMeeting(url: string, body: Record<string, unknown> = { title: 'Tuesday group' }): Promise<CreateMeetingResponse> {
  const res = await fetch(`${url}/api/meetings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as CreateMeetingResponse;
}

export class Member {
  readonly states: RoomSnapshot[] = [];
  readonly frames: { event: string; args: unknown[] }[] = [];
  me!: JoinResult['me'];
  resume!: string;
  ended: string | null = null;

  private constructor(
    readonly socket: ClientSocket,
    readonly token: string,
    readonly name: string,
  ) {
    socket.on('state', (s) => this.states.push(s));
    socket.on('ended', ({ reason }) => (this.ended = reason));
    socket.onAny((event, ...args) => this.frames.push({ event, args }));
  }

  /** Connects and joins; with `autoRejoin`, re-joins with the resume secret after every reconnect. */
  static async join(url: string, token: string, name: string, opts: { autoRejoin?: boolean; resume?: string } = {}): Promise<Member> {
    const socket: ClientSocket = io(url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 500 });
    const m = new Member(socket, token, name);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const r = await m.call('join', { token, name, protocolVersion: PROTOCOL_VERSION, ...(opts.resume ? { resume: opts.resume } : {}) });
    if (!r.ok) throw new Error(`join failed: ${r.error?.code} ${r.error?.message}`);
    const jr = r as unknown as JoinResult;
    m.me = jr.me;
    m.resume = jr.resume;
    m.states.push(jr.state);
    if (opts.autoRejoin) {
      socket.io.on('reconnect', () => {
        void m.call('join', { token, name, protocolVersion: PROTOCOL_VERSION, resume: m.resume }).then((rr) => {
          if (rr.ok) m.states.push((rr as unknown as JoinResult).state);
        });
      });
    }
    return m;
  }

  /** Emits with an ack; resolves with the server's Result. */
  call(event: string, payload?: unknown): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ack for ${event}`)), 5000);
      (this.socket.emit as (...a: unknown[]) => void)(event, payload, (r: Reply) => {
        clearTimeout(t);
        resolve(r);
      });
    });
  }

  /** The newest snapshot seen (highest version). */
  get latest(): RoomSnapshot {
    return this.states.reduce((a, b) => (b.version > a.version ? b : a));
  }

  async waitFor(pred: (s: RoomSnapshot) => boolean, timeoutMs = 5000): Promise<RoomSnapshot> {
    const start = Date.now();
    while (Date.now() - start < timeoutMs) {
      if (this.states.length && pred(this.latest)) return this.latest;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`timed out waiting; latest: ${JSON.stringify(this.states.length ? this.latest : null)}`);
  }

  close(): void {
    this.socket.disconnect();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
