/** Who a socket is, once it has joined. The role comes from the token used, never from the client. */
import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@peer-circle/shared';
import type { RoomChange, Session } from '../app/service.ts';

export type { Session } from '../app/service.ts';

/**
 * A connection waiting in the lobby (rule L1): no session, so commands and media answer
 * `forbidden`; kept so that a disconnection is recorded and `admitted` finds it.
 */
export type LobbySeat = Omit<Session, 'role'>;

export interface SocketData {
  session?: Session;
  lobby?: LobbySeat;
}

/** Between server processes (through the adapter): the room service's committed changes. */
export interface InterServerEvents {
  roomChanged: (change: RoomChange) => void;
}

export type AppServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/**
 * Every Socket.IO socket is in a room named by its id, on whichever process holds it: snapshots
 * and `ended` are addressed to connections by the socket id inside their connId.
 */
export const socketIdOf = (connId: string): string => connId.slice(connId.indexOf(':') + 1);
