import { describe, expect, it } from 'vitest';
import { forwardRetryDelayMs } from '../../services/webhooks/forward-backoff.js';

const policy = { maxAttempts: 10, baseDelayMs: 1000, maxDelayMs: 60_000 };

describe('forward retry delays', () => {
  it('when attempts fail, then the jitter ceiling doubles per attempt up to the cap', () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 7, 8, 20].map((n) => forwardRetryDelayMs(policy, n, top))).toEqual([999, 1999, 3999, 7999, 59_999, 60_000 - 1, 60_000 - 1]);
  });

  it('when the jitter draws 0, then the retry may go at once (full jitter)', () => {
    expect(forwardRetryDelayMs(policy, 5, () => 0)).toBe(0);
  });

  it('when the subscriber sends Retry-After, then it is a floor, capped by the policy', () => {
    expect(forwardRetryDelayMs(policy, 1, () => 0, 5000)).toBe(5000);
    expect(forwardRetryDelayMs(policy, 1, () => 0, 3_600_000)).toBe(60_000);
  });

});
