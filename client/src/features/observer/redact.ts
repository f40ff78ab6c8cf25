/**
 * Takes people out of a text the group may read (rule O8). Pure and free of i18n, so the unit
 * tests run it as it is.
 */
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `text` with each label ("P3", "O1") and each of `names` replaced by `someone`, matched as whole
 * words in any case. Longer names first, so "Ann Lee" goes before "Ann". One-letter names are
 * left alone: taking out every "I" and "a" would garble the text more than it protects.
 */
export function withoutPeople(text: string, names: readonly string[], someone: string): string {
  const words = [...new Set(names.map((n) => n.trim()).filter((n) => [...n].length > 1))].sort((a, b) => b.length - a.length);
  // \p{L}\p{N} as word characters, so names in any script end where a letter does.
  const edge = (inner: string) => new RegExp(`(?<![\\p{L}\\p{N}])(?:${inner})(?![\\p{L}\\p{N}])`, 'giu');
  let out = text.replace(edge('[PO]\\s?\\d+'), someone);
  if (words.length > 0) out = out.replace(edge(words.map(escapeRegExp).join('|')), someone);
  return out;
}
