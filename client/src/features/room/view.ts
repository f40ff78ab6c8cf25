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

/** Elapsed time as m:ss (or h:mm:ss), for the leader's view of a turn. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1_000));
  const h = Math.floor(total / 3_600);
  const m = Math.floor((total % 3_600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
