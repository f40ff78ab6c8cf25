/**
 * Dates, times, numbers, durations and lists in the reader's language, always through Intl
 * (never hand-formatted): 24-hour clocks where the locale uses them, its own decimal comma, its
 * own words for "min" and "and". Formatters are cached per locale, since building one is costly
 * and a countdown formats every second.
 */
import { locale } from './i18n.svelte.ts';

const cache = new Map<string, unknown>();
function cached<T>(kind: string, options: object, make: (tag: string) => T): T {
  const tag = locale.intlTag;
  const key = `${kind}|${tag}|${JSON.stringify(options)}`;
  let f = cache.get(key) as T | undefined;
  if (f === undefined) {
    f = make(tag);
    cache.set(key, f);
  }
  return f;
}

/** A clock time, "14:05" (or "2:05 PM" where the locale says it so), from epoch ms on this device. */
export function formatTime(epochMs: number): string {
  const o = { hour: 'numeric', minute: '2-digit' } as const;
  return cached('time', o, (tag) => new Intl.DateTimeFormat(tag, o)).format(epochMs);
}

/** A number in the locale's digits and separators ("3,7" in Lithuanian). */
export function formatNumber(value: number, maximumFractionDigits = 1): string {
  const o = { maximumFractionDigits };
  return cached('number', o, (tag) => new Intl.NumberFormat(tag, o)).format(value);
}

/** A share as a percentage, from a whole number of percent: "45 %" in Finnish, "45%" in English. */
export function formatPercent(percent: number): string {
  const o = { style: 'percent', maximumFractionDigits: 0 } as const;
  return cached('percent', o, (tag) => new Intl.NumberFormat(tag, o)).format(percent / 100);
}

type Unit = 'hour' | 'minute' | 'second';
function unit(value: number, u: Unit): string {
  const o = { style: 'unit', unit: u, unitDisplay: 'short' } as const;
  return cached(`unit-${u}`, o, (tag) => new Intl.NumberFormat(tag, o)).format(value);
}
function unitList(parts: string[]): string {
  const o = { type: 'unit', style: 'narrow' } as const;
  return cached('unitList', o, (tag) => new Intl.ListFormat(tag, o)).format(parts);
}

/**
 * A duration in whole seconds, calm to read: "45 s", "3 min 5 s", "1 h 20 min" in English,
 * "3 min. 5 sek." in Lithuanian. This is what Intl.DurationFormat does (unit numbers joined as a
 * unit list); built from NumberFormat and ListFormat so it reads the same in every browser and in
 * Node. `precision: 'minute'` drops the seconds once there is a minute (bars, totals).
 */
export function formatDuration(ms: number, precision: 'second' | 'minute' = 'second'): string {
  const total = Math.max(0, Math.floor(ms / 1_000));
  const h = Math.floor(total / 3_600);
  const m = Math.floor((total % 3_600) / 60);
  const s = total % 60;
  if (h > 0) return unitList(m > 0 ? [unit(h, 'hour'), unit(m, 'minute')] : [unit(h, 'hour')]);
  if (m > 0) {
    if (precision === 'minute') return unit(Math.round(total / 60), 'minute');
    return unitList(s > 0 ? [unit(m, 'minute'), unit(s, 'second')] : [unit(m, 'minute')]);
  }
  return unit(s, 'second');
}

/** "A, B and C" with the locale's own "and" (`type: 'unit'` for a plain comma list). */
export function formatList(items: string[], type: 'conjunction' | 'unit' = 'conjunction'): string {
  const o = { type, style: 'long' } as const;
  return cached(`list-${type}`, o, (tag) => new Intl.ListFormat(tag, o)).format(items);
}

/** The name of an ISO weekday (1 Monday … 7 Sunday), "tiistai", "wtorek", in the reader's language. */
export function formatWeekday(isoDay: number): string {
  // 2024-01-01 was a Monday; noon UTC keeps the date the same in every time zone.
  const date = new Date(Date.UTC(2024, 0, isoDay, 12));
  return cached('weekday', {}, (tag) => new Intl.DateTimeFormat(tag, { weekday: 'long', timeZone: 'UTC' })).format(date);
}
