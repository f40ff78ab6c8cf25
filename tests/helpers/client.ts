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
import { scaled } from './time.ts';

/** An ack as tests read it: ok, or an error with a code, a message key and the English message. */
export type Reply = { ok: boolean; error?: { code: string; key: string; message: string } } & Record<string, unknown>;

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export async function createMeeting(url: string, body: Record<string, unknown> = { title: 'Tuesday group' }): Promise<CreateMeetingResponse> {
  const res = await fetch(`${url}/api/meetings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as CreateMeetingResponse;
}

export class Member {
  readonly states: RoomSnapshot[] = [];
  readonly frames: { event: string; args: unknown[] }[] = [];
  /** Every raw engine.io message this socket received (events and acks), as sent on the wire. */
  readonly raw: string[] = [];
  me!: JoinResult['me'];
  resume!: string;
  ended: string | null = null;
  /** Waiting in the lobby (rule L1); on `admitted` the member joins again by itself. */
  lobby = false;
  /** The join answer's private part about this seat. */
  mine: JoinResult['mine'] = null;

  private constructor(
    readonly socket: ClientSocket,
    readonly token: string,
    readonly name: string,
  ) {
    socket.on('state', (s) => this.states.push(s));
    socket.on('ended', ({ reason }) => (this.ended = reason));
    socket.onAny((event, ...args) => this.frames.push({ event, args }));
    const engine = () => socket.io.engine as unknown as { on(e: 'data', fn: (d: unknown) => void): void } | undefined;
    const capture = () => engine()?.on('data', (d) => this.raw.push(typeof d === 'string' ? d : Buffer.from(d as ArrayBuffer).toString('utf8')));
    socket.io.on('open', capture);
  }

  /** Connects and joins; with `autoRejoin`, re-joins with the resume secret after every reconnect. */
  static async join(
    url: string,
    token: string,
    name: string,
    opts: { autoRejoin?: boolean; resume?: string; choices?: { profile?: string; namedToObservers?: boolean; inAttendance?: boolean } } = {},
  ): Promise<Member> {
    const socket: ClientSocket = io(url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 500 });
    const m = new Member(socket, token, name);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const r = await m.call('join', { token, name, protocolVersion: PROTOCOL_VERSION, ...(opts.resume ? { resume: opts.resume } : {}), ...opts.choices });
    if (!r.ok) throw new Error(`join failed: ${r.error?.code} ${r.error?.message}`);
    const jr = r as unknown as JoinResult;
    m.me = jr.me;
    m.resume = jr.resume;
    m.lobby = jr.lobby;
    m.mine = jr.mine;
    if (jr.state) m.states.push(jr.state);
    socket.on('admitted', () => {
      void m.call('join', { token, name, protocolVersion: PROTOCOL_VERSION, resume: m.resume }).then((rr) => {
        const again = rr as unknown as JoinResult;
        if (!rr.ok) return;
        m.lobby = again.lobby;
        if (again.state) m.states.push(again.state);
      });
    });
    if (opts.autoRejoin) {
      socket.io.on('reconnect', () => {
        void m.call('join', { token, name, protocolVersion: PROTOCOL_VERSION, resume: m.resume }).then((rr) => {
          const again = rr as unknown as JoinResult;
          if (rr.ok && again.state) m.states.push(again.state);
        });
      });
    }
    return m;
  }

  /** Emits with an ack; resolves with the server's Result. */
  call(event: string, payload?: unknown): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ack for ${event}`)), scaled(5000));
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

  /** Waits for a snapshot matching `pred`; gives up after `timeoutMs` times the time factor. */
  async waitFor(pred: (s: RoomSnapshot) => boolean, timeoutMs = 5000): Promise<RoomSnapshot> {
    const start = Date.now();
    const limit = scaled(timeoutMs);
    while (Date.now() - start < limit) {
      if (this.states.length && pred(this.latest)) return this.latest;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`timed out waiting; latest: ${JSON.stringify(this.states.length ? this.latest : null)}`);
  }

  close(): void {
    this.socket.disconnect();
  }
}

/** The members one test file joins, all closed between its tests (beforeEach: closeAll). */
export class Members {
  #open: Member[] = [];
  constructor(private readonly url: () => string) {}

  join = async (token: string, name: string, opts: Parameters<typeof Member.join>[3] = {}): Promise<Member> => {
    const m = await Member.join(this.url(), token, name, opts);
    this.#open.push(m);
    return m;
  };

  closeAll(): void {
    for (const m of this.#open) m.close();
    this.#open = [];
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
