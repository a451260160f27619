import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_AFTER_MS,
  KlaviyoAuthError,
  KlaviyoClientError,
  KlaviyoDuplicateProfileError,
  type KlaviyoOutcome,
  KlaviyoRateLimitedError,
  KlaviyoTransientError,
  KlaviyoValidationError,
  parseRetryAfterMs,
  toKlaviyoError,
} from '../../services/klaviyo/errors.js';

const NOW = Date.parse('2026-07-20T12:00:00Z');

function buildResponse(status: number, overrides: { headers?: Record<string, string>; body?: unknown } = {}): KlaviyoOutcome {
  return { kind: 'response', status, headers: new Headers(overrides.headers ?? {}), body: overrides.body };
}

function klaviyoErrors(...errors: Array<Record<string, unknown>>) {
  return { errors: errors.map((e) => ({ id: 'e1', code: 'invalid', title: 'Invalid input.', detail: 'bad', ...e })) };
}

describe('toKlaviyoError', () => {
  it('when Klaviyo answers 429 with Retry-After seconds, then it is rate-limited and retryable with that wait', () => {
    const error = toKlaviyoError(buildResponse(429, { headers: { 'Retry-After': '7' }, body: klaviyoErrors({ code: 'throttled' }) }), 'get_flows', NOW);
    expect(error).toBeInstanceOf(KlaviyoRateLimitedError);
    expect(error).toMatchObject({ status: 429, code: 'throttled', retryable: true, retryAfterMs: 7000, limitClass: 'get_flows' });
  });

  it('when a 429 has no Retry-After, then a one-second default wait applies', () => {
    expect(toKlaviyoError(buildResponse(429), undefined, NOW)).toMatchObject({ retryAfterMs: DEFAULT_RETRY_AFTER_MS });
  });

  it('when Klaviyo answers 400, then it is a validation error carrying every pointer', () => {
    const error = toKlaviyoError(buildResponse(400, { body: klaviyoErrors({ source: { pointer: '/data/attributes/email' } }, { code: 'required', source: { parameter: 'filter' } }) }));
    expect(error).toBeInstanceOf(KlaviyoValidationError);
    expect(error).toMatchObject({ retryable: false, code: 'invalid' });
    expect(error.errors.map((e) => [e.code, e.pointer, e.parameter])).toEqual([
      ['invalid', '/data/attributes/email', undefined],
      ['required', undefined, 'filter'],
    ]);
  });

  it.each([401, 403])('when Klaviyo answers %i, then it is an auth error, not retryable', (status) => {
    expect(toKlaviyoError(buildResponse(status))).toMatchObject({ constructor: KlaviyoAuthError, status, retryable: false });
  });

  it('when Klaviyo answers 409 duplicate_profile, then the existing profile id is exposed', () => {
    const body = klaviyoErrors({ code: 'duplicate_profile', meta: { duplicate_profile_id: '01HDUP' } });
    const error = toKlaviyoError(buildResponse(409, { body }));
    expect(error).toBeInstanceOf(KlaviyoDuplicateProfileError);
    expect(error).toMatchObject({ code: 'duplicate_profile', duplicateProfileId: '01HDUP', retryable: false });
  });

  it.each([404, 405, 409, 413, 415, 422])('when Klaviyo answers %i (not a duplicate), then it is a permanent client error', (status) => {
    expect(toKlaviyoError(buildResponse(status, { body: klaviyoErrors({ code: 'conflict' }) }))).toMatchObject({ constructor: KlaviyoClientError, retryable: false });
  });

  it.each([500, 502, 503, 504, 524, 408])('when Klaviyo answers %i, then it is transient', (status) => {
    expect(toKlaviyoError(buildResponse(status, { body: '<html>oops</html>' }))).toMatchObject({ constructor: KlaviyoTransientError, retryable: true, code: `http_${status}` });
  });

  it('when the network fails or times out, then it is transient without a status', () => {
    const network = toKlaviyoError({ kind: 'network', cause: new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') }) });
    expect(network).toMatchObject({ constructor: KlaviyoTransientError, status: undefined, code: 'network', retryable: true });
    expect(network.message).toContain('ECONNREFUSED');
    expect(toKlaviyoError({ kind: 'timeout', timeoutMs: 5000 })).toMatchObject({ code: 'timeout', retryable: true });
  });
});

describe('KlaviyoValidationError.itemErrors', () => {
  it('when pointers name batch items, then errors are grouped by item index', () => {
    const error = toKlaviyoError(buildResponse(400, { body: klaviyoErrors(
      { source: { pointer: '/data/attributes/events-bulk-create/data/3/attributes/events/data/0/attributes/time' } },
      { source: { pointer: '/data/attributes/events-bulk-create/data/3/attributes/profile' }, code: 'missing_identifier' },
      { source: { pointer: '/data/attributes/events-bulk-create/data/11' } },
      { source: { pointer: '/data/attributes/events-bulk-create' } },
      { source: { pointer: '/data/attributes/profiles/data/2/attributes/email' } },
    ) })) as KlaviyoValidationError;
    const byItem = error.itemErrors('/data/attributes/events-bulk-create/data');
    expect([...byItem.keys()]).toEqual([3, 11]);
    expect(byItem.get(3)?.map((e) => e.code)).toEqual(['invalid', 'missing_identifier']);
  });
});

describe('parseRetryAfterMs', () => {
  it('when given seconds or an HTTP-date, then milliseconds are returned', () => {
    expect(parseRetryAfterMs('2', NOW)).toBe(2000);
    expect(parseRetryAfterMs('Mon, 20 Jul 2026 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfterMs('Mon, 20 Jul 2026 11:00:00 GMT', NOW)).toBe(0);
  });

  it('when the header is missing or junk, then undefined is returned', () => {
    expect(parseRetryAfterMs(null, NOW)).toBeUndefined();
    expect(parseRetryAfterMs('soon', NOW)).toBeUndefined();
  });
});
