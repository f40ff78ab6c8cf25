/**
 * Media signalling (mediasoup): typed, validated and documented like the room protocol.
 * Owned by the audio module; merged into the event maps in protocol.ts.
 */
export const mediaSchemas = {} as const;

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface MediaClientToServerEvents {}
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface MediaServerToClientEvents {}
