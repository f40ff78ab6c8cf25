/** The level meter's scale (pure: unit-tested). */

/** 0..1 from the RMS of one frame of samples (-60 dBFS and below read as 0, 0 dBFS as 1). */
export function meterLevel(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const s of samples) sum += s * s;
  const rms = Math.sqrt(sum / samples.length);
  if (rms <= 0) return 0;
  const db = 20 * Math.log10(rms);
  return Math.max(0, Math.min(1, (db + 60) / 60));
}
