/**
 * The two times a Klaviyo delivery carries: `meta.timestamp` in the body (ISO 8601 with
 * microseconds, `2026-04-13T22:50:12.101159+00:00`) and the Klaviyo-Timestamp header (an
 * HTTP-date). Parsed by hand where Date.parse is too lenient: it reads `"1"` as the year 2001.
 */

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * An ISO 8601 date-time, any number of fraction digits (kept to the millisecond, which is all a
 * Date holds). A missing offset is read as UTC, Klaviyo's only zone; a calendar-impossible date
 * (Feb 30, hour 25) is undefined rather than rolled over.
 */
export function parseIsoTimestamp(value: string): Date | undefined {
  const match = ISO_8601.exec(value.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s ?? '0');
  const ms = Number((fraction ?? '').padEnd(3, '0').slice(0, 3));
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const utcMs = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), ms);
  const check = new Date(utcMs);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  return new Date(utcMs - offsetMs(zone));
}

function offsetMs(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4) || '0');
  return sign * (hours * 60 + minutes) * 60_000;
}

/**
 * The Klaviyo-Timestamp header. Klaviyo documents an HTTP-date (`Thu, 04 Jan 2024 18:05:25 GMT`);
 * third-party fixtures also show ISO 8601, and epoch seconds are the other common convention, so
 * all three are accepted.
 */
export function parseKlaviyoTimestamp(value: string): Date | undefined {
  const trimmed = value.trim();
  if (/^\d{9,13}$/.test(trimmed)) {
    const n = Number(trimmed);
    return new Date(trimmed.length >= 13 ? n : n * 1000);
  }
  const iso = parseIsoTimestamp(trimmed);
  if (iso !== undefined) return iso;
  // HTTP-date (RFC 9110 IMF-fixdate, and its obsolete forms): Date.parse reads these reliably,
  // but only strings that name a month and carry a time, so plain numbers never slip through.
  if (!/[a-z]{3}/i.test(trimmed) || !/\d{1,2}:\d{2}/.test(trimmed)) return undefined;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}
