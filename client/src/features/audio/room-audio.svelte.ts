/**
 * Ties the page's audio to the room seat: one MediaSession per seat socket, (re)started whenever
 * the seat is live on a new connection, closed when the seat ends or the room view goes away.
 * Beside it, what the page needs to answer "can anyone hear me?": the microphones to choose
 * from, my connection's quality (reported to the server, rule F13) and the holder's microphone.
 */
import { untrack } from 'svelte';
import type { ParticipantId } from '@peer-circle/shared';
import { AudioArrival } from '../../lib/media/arrival.svelte.ts';
import { ConnectionQuality } from '../../lib/media/connection-quality.svelte.ts';
import { MediaSession } from '../../lib/media/media.svelte.ts';
import { MicDevices } from '../../lib/media/mic-devices.svelte.ts';
import { holderMicState, type MicMarkState } from '../../lib/media/mic-state.ts';
import { call, type AppSocket } from '../../lib/net/socket.ts';

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

export interface RoomAudio {
  readonly media: MediaSession | null;
  readonly devices: MicDevices | null;
  readonly quality: ConnectionQuality | null;
}

/**
 * Call during component initialisation (it uses `$effect`), with a getter so a new seat gets a
 * new MediaSession. `media` is null until the component is mounted.
 */
export function useRoomAudio(seat: () => SeatForAudio): RoomAudio {
  let media = $state.raw<MediaSession | null>(null);
  let devices = $state.raw<MicDevices | null>(null);
  let quality = $state.raw<ConnectionQuality | null>(null);
  $effect(() => {
    const socket = seat().socket;
    const m = untrack(() => MediaSession.create({ socket, me: () => untrack(() => seat().me?.id) }));
    const q = untrack(() =>
      ConnectionQuality.create({
        media: () => m,
        report: async (level) => (await call(socket, 'reportConnection', { quality: level })).ok,
      }),
    );
    media = m;
    quality = q;
    return () => {
      q.close();
      m.close();
    };
  });
  $effect(() => {
    const d = MicDevices.create();
    devices = d;
    return () => d.close();
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
  // Labels appear once the microphone was allowed: list the devices again then.
  $effect(() => {
    if (media?.micOn) void untrack(() => devices?.refresh());
  });
  return {
    get media() {
      return media;
    },
    get devices() {
      return devices;
    },
    get quality() {
      return quality;
    },
  };
}

/**
 * The mark next to the holder on every page: their microphone on, off, or on without sound
 * reaching me (mic-state.ts). Call during component initialisation.
 */
export function useHolderMic(audio: RoomAudio, who: () => { holderId: ParticipantId | null; meId: ParticipantId | null }): { readonly state: MicMarkState | null } {
  const holderVoice = $derived.by(() => {
    const { holderId } = who();
    return audio.media?.voices.find((v) => v.participantId === holderId) ?? null;
  });
  const arrival = AudioArrival.create(
    () => audio.media,
    () => (holderVoice?.audible ? holderVoice.participantId : null),
  );
  $effect(() => () => arrival.close());
  const state = $derived.by(() => {
    const m = audio.media;
    const { holderId, meId } = who();
    return holderMicState({
      holderId,
      meId,
      mediaAvailable: m !== null && m.status !== 'off' && m.status !== 'closed',
      mediaReady: m?.status === 'ready',
      myMicOn: m?.micOn ?? false,
      holderVoice,
      arriving: arrival.arriving,
    });
  });
  return {
    get state() {
      return state;
    },
  };
}
