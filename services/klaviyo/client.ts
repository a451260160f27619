import type { Logger } from '../../src/lib/logger.js';
import type { Metrics } from '../../src/lib/metrics.js';
import {
  isUnreachableOutcome,
  KlaviyoAuthError,
  type KlaviyoError,
  KlaviyoRateLimitedError,
  KlaviyoRevisionRetiredError,
  KlaviyoUnreachableError,
  type KlaviyoOutcome,
  toKlaviyoError,
} from './errors.js';
import type { KlaviyoPermit } from './class-limiter.js';
import type { KlaviyoLimiters } from './limiter.js';
import type { KlaviyoLimitClassName } from './rate-limits.js';
import { fullJitterDelayMs } from '../../src/lib/backoff.js';
import { createReachabilityTracker, type KlaviyoReachability } from './reachability.js';
import { DEFAULT_RETRY, type RetryOptions } from './retry-policy.js';
import { type Clock, abortableSleep, nowMs, type Sleep, systemClock } from './timing.js';
import { apiKeyCredentials, type KlaviyoCredentials } from './credentials.js';
import { buildHeaders, buildUrl, parseBody, type Query } from './wire.js';

export interface KlaviyoClientOptions {
  /** Private key `pk_…` (used when no `credentials` are given). */
  apiKey?: string;
  /** Where each request's Authorization comes from (an OAuth connection); else `apiKey`. */
  credentials?: KlaviyoCredentials;
  baseUrl: string;
  /** The pinned `revision` header, e.g. `2026-07-15`. */
  revision: string;
  /** The process-wide limiters (one set shared by every caller). */
  limiters: KlaviyoLimiters;
  fetch?: typeof fetch;
  clock?: Clock;
  sleep?: Sleep;
  /** Source of jitter in [0, 1); tests pin it. */
  random?: () => number;
  /** Per-attempt timeout in milliseconds (default 30 000). */
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  /** Most time one call may spend waiting out 429s, in milliseconds (default 300 000). */
  maxThrottleWaitMs?: number;
  /** `klaviyoRevisionRetired` (optional) is set to 1 on a 410 and back to 0 on the next success. */
  metrics?: Pick<Metrics, 'klaviyoRequests' | 'klaviyoThrottled'> & Partial<Pick<Metrics, 'klaviyoRevisionRetired'>>;
  logger?: Logger;
  /**
   * Called with false and the error after a 401, a JSON 403 or a 410 (a `KlaviyoRevisionRetiredError`),
   * and with true after a 2xx (drives /readyz through services/sync/klaviyo-auth-monitor.ts).
   */
  onAuthStatus?: (ok: boolean, error?: KlaviyoAuthError) => void;
  /**
   * Asked before every attempt goes out; throws when this process may not call Klaviyo now (a
   * replica that is not, or is no longer surely, the leader: docs/replicas.md). The slot is given back.
   */
  mayCall?: () => void;
  /** The User-Agent of every request (default `klaviyo-bridge`; the service adds its version and replica id). */
  userAgent?: string;
}

export interface KlaviyoRequest {
  limitClass: KlaviyoLimitClassName;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** `/api/...`, or an absolute `links.next` URL (on the base URL's origin, else `KlaviyoForeignLinkError`). */
  path: string;
  query?: Query;
  /** A JSON:API document; serialized as JSON. */
  body?: unknown;
  /** The document already serialized, instead of `body` (bulk bodies written as text). */
  bodyJson?: string;
  /** Whether repeating the call is harmless; only idempotent calls are retried. */
  idempotent: boolean;
  /** Cancels waiting, backoff and the request in flight (job cancellation). */
  signal?: AbortSignal;
}

export interface KlaviyoResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON:API document; undefined for 202/204 without a body. */
  body: T;
}

export interface KlaviyoClient {
  readonly baseUrl: string;
  readonly revision: string;
  request<T = unknown>(request: KlaviyoRequest): Promise<KlaviyoResponse<T>>;
  /** Since when Klaviyo has not answered any class (network errors, timeouts, 5xx), and the last such failure. */
  reachability(): KlaviyoReachability;
}

/**
 * Owns the wire: every request waits for its limit class, carries the key and pinned
 * revision, times out, and is classified by `toKlaviyoError`. This is the only layer that retries.
 */
export function createKlaviyoClient(options: KlaviyoClientOptions): KlaviyoClient {
  const doFetch = options.fetch ?? globalThis.fetch;
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retry: RetryOptions = { ...DEFAULT_RETRY, ...options.retry };
  const maxThrottleWaitMs = options.maxThrottleWaitMs ?? 300_000;
  const { limiters, metrics, logger, onAuthStatus } = options;
  const credentials: KlaviyoCredentials = options.credentials ?? apiKeyCredentials(requiredApiKey(options.apiKey));
  const reachability = createReachabilityTracker();
  /** Whether the pinned revision was last answered 410 (logged once, until a success clears it). */
  let revisionRetired = false;
  const noteRevisionRetired = (error: KlaviyoRevisionRetiredError) => {
    metrics?.klaviyoRevisionRetired?.set(1);
    if (revisionRetired) return;
    revisionRetired = true;
    logger?.error({ revision: options.revision, limitClass: error.limitClass }, `${error.message}; requests stay pending until then`);
  };
  const noteSuccess = () => {
    if (revisionRetired) {
      revisionRetired = false;
      metrics?.klaviyoRevisionRetired?.set(0);
    }
    onAuthStatus?.(true);
  };

  async function attempt(url: URL, request: KlaviyoRequest, body: string | undefined, authorization: string): Promise<KlaviyoOutcome> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    try {
      const response = await doFetch(url, {
        method: request.method,
        headers: buildHeaders(authorization, options.revision, body !== undefined, options.userAgent),
        body,
        signal,
      });
      const answer = parseBody(await response.text());
      return { kind: 'response', status: response.status, headers: response.headers, body: answer };
    } catch (cause) {
      // The caller's cancellation is not a Klaviyo failure: let it through untouched.
      if (request.signal?.aborted) throw request.signal.reason;
      return timeout.aborted ? { kind: 'timeout', timeoutMs } : { kind: 'network', cause };
    }
  }

  /** Tells the limiter what the attempt said about Klaviyo, and logs when its class starts or stops backing off. */
  function settleAttempt(limitClass: KlaviyoRequest['limitClass'], permit: KlaviyoPermit, outcome: KlaviyoOutcome): void {
    const before = limiters.outage(limitClass);
    permit.release(isUnreachableOutcome(outcome) ? 'unreachable' : 'answered');
    reachability.note(outcome, limitClass, nowMs(clock));
    const after = limiters.outage(limitClass);
    if (!before && after) logger?.warn({ limitClass, failures: after.failures }, 'klaviyo unreachable for this class; it backs off as a whole, one probe at a time');
    if (before && !after) logger?.info({ limitClass, unreachableMs: nowMs(clock) - before.since }, 'klaviyo answers this class again');
  }

  /** The error a call gives up with: while its class backs off an outage, a `KlaviyoUnreachableError`. */
  function finalError(request: KlaviyoRequest, error: KlaviyoError, unreachable: boolean): KlaviyoError {
    const outage = unreachable ? limiters.outage(request.limitClass) : undefined;
    if (!outage) return error;
    return new KlaviyoUnreachableError({
      status: error.status,
      code: error.code,
      message: `${error.message} (limit class ${request.limitClass} unreachable since ${new Date(outage.since).toISOString()})`,
      retryable: true,
      limitClass: request.limitClass,
      errors: error.errors,
      cause: error,
      unreachableSince: new Date(outage.since),
    });
  }

  async function request<T>(request: KlaviyoRequest): Promise<KlaviyoResponse<T>> {
    const { limitClass } = request;
    let failures = 0;
    let throttledMs = 0;
    let refreshed = false;
    // Serialized once, before waiting for a slot: a permit's time counts against the window until
    // the answer is in, so nothing that could be done earlier is done while holding it.
    const body = request.bodyJson ?? (request.body === undefined ? undefined : JSON.stringify(request.body));
    // Before any slot is taken: a link on another origin is refused without a request.
    const url = buildUrl(options.baseUrl, request.path, request.query, limitClass);
    for (;;) {
      const permit = await limiters.acquire(limitClass, request.signal);
      let authorization: string;
      try {
        // Inside the slot: a 429's pause, set while this request waited, must hold it (a refresh is rare and quick).
        authorization = await credentials.authorization();
      } catch (reason) {
        permit.release();
        throw reason;
      }
      try {
        options.mayCall?.();
      } catch (refusal) {
        permit.release();
        throw refusal;
      }
      const started = nowMs(clock);
      let outcome: KlaviyoOutcome;
      try {
        outcome = await attempt(url, request, body, authorization);
      } catch (reason) {
        permit.release(); // the caller cancelled: that says nothing about Klaviyo
        throw reason;
      }
      settleAttempt(limitClass, permit, outcome);
      const status = outcome.kind === 'response' ? String(outcome.status) : outcome.kind;
      metrics?.klaviyoRequests.inc({ endpoint: limitClass, status });
      logger?.debug({ limitClass, method: request.method, status, ms: nowMs(clock) - started }, 'klaviyo request');

      if (outcome.kind === 'response' && outcome.status < 400) {
        limiters.observeHeaders(limitClass, outcome.headers);
        noteSuccess();
        return { status: outcome.status, headers: outcome.headers, body: outcome.body as T };
      }
      const error = toKlaviyoError(outcome, limitClass, nowMs(clock), options.revision);
      if (error instanceof KlaviyoRateLimitedError) {
        metrics?.klaviyoThrottled.inc({ limit_class: limitClass });
        // The limiter holds back the whole class; this call waits in line without spending an attempt.
        const waitMs = limiters.pause(limitClass, error.retryAfterMs);
        throttledMs += waitMs;
        logger?.warn({ limitClass, retryAfterMs: error.retryAfterMs, waitMs }, 'klaviyo throttled');
        if (request.idempotent && throttledMs <= maxThrottleWaitMs) continue;
        throw error;
      }
      if (outcome.kind === 'response') limiters.observeHeaders(limitClass, outcome.headers);
      if (error instanceof KlaviyoRevisionRetiredError) noteRevisionRetired(error);
      // A 401 to an OAuth token: refreshed once, the request goes again (it was refused, so nothing happened).
      if (error instanceof KlaviyoAuthError && error.status === 401 && !refreshed && credentials.refreshAfterUnauthorized) {
        refreshed = true;
        if (await credentials.refreshAfterUnauthorized(authorization)) continue;
      }
      if (error instanceof KlaviyoAuthError) onAuthStatus?.(false, error);
      failures += 1;
      const unreachable = isUnreachableOutcome(outcome);
      if (!error.retryable || !request.idempotent || failures >= retry.maxAttempts) throw finalError(request, error, unreachable);
      if (unreachable && limiters.outage(limitClass)) {
        // The class backs off as a whole: this call waits in its line for the next probe, no sleep of its own.
        logger?.warn({ limitClass, status, code: error.code, failures }, 'klaviyo unreachable, waiting for the class to probe again');
        continue;
      }
      const delayMs = fullJitterDelayMs(failures, retry, random);
      logger?.warn({ limitClass, status, code: error.code, failures, delayMs }, 'klaviyo transient failure, retrying');
      await sleep(delayMs, request.signal);
    }
  }

  return { baseUrl: options.baseUrl, revision: options.revision, request, reachability: reachability.snapshot };
}

function requiredApiKey(apiKey: string | undefined): string {
  if (apiKey === undefined) throw new Error('the Klaviyo client needs an apiKey or credentials');
  return apiKey;
}
