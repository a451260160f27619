/**
 * Klaviyo's `RateLimit-*` answer headers, as live Klaviyo writes them (klaviyo/LIVE-BEHAVIOUR.md):
 *
 *   RateLimit-Limit: 10, 10;w=1, 150;w=60        (reports: 1, 1;w=1, 2;w=60, 225;w=86400)
 *   RateLimit-Remaining: 8
 *   RateLimit-Reset: 0
 *
 * The Limit header is a list in the IETF draft's form (draft-ietf-httpapi-ratelimit-headers): the
 * first member is the quota that Remaining and Reset describe, the others are the quota policies
 * (`<quota>;w=<window seconds>`). Live, Remaining/Reset describe the 1-second window (reset `0`).
 * A 429 carries only `Retry-After`, none of these.
 *
 * What is read here only ever holds requests back (`ClassLimiter.observe`): the published budget
 * table stays in force whatever the headers say, so a malformed or surprising header can tighten
 * the limiter but never loosen it.
 */

export interface RateLimitPolicy {
  /** Requests allowed in the window. */
  quota: number;
  /** The window's length in seconds. */
  windowSeconds: number;
}

export interface RateLimitLimitHeader {
  /** The first member without `w`: the quota Remaining and Reset describe (undefined if absent). */
  current: number | undefined;
  policies: RateLimitPolicy[];
}

/** What one non-429 answer says about the class: hold back once `remaining` is spent, for `holdSeconds`. */
export interface RateLimitObservation {
  remaining: number;
  /** Seconds (Klaviyo time) the remaining count applies for: until the described window resets, rounded up. */
  holdSeconds: number;
  /** The window Remaining/Reset describe, in seconds, when the Limit header says; else undefined. */
  windowSeconds: number | undefined;
}

const INTEGER = /^\d+$/;

/**
 * Parses `RateLimit-Limit` in its list form (`10, 10;w=1, 150;w=60`) and in the plain-number form
 * (`150`). Undefined when the header is absent or any member is unreadable: then nothing is known
 * about the windows, and nothing is trusted.
 */
export function parseRateLimitLimit(header: string | null): RateLimitLimitHeader | undefined {
  if (header === null || header.trim() === '') return undefined;
  let current: number | undefined;
  const policies: RateLimitPolicy[] = [];
  for (const member of header.split(',')) {
    const [quotaText = '', ...parameters] = member.split(';').map((part) => part.trim());
    if (!INTEGER.test(quotaText)) return undefined;
    const quota = Number(quotaText);
    let windowSeconds: number | undefined;
    for (const parameter of parameters) {
      const [name = '', value = ''] = parameter.split('=').map((part) => part.trim());
      if (name.toLowerCase() !== 'w') continue; // other parameters (comment, …) say nothing about the window
      if (!INTEGER.test(value) || Number(value) === 0) return undefined;
      windowSeconds = Number(value);
    }
    if (windowSeconds !== undefined) policies.push({ quota, windowSeconds });
    else if (current === undefined) current = quota;
    else return undefined; // two bare quotas: not a form we know
  }
  return { current, policies };
}

/**
 * The window that Remaining/Reset describe: the policy whose quota is the first member's. When
 * several policies share that quota, the longest (holding back longer is the safe reading); when
 * none does, or the header gives no list, unknown.
 */
export function describedWindowSeconds(limit: RateLimitLimitHeader | undefined): number | undefined {
  if (limit?.current === undefined) return undefined;
  const matching = limit.policies.filter((policy) => policy.quota === limit.current);
  return matching.length === 0 ? undefined : Math.max(...matching.map((policy) => policy.windowSeconds));
}

/**
 * Reads Remaining/Reset of a non-429 answer as the window they describe. Reset is whole seconds,
 * so `0` means "within the next second": the hold is rounded up to the next whole second, but not
 * past the window's length (a 1 s window with reset 0 holds for 1 s). Undefined when Remaining or
 * Reset is absent or not a non-negative integer: the published budgets alone then apply.
 */
export function readRateLimitHeaders(headers: Headers): RateLimitObservation | undefined {
  const remainingText = headers.get('ratelimit-remaining')?.trim() ?? '';
  const resetText = headers.get('ratelimit-reset')?.trim() ?? '';
  if (!INTEGER.test(remainingText) || !INTEGER.test(resetText)) return undefined;
  const remaining = Number(remainingText);
  const reset = Number(resetText);
  const windowSeconds = describedWindowSeconds(parseRateLimitLimit(headers.get('ratelimit-limit')));
  const holdSeconds = windowSeconds === undefined ? reset + 1 : Math.max(reset, Math.min(reset + 1, windowSeconds));
  return { remaining, holdSeconds, windowSeconds };
}
