import { describe, expect, it } from 'vitest';
import {
  MaveraAuthError,
  MaveraBadRequestError,
  MaveraDuplicatePersonaError,
  MaveraNotFoundError,
  MaveraOutOfCreditsError,
  MaveraRateLimitedError,
  MaveraUnavailableError,
  toMaveraError,
} from '../../services/mavera/index.js';

const NOW = Date.parse('2026-07-20T12:00:00Z');
const response = (status: number, code = 'x', operation = 'generations.create', retryAfterHeader: string | null = null) =>
  toMaveraError({ kind: 'response', operation, status, body: { error: { message: 'm', type: 't', code } }, retryAfterHeader, now: NOW });

describe('toMaveraError', () => {
  it.each([
    [402, 'credits_exhausted', MaveraOutOfCreditsError, false],
    [402, 'budget_exceeded', MaveraOutOfCreditsError, false],
    [429, 'rate_limit_exceeded', MaveraRateLimitedError, true],
    [401, 'invalid_api_key', MaveraAuthError, false],
    [403, 'forbidden', MaveraAuthError, false],
    [404, 'resource_not_found', MaveraNotFoundError, false],
    [400, 'invalid_field', MaveraBadRequestError, false],
    [422, 'unprocessable', MaveraBadRequestError, false],
    [500, 'internal_error', MaveraUnavailableError, true],
    [503, 'service_unavailable', MaveraUnavailableError, true],
  ])('when Mavera answers %i %s, then it is a %o with retryable=%s', (status, code, type, retryable) => {
    const error = response(status, code);
    expect(error).toBeInstanceOf(type);
    expect(error.retryable).toBe(retryable);
    expect(error.upstreamStatus).toBe(status);
    expect(error.maveraCode).toBe(code);
  });

  it('when a persona create answers 422, then it is a duplicate persona', () => {
    expect(response(422, 'persona_already_exists', 'personas.create')).toBeInstanceOf(MaveraDuplicatePersonaError);
  });

  it('when a 429 carries Retry-After seconds, then retryAfterMs holds them in milliseconds', () => {
    const error = response(429, 'rate_limit_exceeded', 'usage.get', '30');
    expect(error).toBeInstanceOf(MaveraRateLimitedError);
    expect((error as MaveraRateLimitedError).retryAfterMs).toBe(30_000);
  });

  it('when the body is not the documented envelope, then the status alone decides', () => {
    const error = toMaveraError({ kind: 'response', operation: 'usage.get', status: 503, body: '<html>bad gateway</html>', retryAfterHeader: null, now: NOW });
    expect(error).toBeInstanceOf(MaveraUnavailableError);
    expect(error.maveraCode).toBeUndefined();
  });

  it('when the network fails or an attempt times out, then it is transient', () => {
    expect(toMaveraError({ kind: 'network', operation: 'mave.chat', cause: new TypeError('fetch failed') }).retryable).toBe(true);
    expect(toMaveraError({ kind: 'timeout', operation: 'mave.chat', timeoutMs: 5 })).toBeInstanceOf(MaveraUnavailableError);
  });

  it('when rendered, then the error never carries the API key', () => {
    const error = response(401, 'invalid_api_key');
    expect(JSON.stringify({ message: error.message, detail: error.detail })).not.toMatch(/mvra_/);
  });
});

