import { describe, expect, it } from 'vitest';
import { createRequestWindowLimiter } from '../../services/mavera/rate-window.js';
import { createSemaphore } from '../../services/mavera/semaphore.js';
import { fakeTime } from './builders.js';

describe('requests-per-minute window', () => {
  it('when the plan budget is used up, then the next request waits until the oldest leaves the 60 s window', async () => {
    const time = fakeTime(0);
    const limiter = createRequestWindowLimiter({ requestsPerWindow: 3, clock: time.clock, sleep: time.sleep });
    const startedAt: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      await limiter.acquire();
      startedAt.push(time.clock());
    }
    expect(startedAt).toEqual([0, 0, 0, 60_000, 60_000, 60_000, 120_000]);
  });

  it('when requests are spread out, then no 60 s span ever holds more than the budget', async () => {
    const time = fakeTime(0);
    const limiter = createRequestWindowLimiter({ requestsPerWindow: 5, clock: time.clock, sleep: time.sleep });
    const startedAt: number[] = [];
    for (let i = 0; i < 40; i += 1) {
      await time.sleep(i % 3 === 0 ? 7_000 : 1_000);
      await limiter.acquire();
      startedAt.push(time.clock());
    }
    for (const t of startedAt) expect(startedAt.filter((s) => s >= t && s < t + 60_000).length).toBeLessThanOrEqual(5);
  });

  it('when paused after a 429, then nobody starts before the pause ends', async () => {
    const time = fakeTime(0);
    const limiter = createRequestWindowLimiter({ requestsPerWindow: 100, clock: time.clock, sleep: time.sleep });
    limiter.pauseUntil(30_000);
    await limiter.acquire();
    expect(time.clock()).toBeGreaterThanOrEqual(30_000);
  });

  it('when the caller aborts while waiting, then acquire rejects with the abort reason', async () => {
    const limiter = createRequestWindowLimiter({ requestsPerWindow: 1, clock: Date.now, sleep: (ms, signal) => new Promise((_r, reject) => signal?.addEventListener('abort', () => reject(signal.reason))) });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('run cancelled'));
    await expect(waiting).rejects.toThrow('run cancelled');
  });
});

describe('concurrency semaphore', () => {
  it('when more callers than slots arrive, then they are served in order as slots free up', async () => {
    const slots = createSemaphore(2);
    const order: number[] = [];
    const releases = await Promise.all([slots.acquire(), slots.acquire()]);
    const third = slots.acquire().then((release) => {
      order.push(3);
      return release;
    });
    const fourth = slots.acquire().then((release) => {
      order.push(4);
      return release;
    });
    expect(slots.waiting).toBe(2);
    releases[0]?.();
    releases[0]?.(); // releasing twice must not free a second slot
    await third;
    expect(order).toEqual([3]);
    expect(slots.inUse).toBe(2);
    releases[1]?.();
    await fourth;
    expect(order).toEqual([3, 4]);
  });

  it('when a waiter aborts, then it leaves the queue and the slot goes to the next one', async () => {
    const slots = createSemaphore(1);
    const release = await slots.acquire();
    const controller = new AbortController();
    const abandoned = slots.acquire(controller.signal);
    const next = slots.acquire();
    controller.abort(new Error('cancelled'));
    await expect(abandoned).rejects.toThrow('cancelled');
    release();
    await expect(next).resolves.toBeTypeOf('function');
    expect(slots.inUse).toBe(1);
  });
});
