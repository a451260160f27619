import type { Clock, Sleep } from '../../../services/klaviyo/timing.js';

interface Timer {
  at: number;
  resolve: () => void;
}

/** A manual clock: sleeps resolve only when the test advances time past them. */
export function createFakeTime(start = Date.parse('2026-07-20T12:00:00Z')) {
  let now = start;
  let timers: Timer[] = [];
  const sleeps: number[] = [];

  const clock: Clock = () => new Date(now);
  const sleep: Sleep = (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      sleeps.push(ms);
      const timer: Timer = { at: now + Math.max(0, ms), resolve };
      timers.push(timer);
      signal?.addEventListener(
        'abort',
        () => {
          timers = timers.filter((t) => t !== timer);
          reject(signal.reason);
        },
        { once: true },
      );
    });

  const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

  return {
    clock,
    sleep,
    /** Every sleep duration requested so far, in ms. */
    sleeps,
    elapsed: () => now - start,
    flush,
    /** Moves time forward, firing due timers in order and letting their continuations run. */
    async advance(ms: number): Promise<void> {
      const target = now + ms;
      await flush();
      for (;;) {
        const due = timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        now = Math.max(now, due.at);
        due.resolve();
        await flush();
      }
      now = target;
      await flush();
    },
  };
}
