/** How transient failures (5xx, 408, network, timeout) of idempotent calls are retried. */
export interface RetryOptions {
  /** Total attempts including the first (1 = never retry). */
  maxAttempts: number;
  /** Backoff ceiling of the first retry, in milliseconds; doubles each retry. */
  baseDelayMs: number;
  /** Largest single backoff, in milliseconds. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 };

/**
 * "Full jitter" (AWS architecture blog): a uniform delay in [0, min(max, base·2^(n-1))], so
 * callers that failed together do not retry together. `failures` counts failed attempts so far (≥ 1).
 */
export function backoffDelayMs(failures: number, options: RetryOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.floor(random() * ceiling);
}
