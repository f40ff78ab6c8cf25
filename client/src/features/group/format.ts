/**
 * Dates and times of a group's meetings in the person's own language and time zone (G2): the
 * server sends instants (epoch ms) and calendar dates; Intl does the rest.
 */

/**
 * The browser's own locale when it speaks the page's language ("en-GB" for "en": 24-hour times
 * and day-month order where the person is used to them), else the page's language.
 */
function intlLocale(lang: string): string {
  const own = typeof navigator === 'undefined' ? [] : (navigator.languages ?? [navigator.language]);
  return own.find((l) => l.toLowerCase().split('-')[0] === lang) ?? lang;
}

/** "Tuesday 11 March at 18:00" in the person's time zone and language. */
export function formatWhen(ms: number, lang: string): string {
  // One formatter, so each language joins day and time its own way ("Tuesday 11 March at 18:00").
  return new Intl.DateTimeFormat(intlLocale(lang), { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' }).format(ms);
}

/** A calendar date (YYYY-MM-DD) as "Tuesday 11 March", whatever the person's time zone. */
export function formatDate(date: string, lang: string, withWeekday = true): string {
  return new Intl.DateTimeFormat(intlLocale(lang), { ...(withWeekday ? { weekday: 'long' } : {}), day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    Date.parse(`${date}T12:00:00Z`),
  );
}

/** A short date for tables and chart labels ("11 Mar"). */
export function formatShortDate(date: string, lang: string): string {
  return new Intl.DateTimeFormat(intlLocale(lang), { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(Date.parse(`${date}T12:00:00Z`));
}

/** The person's own time zone, for the create form's default. */
export function ownTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** Every time zone this browser knows (Intl.supportedValuesOf), with the person's own first. */
export function timeZones(): string[] {
  const own = ownTimeZone();
  let all: string[] = [];
  try {
    all = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  } catch {
    all = [];
  }
  return [own, ...all.filter((z) => z !== own)];
}

/** The local date YYYY-MM-DD in the person's time zone. */
export function todayLocal(now = Date.now()): string {
  const d = new Date(now);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
