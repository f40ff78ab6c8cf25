/** Geometry and labels for drawing people around the circle. */

/** One or two initials from a name (first and last word), code-point safe for accents and emoji. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const first = (w: string | undefined) => (w ? (Array.from(w)[0] ?? '') : '');
  const letters = words.length > 1 ? first(words[0]) + first(words[words.length - 1]) : first(words[0]) || '?';
  return letters.toLocaleUpperCase();
}

/** Position of seat `i` of `n` on a circle, as percentages of the container (first seat on top). */
export function seatPosition(i: number, n: number, radius = 38): { x: number; y: number } {
  const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(n, 1);
  return { x: 50 + radius * Math.cos(angle), y: 50 + radius * Math.sin(angle) };
}

/** Seat size class by crowd: fewer people get bigger seats. */
export function seatScale(n: number): 'large' | 'medium' | 'small' | 'tiny' {
  if (n <= 6) return 'large';
  if (n <= 10) return 'medium';
  if (n <= 14) return 'small';
  return 'tiny';
}
