/**
 * Ties the page's audio to the room seat: one MediaSession per seat socket, (re)started whenever
 * the seat is live on a new connection, closed when the seat ends or the room view goes away.
 */
import { untrack } from 'svelte';
import { MediaSession } from '../../lib/media/media.svelte.ts';
import type { ParticipantId } from '@peer-circle/shared';
import type { AppSocket } from '../../lib/net/socket.ts';

/** What the audio needs from the seat's RoomConnection. */
export interface SeatForAudio {
  /** The seat's socket: media signalling rides the same connection (the server knows who we are). */
  readonly socket: AppSocket;
  /** Seated and connected right now. */
  readonly live: boolean;
  /** Non-null once the seat is over. */
  readonly ended: string | null;
  /** Who I am in the room (null before the join answer): my snapshots then start my sending. */
  readonly me?: { readonly id: ParticipantId } | null;
}

/**
 * Call during component initialisation (it uses `$effect`), with a getter so a new seat gets a
 * new MediaSession. `media` is null until the component is mounted.
 */
export function useRoomAudio(seat: () => SeatForAudio): { readonly media: MediaSession | null } {
  let media = $state.raw<MediaSession | null>(null);
  $effect(() => {
    const socket = seat().socket;
    const m = untrack(() => MediaSession.create({ socket, me: () => untrack(() => seat().me?.id) }));
    media = m;
    return () => m.close();
  });
  $effect(() => {
    const m = media;
    const { live, ended } = seat();
    if (!m) return;
    untrack(() => {
      if (ended !== null) m.close();
      else if (live) m.sync();
    });
  });
  return {
    get media() {
      return media;
    },
  };
}
