/** Small view decisions for the room, kept out of the components so they read plainly. */
import type { Phase, Role } from '@peer-circle/shared';

/** What my own speaking controls offer right now. */
export type SpeakMode = 'observer' | 'waiting' | 'closed' | 'idle' | 'queued' | 'holding';

export function speakMode(input: { role: Role | null; phase: Phase | null; holding: boolean; queued: boolean }): SpeakMode {
  if (input.role === 'observer') return 'observer';
  if (input.phase === 'closed') return 'closed';
  if (input.phase !== 'open') return 'waiting';
  if (input.holding) return 'holding';
  if (input.queued) return 'queued';
  return 'idle';
}

/** Whole minutes left as people say them (4:30 is "5 minutes"); null when under a minute. */
export function minutesLeft(ms: number): number | null {
  return ms >= 60_000 ? Math.ceil(ms / 60_000) : null;
}

/** Seconds left, rounded up: 0 only once the end has come. */
export function secondsLeft(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1_000));
}

/** How an extension of `ms` is said: whole minutes, or seconds when shorter than a minute. */
export function extensionAmount(ms: number): { unit: 'minutes' | 'seconds'; count: number } {
  return ms >= 60_000 ? { unit: 'minutes', count: Math.round(ms / 60_000) } : { unit: 'seconds', count: Math.max(1, Math.round(ms / 1_000)) };
}
