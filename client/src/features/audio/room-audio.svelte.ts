/**
 * Ties the page's audio to the room seat: one MediaSession per seat, (re)started whenever the
 * seat is live on a new connection, closed when the seat ends or the room view goes away.
 */
import { untrack } from 'svelte';
import { MediaSession } from '../../lib/media/media.svelte.ts';
import type { AppSocket } from '../../lib/net/socket.ts';

/** What the audio needs from RoomSession. */
export interface SeatForAudio {
  /** The seat's socket: media signalling rides the same connection (the server knows who we are). */
  readonly socket: AppSocket;
  /** Seated and connected right now. */
  readonly live: boolean;
  /** Non-null once the seat is over. */
  readonly ended: string | null;
}

/** Call during component initialisation (it uses `$effect`). */
export function useRoomAudio(seat: SeatForAudio): MediaSession {
  const media = MediaSession.create({ socket: seat.socket });
  $effect(() => {
    const live = seat.live;
    const ended = seat.ended;
    untrack(() => {
      if (ended !== null) media.close();
      else if (live) media.sync();
    });
  });
  $effect(() => () => media.close());
  return media;
}
