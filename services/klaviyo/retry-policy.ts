import type { BackoffOptions } from '../../src/lib/backoff.js';

/** How transient failures (5xx, 408, network, timeout) of idempotent calls are retried (full-jitter backoff, src/lib/backoff.ts). */
export interface RetryOptions extends BackoffOptions {
  /** Total attempts including the first (1 = never retry). */
  maxAttempts: number;
  /** Backoff ceiling of the first retry, in milliseconds; doubles each retry. */
  baseDelayMs: number;
  /** Largest single backoff, in milliseconds. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 };
