import { fullJitterDelayMs } from '../../src/lib/backoff.js';
import { MaveraRateLimitedError, type MaveraError } from './errors.js';

export interface RetryPolicy {
  /** Attempts in total, first one included. */
  maxAttempts: number;
  /** First backoff ceiling in milliseconds; doubles per attempt. */
  baseDelayMs: number;
  /** Cap of the backoff ceiling in milliseconds. */
  maxDelayMs: number;
  /** A `Retry-After` longer than this (milliseconds) is not waited out inside a call: the error surfaces. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 };

/**
 * How long to wait before the next attempt, or null when the error must surface now: not retryable
 * (402, 4xx), attempts used up, or a `Retry-After` too long to wait out inside one call.
 */
export function nextRetryDelayMs(error: MaveraError, attempt: number, policy: RetryPolicy, random: () => number): number | null {
  if (!error.retryable || attempt >= policy.maxAttempts) return null;
  if (error instanceof MaveraRateLimitedError && error.retryAfterMs !== undefined) {
    return error.retryAfterMs > policy.maxRetryAfterMs ? null : error.retryAfterMs;
  }
  return fullJitterDelayMs(attempt, policy, random);
}
