/**
 * Can the circle hear the person holding the stick? What every page shows next to the holder
 * (docs/media.md, "Whose microphone is on"). Pure: unit-tested.
 *
 * The source everyone shares is the SFU itself: the server offers every page a consumer for
 * every microphone that is on (A9) and closes it when the microphone goes off, so "I have a voice
 * for the holder" is "the holder's microphone is on", on every page alike, with no extra message.
 * Whether sound actually arrives is each page's own measure (bytes on that consumer).
 */
import type { ParticipantId } from '@peer-circle/shared';

export const MicMarkState = {
  /** The microphone is on (and, where it can be measured, sound arrives). */
  on: 'on',
  /** The microphone is off: nobody can hear this person. */
  off: 'off',
  /** The microphone is on and the server forwards it, but no sound reaches this page. */
  noAudio: 'noAudio',
} as const;
export type MicMarkState = (typeof MicMarkState)[keyof typeof MicMarkState];

export interface MicStateInput {
  holderId: ParticipantId | null;
  meId: ParticipantId | null;
  /** This page has audio at all (the server may run without it): otherwise there is no mark. */
  mediaAvailable: boolean;
  /** Media is connected on this page (otherwise nothing is known: show nothing). */
  mediaReady: boolean;
  /** My own microphone is on. */
  myMicOn: boolean;
  /** The voice I receive from the holder, if any, and whether the server forwards it now. */
  holderVoice: { audible: boolean } | null;
  /** Sound from the holder reached me recently (null: not measured yet). */
  arriving: boolean | null;
}

export function holderMicState(i: MicStateInput): MicMarkState | null {
  if (i.holderId === null || !i.mediaAvailable) return null;
  if (i.holderId === i.meId) return i.myMicOn ? 'on' : 'off';
  if (!i.mediaReady) return null;
  if (!i.holderVoice) return 'off';
  if (i.holderVoice.audible && i.arriving === false) return 'noAudio';
  return 'on';
}

/** How long a forwarded voice may stay without a single packet before "no sound arriving". */
export const NO_AUDIO_AFTER_MS = 3_000;

/**
 * Whether sound is arriving, from byte counters sampled over time. Opus with DTX still sends a
 * packet every 400 ms in silence, so a working microphone never goes 3 s without bytes.
 */
export function arrivingFrom(samples: readonly { at: number; bytes: number }[], now: number): boolean | null {
  const last = samples.at(-1);
  const first = samples[0];
  if (!last || !first || now - first.at < NO_AUDIO_AFTER_MS) return null;
  const recent = samples.filter((s) => now - s.at <= NO_AUDIO_AFTER_MS);
  const base = [...samples].reverse().find((s) => now - s.at > NO_AUDIO_AFTER_MS) ?? first;
  return (recent.at(-1)?.bytes ?? base.bytes) > base.bytes;
}
