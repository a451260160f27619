import { parseRetryAfterMs } from '../../src/lib/backoff.js';
import {
  KlaviyoAuthError,
  KlaviyoClientError,
  KlaviyoDuplicateProfileError,
  type KlaviyoError,
  type KlaviyoErrorDetail,
  KlaviyoNotFoundError,
  KlaviyoRateLimitedError,
  KlaviyoRevisionRetiredError,
  KlaviyoTransientError,
  KlaviyoValidationError,
} from './error-classes.js';
import { readRateLimitHeaders } from './rate-limit-headers.js';
import type { KlaviyoLimitClassName } from './rate-limits.js';

export * from './error-classes.js';

/** What came back from one attempt: an HTTP answer, or no answer at all. */
export type KlaviyoOutcome =
  | { kind: 'response'; status: number; headers: Headers; body: unknown }
  | { kind: 'network'; cause: unknown }
  | { kind: 'timeout'; timeoutMs: number };

/**
 * Whether an attempt found Klaviyo unreachable: no answer (network error, timeout) or a 5xx. Any
 * other answer, a 4xx or a 429 included, shows Klaviyo reachable (an outage backoff ends on it).
 */
export function isUnreachableOutcome(outcome: KlaviyoOutcome): boolean {
  return outcome.kind !== 'response' || outcome.status >= 500;
}

/** Used when a 429 carries no usable Retry-After (Klaviyo's windows are 1 s at the shortest). */
export const DEFAULT_RETRY_AFTER_MS = 1_000;

/**
 * The one place that turns a failed Klaviyo call into a typed error.
 * `now` (epoch ms) is only needed to read an HTTP-date Retry-After; `revision` (the one the request
 * carried) only to name it in a 410.
 */
export function toKlaviyoError(
  outcome: KlaviyoOutcome,
  limitClass?: KlaviyoLimitClassName,
  now: number = Date.now(),
  revision?: string,
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
    // Live 429s carry Retry-After and no RateLimit-* headers; should one carry only those, its reset is the wait.
    const reset = readRateLimitHeaders(outcome.headers);
    const retryAfterMs =
      parseRetryAfterMs(outcome.headers.get('retry-after'), now) ??
      (reset ? Math.max(DEFAULT_RETRY_AFTER_MS, reset.holdSeconds * 1000) : DEFAULT_RETRY_AFTER_MS);
    return new KlaviyoRateLimitedError({ ...base, retryable: true, retryAfterMs });
  }
  if (status === 400) return new KlaviyoValidationError({ ...base, retryable: false });
  if (status === 403 && isEdgeChallenge(outcome.headers, outcome.body)) {
    // An HTML page from the edge proxy (Cloudflare's bot check), not Klaviyo judging our key: it passes.
    const mitigated = outcome.headers.get('cf-mitigated');
    return new KlaviyoTransientError({
      ...base,
      code: 'edge_challenge',
      message: `Klaviyo's edge proxy answered 403${mitigated ? ` (cf-mitigated: ${mitigated})` : ' with an HTML page'}: a transient block, not a rejected key`,
      retryable: true,
    });
  }
  if (status === 401 || status === 403) return new KlaviyoAuthError({ ...base, retryable: false });
  if (status === 410) {
    const named = revision ? `revision ${revision}` : 'the pinned revision';
    return new KlaviyoRevisionRetiredError({
      ...base,
      code: 'revision_retired',
      message: `Klaviyo answered 410 Gone: ${named} is retired; raise KLAVIYO_REVISION to a supported revision`,
      retryable: false,
      revision,
    });
  }
  if (status === 404) return new KlaviyoNotFoundError({ ...base, retryable: false });
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

/**
 * A read by id (`GET /api/events/{id}`) that Klaviyo answered 400 without naming a query parameter
 * or header: the only other input is the id in the path, so the id is malformed, and no resource has
 * it. Live Klaviyo answers such ids 400, not 404 ("Invalid Event ID: 'NOPE01'", pointer `/data/id`);
 * this gives the 404 meaning back. Any other error comes back unchanged.
 */
export function malformedIdAsNotFound(error: unknown, resource: string, id: string): unknown {
  if (!(error instanceof KlaviyoValidationError) || error.status !== 400) return error;
  if (error.errors.some((detail) => detail.parameter !== undefined)) return error;
  return new KlaviyoNotFoundError({
    status: error.status,
    code: 'not_found',
    message: `Klaviyo has no ${resource} with id '${id}' (the id is not in its format: ${error.message})`,
    retryable: false,
    limitClass: error.limitClass,
    errors: error.errors,
    cause: error,
  });
}

/**
 * Whether a 403 is an edge proxy's page rather than Klaviyo's JSON:API answer: Cloudflare marks its
 * challenges `cf-mitigated: challenge` and serves them as text/html; Klaviyo's own 403 is JSON.
 */
function isEdgeChallenge(headers: Headers, body: unknown): boolean {
  if (headers.get('cf-mitigated') !== null) return true;
  if (/\btext\/html\b/i.test(headers.get('content-type') ?? '')) return true;
  return typeof body === 'string' && /^\s*<(!doctype|html)/i.test(body);
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
