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
