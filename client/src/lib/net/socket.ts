/**
 * The one typed Socket.IO connection to the server (same origin, path /socket.io), and `call()`:
 * emit a command and get its ack `Result` back as a Promise, with a timeout.
 */
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ErrorCode, ServerToClientEvents } from '@peer-circle/shared';

export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Failures that happen on this side of the wire, next to the server's own error codes. */
export const ClientErrorCode = {
  timeout: 'timeout',
  offline: 'offline',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

export interface CallError {
  code: ErrorCode | ClientErrorCode;
  /**
   * The server's message key (shared/src/errors.ts), shown translated by `errorText()`; absent for
   * client-side codes. A string, not `ErrorKey`: a newer server may send keys this page lacks.
   */
  key?: string | undefined;
  /** Plain English words for people, the fallback for an unknown key; empty for client-side codes. */
  message: string;
}

export type EventName = keyof ClientToServerEvents;
export type PayloadOf<E extends EventName> = Parameters<ClientToServerEvents[E]>[0];
/** The success half of the ack for event E (e.g. `{ ok: true } & JoinResult` for join). */
export type OkOf<E extends EventName> = Extract<Parameters<Parameters<ClientToServerEvents[E]>[1]>[0], { ok: true }>;
export type CallResult<E extends EventName> = OkOf<E> | { ok: false; error: CallError };

export const DEFAULT_CALL_TIMEOUT_MS = 10_000;

/**
 * Opens the socket to the page's own origin. It reconnects by itself with backoff; the owner
 * (RoomConnection) re-joins on every `connect`.
 */
export function openSocket(): AppSocket {
  return io({
    path: '/socket.io',
    // WebSocket first: one connection that any server process behind a load balancer can hold
    // without sticky sessions (docs/install.md). HTTP long-polling stays as the fallback for
    // networks that block WebSocket; it needs sticky sessions when there are several processes.
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    autoConnect: false,
    reconnection: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5_000,
    randomizationFactor: 0.5,
    timeout: 10_000,
  });
}

/**
 * Emits `event` with `payload` and resolves with the server's ack, or with a client-side failure
 * (`offline` when not connected, `timeout` when no ack came in time). Never rejects.
 *
 * Commands are refused while disconnected instead of being buffered: Socket.IO would otherwise
 * flush them on reconnect *before* our re-join, and the server would not know who sent them.
 */
export function call<E extends EventName>(
  socket: AppSocket,
  event: E,
  payload: PayloadOf<E>,
  timeoutMs: number = DEFAULT_CALL_TIMEOUT_MS,
): Promise<CallResult<E>> {
  return new Promise((resolve) => {
    if (!socket.connected) {
      resolve({ ok: false, error: { code: ClientErrorCode.offline, message: '' } });
      return;
    }
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      resolve({ ok: false, error: { code: ClientErrorCode.timeout, message: '' } });
    }, timeoutMs);
    // The generic event name defeats Socket.IO's overloads; the types above keep callers exact.
    const emit = socket.emit.bind(socket) as unknown as (ev: string, p: unknown, ack: (r: unknown) => void) => void;
    emit(event, payload, (result: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(isResult(result) ? (result as CallResult<E>) : { ok: false, error: { code: 'internal', message: '' } });
    });
  });
}

function isResult(x: unknown): x is { ok: boolean } {
  return typeof x === 'object' && x !== null && typeof (x as { ok?: unknown }).ok === 'boolean';
}
