import {
  KlaviyoAuthError,
  KlaviyoClientError,
  KlaviyoDuplicateProfileError,
  type KlaviyoError,
  type KlaviyoErrorDetail,
  KlaviyoRateLimitedError,
  KlaviyoTransientError,
  KlaviyoValidationError,
} from './error-classes.js';
import type { KlaviyoLimitClassName } from './rate-limits.js';

export * from './error-classes.js';

/** What came back from one attempt: an HTTP answer, or no answer at all. */
export type KlaviyoOutcome =
  | { kind: 'response'; status: number; headers: Headers; body: unknown }
  | { kind: 'network'; cause: unknown }
  | { kind: 'timeout'; timeoutMs: number };

/** Used when a 429 carries no usable Retry-After (Klaviyo's windows are 1 s at the shortest). */
export const DEFAULT_RETRY_AFTER_MS = 1_000;

/**
 * The one place that turns a failed Klaviyo call into a typed error (STYLE 6).
 * `now` (epoch ms) is only needed to read an HTTP-date Retry-After.
 */
export function toKlaviyoError(
  outcome: KlaviyoOutcome,
  limitClass?: KlaviyoLimitClassName,
  now: number = Date.now(),
): KlaviyoError {
  if (outcome.kind === 'network') {
    return new KlaviyoTransientError({
      status: undefined,
      code: 'network',
      message: `Klaviyo unreachable: ${describe(outcome.cause)}`,
      retryable: true,
      limitClass,
      cause: outcome.cause,
    });
  }
  if (outcome.kind === 'timeout') {
    return new KlaviyoTransientError({
      status: undefined,
      code: 'timeout',
      message: `Klaviyo did not answer within ${outcome.timeoutMs} ms`,
      retryable: true,
      limitClass,
    });
  }
  const { status } = outcome;
  const errors = readErrorDetails(outcome.body);
  const first = errors[0];
  const base = {
    status,
    code: first?.code ?? `http_${status}`,
    message: `Klaviyo answered ${status}${first ? `: ${first.title} ${first.detail}`.trimEnd() : ''}`,
    limitClass,
    errors,
  };
  if (status === 429) {
    const retryAfterMs = parseRetryAfterMs(outcome.headers.get('retry-after'), now) ?? DEFAULT_RETRY_AFTER_MS;
    return new KlaviyoRateLimitedError({ ...base, retryable: true, retryAfterMs });
  }
  if (status === 400) return new KlaviyoValidationError({ ...base, retryable: false });
  if (status === 401 || status === 403) return new KlaviyoAuthError({ ...base, retryable: false });
  const duplicate = errors.find((e) => e.code === 'duplicate_profile');
  if (status === 409 && duplicate) {
    const id = duplicate.meta?.['duplicate_profile_id'];
    return new KlaviyoDuplicateProfileError({
      ...base,
      code: 'duplicate_profile',
      retryable: false,
      duplicateProfileId: typeof id === 'string' ? id : undefined,
    });
  }
  // 408 means the request never reached processing: as safe to repeat as a 5xx.
  if (status >= 500 || status === 408) return new KlaviyoTransientError({ ...base, retryable: true });
  return new KlaviyoClientError({ ...base, retryable: false });
}

/** Retry-After is delay-seconds or an HTTP-date (RFC 9110 §10.2.3); returns milliseconds. */
export function parseRetryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Reads Klaviyo's `{errors: [{code,title,detail,source:{pointer,parameter},meta}]}`, tolerating junk. */
function readErrorDetails(body: unknown): KlaviyoErrorDetail[] {
  const list = isRecord(body) && Array.isArray(body['errors']) ? body['errors'] : [];
  return list.filter(isRecord).map((raw) => {
    const source = isRecord(raw['source']) ? raw['source'] : {};
    return {
      code: asString(raw['code']) ?? 'unknown',
      title: asString(raw['title']) ?? '',
      detail: asString(raw['detail']) ?? '',
      pointer: asString(source['pointer']),
      parameter: asString(source['parameter']),
      meta: isRecord(raw['meta']) ? raw['meta'] : undefined,
    };
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = cause.cause instanceof Error ? ` (${cause.cause.message})` : '';
    return `${cause.message}${inner}`;
  }
  return String(cause);
}
