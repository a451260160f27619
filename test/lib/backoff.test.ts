import { describe, expect, it } from 'vitest';
import { fullJitterDelayMs, parseRetryAfterMs } from '../../src/lib/backoff.js';

describe('fullJitterDelayMs', () => {
  const options = { baseDelayMs: 1000, maxDelayMs: 60_000 };
  const top = () => 0.999_999;

  it('when failures accumulate, then the ceiling doubles from the base up to the cap', () => {
    expect([1, 2, 3, 4, 7, 8, 20].map((n) => fullJitterDelayMs(n, options, top))).toEqual([999, 1999, 3999, 7999, 59_999, 59_999, 59_999]);
  });

  it('when the random draw is 0, then the delay is 0 (full jitter spans the whole range)', () => {
    expect(fullJitterDelayMs(5, options, () => 0)).toBe(0);
  });

  it('when counted as no failure yet, then the first ceiling applies', () => {
    expect(fullJitterDelayMs(0, options, top)).toBe(999);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-07-20T12:00:00Z');

  it('when given delay-seconds, then milliseconds (a fraction rounds up)', () => {
    expect(parseRetryAfterMs('7', now)).toBe(7000);
    expect(parseRetryAfterMs(' 2 ', now)).toBe(2000);
    expect(parseRetryAfterMs('0.2', now)).toBe(200);
  });

  it('when given an HTTP-date, then the time until it, never negative', () => {
    expect(parseRetryAfterMs('Mon, 20 Jul 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs('Mon, 20 Jul 2026 11:00:00 GMT', now)).toBe(0);
  });

  it('when absent or unreadable, then undefined', () => {
    for (const value of [null, undefined, '', '  ', 'soon', '-5']) expect(parseRetryAfterMs(value, now)).toBeUndefined();
  });
});
