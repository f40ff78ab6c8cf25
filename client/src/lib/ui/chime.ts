/**
 * Soft sounds made on the spot with Web Audio (no file to fetch): quiet, short, never looping.
 * - `chime()`: two rising notes when the stick comes to me (shared/experience.md);
 * - `arrivalTone()`: two low, falling notes when someone arrives in the lobby (for the leader).
 * Both silently do nothing where audio is unavailable: the visible and spoken words carry the news.
 */
let context: AudioContext | null = null;

/** Plays sine notes one after another, each fading in and out gently. */
function notes(freqs: readonly number[], { gap, length, peak }: { gap: number; length: number; peak: number }): void {
  try {
    const Ctor = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!Ctor) return;
    context ??= new Ctor();
    const ctx = context;
    if (ctx.state === 'suspended') void ctx.resume();
    const start = ctx.currentTime + 0.02;
    freqs.forEach((freq, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      const t0 = start + i * gap;
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t0);
      gain.gain.exponentialRampToValueAtTime(peak, t0 + 0.03);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + length);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0);
      osc.stop(t0 + length + 0.05);
    });
  } catch {
    // No sound is fine: the spoken and visible announcements carry the same news.
  }
}

/** The stick came to me: C5 then E5. */
export function chime(): void {
  notes([523.25, 659.25], { gap: 0.18, length: 0.6, peak: 0.08 });
}

/** Someone waits in the lobby: G4 then D4, softer than the stick's chime, like a light knock. */
export function arrivalTone(): void {
  notes([392, 293.66], { gap: 0.22, length: 0.45, peak: 0.05 });
}
