/**
 * The one backoff and the one `Retry-After` reader of the service: the Klaviyo client, the sync
 * worker's item retries, the Mavera client and the webhook forwarder all use these.
 */
export interface BackoffOptions {
  /** Ceiling of the first retry's delay, in milliseconds; it doubles per failure. */
  baseDelayMs: number;
  /** Cap of any ceiling, in milliseconds. */
  maxDelayMs: number;
}

/**
 * Exponential backoff with "full jitter" (AWS architecture blog): a uniform delay in
 * [0, min(max, base·2^(n−1))), so callers that failed together do not retry together.
 * `failures` counts the failed attempts so far (1 after the first try).
 */
export function fullJitterDelayMs(failures: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.floor(random() * ceiling);
}

/**
 * `Retry-After` (RFC 9110 §10.2.3) as delay-seconds (fractions tolerated) or an HTTP-date, in
 * milliseconds from `nowMs`; undefined when absent or unreadable. A date in the past is 0.
 */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  // A signed number is neither form (Date.parse would read "-5" as a year).
  if (/^[+-]?\d+(\.\d+)?$/.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
