/** Who a socket is, once it has joined. The role comes from the token used, never from the client. */
import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, Role, ServerToClientEvents } from '@peer-circle/shared';

export interface Session {
  meetingId: string;
  participantId: string;
  role: Role;
  /** `${nodeId}:${socket.id}`: which connection holds the seat. */
  connId: string;
}

/**
 * A connection waiting in the lobby (rule L1): no session, so commands and media answer
 * `forbidden`; kept so that a disconnection is recorded and `admitted` finds it.
 */
export interface LobbySeat {
  meetingId: string;
  participantId: string;
  connId: string;
}

export interface SocketData {
  session?: Session;
  lobby?: LobbySeat;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface InterServerEvents {}

export type AppServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/**
 * Every Socket.IO socket is in a room named by its id, on whichever process holds it: snapshots
 * and `ended` are addressed to connections by the socket id inside their connId.
 */
export const socketIdOf = (connId: string): string => connId.slice(connId.indexOf(':') + 1);
