import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_AFTER_MS,
  KlaviyoAuthError,
  KlaviyoClientError,
  KlaviyoDuplicateProfileError,
  KlaviyoNotFoundError,
  type KlaviyoOutcome,
  KlaviyoRateLimitedError,
  KlaviyoRevisionRetiredError,
  KlaviyoTransientError,
  KlaviyoValidationError,
  malformedIdAsNotFound,
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

  it('when a 429 carries RateLimit-* headers but no Retry-After, then the described window is waited out', () => {
    const headers = { 'RateLimit-Limit': '150, 10;w=1, 150;w=60', 'RateLimit-Remaining': '0', 'RateLimit-Reset': '12' };
    expect(toKlaviyoError(buildResponse(429, { headers }), undefined, NOW)).toMatchObject({ retryAfterMs: 13_000 });
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
    const json403 = buildResponse(status, { headers: { 'content-type': 'application/vnd.api+json' }, body: klaviyoErrors({ code: 'permission_denied', detail: 'You must have Advanced KDP enabled' }) });
    expect(toKlaviyoError(json403)).toMatchObject({ constructor: KlaviyoAuthError, code: 'permission_denied' });
  });

  it('when a 403 is an HTML page of the edge proxy (cf-mitigated or text/html), then it is transient, not a bad key', () => {
    const page = '<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>';
    const variants: Array<{ headers: Record<string, string>; body: unknown }> = [
      { headers: { 'content-type': 'text/html; charset=UTF-8', 'cf-mitigated': 'challenge' }, body: page },
      { headers: { 'cf-mitigated': 'challenge' }, body: undefined },
      { headers: { 'content-type': 'text/html' }, body: page },
      { headers: {}, body: page },
    ];
    for (const variant of variants) {
      const error = toKlaviyoError(buildResponse(403, variant));
      expect(error).toMatchObject({ constructor: KlaviyoTransientError, status: 403, code: 'edge_challenge', retryable: true });
      expect(error).not.toBeInstanceOf(KlaviyoAuthError);
    }
    expect(toKlaviyoError(buildResponse(403, variants[0])).message).toContain('cf-mitigated: challenge');
  });

  it('when Klaviyo answers 410 Gone, then the pinned revision is retired: an auth-class error naming the revision', () => {
    const error = toKlaviyoError(buildResponse(410, { body: klaviyoErrors({ code: 'gone', title: 'Gone.' }) }), 'get_flows', NOW, '2024-10-15');
    expect(error).toBeInstanceOf(KlaviyoRevisionRetiredError);
    expect(error).toBeInstanceOf(KlaviyoAuthError); // items stay pending, as for a rejected key
    expect(error).toMatchObject({ status: 410, code: 'revision_retired', retryable: false, revision: '2024-10-15' });
    expect(error.message).toMatch(/revision 2024-10-15 is retired; raise KLAVIYO_REVISION/);
  });

  it('when Klaviyo answers 404, then it is a not-found client error', () => {
    const error = toKlaviyoError(buildResponse(404, { body: klaviyoErrors({ code: 'not_found' }) }));
    expect(error).toBeInstanceOf(KlaviyoNotFoundError);
    expect(error).toBeInstanceOf(KlaviyoClientError);
    expect(error).toMatchObject({ status: 404, code: 'not_found', retryable: false });
  });

  it('when Klaviyo answers 409 duplicate_profile, then the existing profile id is exposed', () => {
    const body = klaviyoErrors({ code: 'duplicate_profile', meta: { duplicate_profile_id: '01HDUP' } });
    const error = toKlaviyoError(buildResponse(409, { body }));
    expect(error).toBeInstanceOf(KlaviyoDuplicateProfileError);
    expect(error).toMatchObject({ code: 'duplicate_profile', duplicateProfileId: '01HDUP', retryable: false });
  });

  it.each([405, 409, 413, 415, 422])('when Klaviyo answers %i (not a duplicate), then it is a permanent client error', (status) => {
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

describe('malformedIdAsNotFound', () => {
  const liveMalformedId = () =>
    toKlaviyoError(buildResponse(400, { body: { errors: [{ id: 'e', status: 400, code: 'invalid', title: 'Invalid input.', detail: "Invalid Event ID: 'NOPE01'", source: { pointer: '/data/id' }, links: [], meta: [] }] } }));

  it('when a read by id is answered 400 without naming a parameter (live: a malformed id), then it is a not-found', () => {
    const error = malformedIdAsNotFound(liveMalformedId(), 'event', 'NOPE01');
    expect(error).toBeInstanceOf(KlaviyoNotFoundError);
    expect(error).toMatchObject({ status: 400, code: 'not_found', retryable: false });
    expect((error as KlaviyoNotFoundError).message).toContain("no event with id 'NOPE01'");
  });

  it('when the 400 names a query parameter or header, or the error is another kind, then it is left alone', () => {
    const parameter = toKlaviyoError(buildResponse(400, { body: klaviyoErrors({ source: { parameter: 'additional-fields[profile]' } }) }));
    expect(malformedIdAsNotFound(parameter, 'profile', '01ABC')).toBe(parameter);
    const transient = toKlaviyoError(buildResponse(503));
    expect(malformedIdAsNotFound(transient, 'profile', '01ABC')).toBe(transient);
    const plain = new Error('not Klaviyo');
    expect(malformedIdAsNotFound(plain, 'profile', '01ABC')).toBe(plain);
  });
});
