import { fullJitterDelayMs } from '../../src/lib/backoff.js';

export interface ForwardRetryPolicy {
  /** Attempts before a delivery is dead-lettered (the first try counts). */
  maxAttempts: number;
  /** Ceiling of the first retry's delay, in milliseconds; it doubles per attempt. */
  baseDelayMs: number;
  /** Cap of any delay, in milliseconds. */
  maxDelayMs: number;
}

/**
 * Ceilings 1 s, 2 s, 4 s … capped at 2 h, 24 attempts in all: a dead letter after at most ~22 h of
 * retrying (~11 h on average with full jitter), long enough to ride out a subscriber's bad night.
 */
export const DEFAULT_FORWARD_RETRY_POLICY: ForwardRetryPolicy = { maxAttempts: 24, baseDelayMs: 1000, maxDelayMs: 2 * 60 * 60 * 1000 };

/**
 * Exponential backoff with full jitter (a uniform delay in [0, min(cap, base·2^(n−1))]): retries of
 * many deliveries that failed together spread out instead of hitting the subscriber in waves.
 * `failedAttempts` counts the failure just recorded (1 after the first try). A `Retry-After` from
 * the subscriber (in milliseconds) is honoured as a floor.
 */
export function forwardRetryDelayMs(
  policy: ForwardRetryPolicy,
  failedAttempts: number,
  random: () => number,
  retryAfterMs?: number,
): number {
  return Math.min(policy.maxDelayMs, Math.max(fullJitterDelayMs(failedAttempts, policy, random), retryAfterMs ?? 0));
}
