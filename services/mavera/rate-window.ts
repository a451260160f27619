import { raceAbort, type Sleep } from '../../src/lib/abortable.js';

/**
 * Mavera counts requests per API key in a sliding 60 s window (plan: 60–600 req/min). We keep the
 * start time of every request in the last window and never start one more than the plan allows in
 * ANY 60 s span. A 429 pauses every caller until its `Retry-After` has passed.
 */
export interface RequestWindowLimiter {
  acquire(signal?: AbortSignal): Promise<void>;
  /** Nobody starts a request before `epochMs` (after a 429 for this key). */
  pauseUntil(epochMs: number): void;
  /** Requests started within the current window. */
  readonly recent: number;
}

export interface RequestWindowOptions {
  requestsPerWindow: number;
  /** Window length in milliseconds (Mavera: 60 000). */
  windowMs?: number;
  /** Epoch milliseconds. */
  clock: () => number;
  sleep: Sleep;
}

export function createRequestWindowLimiter(options: RequestWindowOptions): RequestWindowLimiter {
  const { requestsPerWindow: limit, clock, sleep } = options;
  const windowMs = options.windowMs ?? 60_000;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`requests per window must be a positive integer, got ${limit}`);
  const starts: number[] = [];
  let pausedUntil = 0;

  const prune = (now: number) => {
    while (starts.length > 0 && (starts[0] ?? 0) <= now - windowMs) starts.shift();
  };

  return {
    get recent() {
      prune(clock());
      return starts.length;
    },
    pauseUntil(epochMs) {
      pausedUntil = Math.max(pausedUntil, epochMs);
    },
    async acquire(signal) {
      for (;;) {
        signal?.throwIfAborted();
        const now = clock();
        prune(now);
        let waitMs = pausedUntil - now;
        if (waitMs <= 0) {
          // Check-and-record happens in one synchronous step, so concurrent callers cannot overshoot.
          if (starts.length < limit) {
            starts.push(now);
            return;
          }
          waitMs = (starts[0] ?? now) + windowMs - now;
        }
        await raceAbort(sleep(Math.max(1, waitMs), signal), signal);
      }
    },
  };
}
