import { describe, expect, it } from 'vitest';
import { createKlaviyoLimiters, type KlaviyoLimitersOptions } from '../../services/klaviyo/limiter.js';
import type { KlaviyoBudget } from '../../services/klaviyo/rate-limits.js';
import { SlidingWindowLog } from '../../services/klaviyo/sliding-window.js';
import { createFakeTime } from './support/fake-time.js';

function setup(budget: KlaviyoBudget, overrides: Partial<KlaviyoLimitersOptions> = {}) {
  const time = createFakeTime();
  const limiters = createKlaviyoLimiters({
    rateShare: 1,
    guardMs: 0,
    clock: time.clock,
    sleep: time.sleep,
    budgetOverrides: { get_flows: budget },
    ...overrides,
  });
  const grants: number[] = [];
  /** A request answered instantly: the permit is released as soon as it is granted. */
  const acquire = (signal?: AbortSignal) =>
    limiters.acquire('get_flows', signal).then((permit) => {
      grants.push(time.elapsed());
      permit.release();
    });
  return { time, limiters, grants, acquire };
}

/** Largest number of grants inside any span of `lengthMs` (a sliding window over the log). */
function maxInAnySpan(grants: number[], lengthMs: number): number {
  return Math.max(0, ...grants.map((t) => grants.filter((g) => g > t - lengthMs && g <= t).length));
}

describe('SlidingWindowLog', () => {
  it('when the burst is used up, then the next slot opens one window after the oldest counted grant', () => {
    const log = new SlidingWindowLog([{ lengthMs: 1000, limit: 3 }, { lengthMs: 60_000, limit: 5 }]);
    [0, 10, 20].forEach((t) => log.record(t));
    expect(log.earliestAt(20)).toBe(1000);
    [1000, 1010].forEach((t) => log.record(t));
    // Steady budget (5) is spent: the 5th most recent grant (t=0) must leave the minute first.
    expect(log.earliestAt(1010)).toBe(60_000);
    expect(log.countWithin(1010, 1000)).toBe(3); // 20, 1000 and 1010
  });
});

describe('createKlaviyoLimiters', () => {
  it('when 25 callers arrive at once, then a full burst goes at once and no 1 s or 60 s span exceeds the budget', async () => {
    const { time, grants, acquire } = setup({ burstPerSecond: 3, steadyPerMinute: 10 });
    const all = Promise.all(Array.from({ length: 25 }, () => acquire()));
    await time.advance(0);
    expect(grants).toEqual([0, 0, 0]);
    await time.advance(180_000);
    await all;
    expect(grants).toHaveLength(25);
    expect(maxInAnySpan(grants, 1000)).toBe(3);
    expect(maxInAnySpan(grants, 60_000)).toBe(10);
    // A sliding window never lets the steady budget refill early, whatever the alignment.
    expect(grants[10]).toBe(60_000);
  });

  it('when a daily cap applies, then it holds across minutes', async () => {
    const { time, grants, acquire } = setup({ burstPerSecond: 5, steadyPerMinute: 5, dailyCap: 6 });
    const all = Promise.all(Array.from({ length: 7 }, () => acquire()));
    await time.advance(120_000);
    expect(grants).toEqual([0, 0, 0, 0, 0, 60_000]);
    await time.advance(86_400_000);
    await all;
    expect(grants[6]).toBe(86_400_000);
  });

  it('when the class is paused after a 429, then nothing goes until Retry-After has passed', async () => {
    const { time, limiters, grants, acquire } = setup({ burstPerSecond: 10, steadyPerMinute: 100 });
    expect(limiters.pause('get_flows', 5_000)).toBe(5_000);
    const first = acquire();
    await time.advance(4_999);
    expect(grants).toEqual([]);
    expect(limiters.stats().get_flows).toEqual({ queued: 1, paused_until: new Date(time.clock().getTime() + 1).toISOString() });
    await time.advance(1);
    await first;
    expect(grants).toEqual([5_000]);
  });

  it('when Klaviyo reports no remaining steady budget, then the class waits for its reset (whole seconds, rounded up)', async () => {
    const { time, limiters, grants, acquire } = setup({ burstPerSecond: 10, steadyPerMinute: 100 });
    // The first member names the minute policy: Remaining/Reset describe the 60 s window.
    limiters.observeHeaders('get_flows', new Headers({ 'RateLimit-Limit': '100, 10;w=1, 100;w=60', 'RateLimit-Remaining': '1', 'RateLimit-Reset': '30' }));
    const both = Promise.all([acquire(), acquire()]);
    await time.advance(30_999);
    expect(grants).toEqual([0]);
    await time.advance(1);
    await both;
    expect(grants).toEqual([0, 31_000]);
  });

  it('when speedUp is 10, then windows and pauses are ten times shorter', async () => {
    const { time, limiters, grants, acquire } = setup({ burstPerSecond: 2, steadyPerMinute: 100 }, { speedUp: 10 });
    const all = Promise.all(Array.from({ length: 4 }, () => acquire()));
    await time.advance(1_000);
    await all;
    expect(grants).toEqual([0, 0, 100, 100]);
    expect(limiters.pause('get_flows', 3_000)).toBe(300);
  });

  it('when the rate share is 0.5, then the applied budget is halved', async () => {
    const { limiters } = setup({ burstPerSecond: 3, steadyPerMinute: 10 }, { rateShare: 0.5 });
    expect(limiters.budget('get_flows')).toEqual({ burstPerSecond: 1, steadyPerMinute: 5 });
    expect(limiters.budget('query_flow_values')).toEqual({ burstPerSecond: 1, steadyPerMinute: 1, dailyCap: 112 });
  });

  it('when a queued caller aborts, then it is rejected and the next caller takes its slot', async () => {
    const { time, limiters, grants, acquire } = setup({ burstPerSecond: 1, steadyPerMinute: 100 });
    await acquire();
    const controller = new AbortController();
    const abandoned = acquire(controller.signal);
    const next = acquire();
    expect(limiters.stats().get_flows?.queued).toBe(2);
    controller.abort(new Error('job cancelled'));
    await expect(abandoned).rejects.toThrow('job cancelled');
    await time.advance(1_000);
    await next;
    expect(grants).toEqual([0, 1_000]);
    expect(limiters.stats().get_flows).toEqual({ queued: 0, paused_until: null });
  });

  it('when requests are still in flight, then they keep counting until one window after their answer', async () => {
    const { time, limiters, grants, acquire } = setup({ burstPerSecond: 2, steadyPerMinute: 100 });
    const slow = [await limiters.acquire('get_flows'), await limiters.acquire('get_flows')];
    const third = acquire();
    await time.advance(5_000);
    expect(grants).toEqual([]); // Klaviyo may not have counted them yet, so no room appears
    slow[0]?.release();
    await time.advance(999);
    expect(grants).toEqual([]);
    await time.advance(1);
    await third;
    expect(grants).toEqual([6_000]);
    slow[1]?.release();
  });

  it('when two classes are used, then each keeps its own budget', async () => {
    const { time, limiters, acquire } = setup({ burstPerSecond: 1, steadyPerMinute: 100 });
    await acquire();
    (await limiters.acquire('get_campaigns')).release();
    expect(time.elapsed()).toBe(0);
    expect(Object.keys(limiters.stats()).sort()).toEqual(['get_campaigns', 'get_flows']);
  });
});
