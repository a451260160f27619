import { nowMs, type Clock } from '../../src/lib/clock.js';
import type { Logger } from 'pino';
import { raceAbort, type Sleep } from '../../src/lib/abortable.js';
import { toMaveraError, type MaveraFailure } from './classify-failure.js';
import { MaveraRateLimitedError } from './errors.js';
import type { PlanRateLimiter } from './limiters.js';
import { nextRetryDelayMs, type RetryPolicy } from './retry-policy.js';

/**
 * One Mavera HTTP exchange with the client's only retry loop: wait for the per-minute budget →
 * fetch (bearer, JSON, per-attempt timeout, caller's signal) → classify → retry or surface.
 */
export interface MaveraRequest {
  /** Logical name for logs and error mapping, e.g. `personas.create`. */
  operation: string;
  method: 'GET' | 'POST' | 'PATCH';
  /** Path under the base URL, starting with `/`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  signal?: AbortSignal | undefined;
}

export interface MaveraTransportDeps {
  apiKey: string;
  baseUrl: string;
  fetch: typeof fetch;
  clock: Clock;
  sleep: Sleep;
  random: () => number;
  /** The key's per-minute plan budget and 429 pause; every attempt runs inside it. */
  limiter: PlanRateLimiter;
  retry: RetryPolicy;
  /** Per-attempt deadline in milliseconds (Mave answers can take 30–90 s). */
  timeoutMs: number;
  logger: Logger | undefined;
}

export type MaveraTransport = (request: MaveraRequest) => Promise<unknown>;

function urlFor(baseUrl: string, request: MaveraRequest): string {
  const url = new URL(baseUrl.replace(/\/+$/, '') + request.path);
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url.toString();
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function createMaveraTransport(deps: MaveraTransportDeps): MaveraTransport {
  const log = deps.logger?.child({ component: 'mavera-client' });

  /** One attempt: the parsed 2xx body, or the failure to classify. Caller aborts are rethrown as-is. */
  async function attempt(request: MaveraRequest): Promise<{ ok: true; body: unknown } | { ok: false; failure: MaveraFailure }> {
    const deadline = AbortSignal.timeout(deps.timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, deadline]) : deadline;
    const headers: Record<string, string> = { Authorization: `Bearer ${deps.apiKey}`, Accept: 'application/json' };
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      const response = await deps.fetch(urlFor(deps.baseUrl, request), {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal,
      });
      const body = parseJson(await response.text());
      if (response.ok) return { ok: true, body };
      const failure: MaveraFailure = {
        kind: 'response',
        operation: request.operation,
        status: response.status,
        body,
        retryAfterHeader: response.headers.get('retry-after'),
        now: nowMs(deps.clock),
      };
      return { ok: false, failure };
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      if (deadline.aborted) return { ok: false, failure: { kind: 'timeout', operation: request.operation, timeoutMs: deps.timeoutMs } };
      return { ok: false, failure: { kind: 'network', operation: request.operation, cause: error } };
    }
  }

  return async (request) => {
    for (let attemptNo = 1; ; attemptNo += 1) {
      request.signal?.throwIfAborted();
      let startedAt = nowMs(deps.clock);
      const outcome = await deps.limiter.run(request.signal, () => {
        startedAt = nowMs(deps.clock);
        return attempt(request);
      });
      if (outcome.ok) {
        log?.debug({ operation: request.operation, attempt: attemptNo, durationMs: nowMs(deps.clock) - startedAt }, 'mavera call succeeded');
        return outcome.body;
      }
      const error = toMaveraError(outcome.failure);
      const delayMs = nextRetryDelayMs(error, attemptNo, deps.retry, deps.random);
      if (delayMs === null) {
        log?.warn({ operation: request.operation, attempt: attemptNo, code: error.code, upstreamStatus: error.upstreamStatus }, 'mavera call failed');
        throw error;
      }
      // A 429 throttles the whole key, not just this call: hold every caller back.
      if (error instanceof MaveraRateLimitedError) deps.limiter.pauseUntil(nowMs(deps.clock) + delayMs);
      log?.info({ operation: request.operation, attempt: attemptNo, code: error.code, upstreamStatus: error.upstreamStatus, delayMs }, 'mavera call retrying');
      await raceAbort(deps.sleep(delayMs, request.signal), request.signal);
    }
  };
}
