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

export interface SocketData {
  session?: Session;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface InterServerEvents {}

export type AppServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Socket.IO room carrying a meeting's snapshots. */
export const meetingRoom = (meetingId: string) => `m:${meetingId}`;
