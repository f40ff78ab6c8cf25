/**
 * Who is speaking, from the SFU's audio levels (dBov, averaged over 400 ms; docs/media.md A14).
 *
 * A fixed -60 dBov missed quiet speakers: a soft voice on a phone held at arm's length arrives
 * around -65..-72 dBov. The ring now turns on above `SPEAKING_ON_DBOV` and stays on until the
 * level falls below `SPEAKING_OFF_DBOV`, so a quiet voice that dips between words does not make
 * the ring flicker. Digital silence and a muted line (-127) never count. Pure: unit-tested.
 */
import type { ParticipantId } from '@peer-circle/shared';

/** Louder than this turns the speaking ring on. */
export const SPEAKING_ON_DBOV = -72;
/** Someone already speaking stays so until quieter than this. */
export const SPEAKING_OFF_DBOV = -78;

/** Whether one voice counts as speaking now, given whether it did a moment ago. */
export function isSpeaking(volume: number | undefined, wasSpeaking: boolean): boolean {
  if (volume === undefined || !Number.isFinite(volume)) return false;
  return volume > (wasSpeaking ? SPEAKING_OFF_DBOV : SPEAKING_ON_DBOV);
}

/** The speaking set after a new `speaking` message (`levels` lists only audible voices). */
export function nextSpeaking(levels: ReadonlyMap<ParticipantId, number>, before: ReadonlySet<ParticipantId>): Set<ParticipantId> {
  const now = new Set<ParticipantId>();
  for (const [id, volume] of levels) if (isSpeaking(volume, before.has(id))) now.add(id);
  return now;
}
