/**
 * A counting semaphore for Mavera's per-endpoint concurrency caps (Mave 10, Focus Groups 5).
 * Waiters are served first-come first-served; a waiter whose signal aborts leaves the queue at once.
 */
export type Release = () => void;

export interface Semaphore {
  acquire(signal?: AbortSignal): Promise<Release>;
  /** Holders right now (for tests and diagnostics). */
  readonly inUse: number;
  readonly waiting: number;
}

export function createSemaphore(limit: number): Semaphore {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`semaphore limit must be a positive integer, got ${limit}`);
  let inUse = 0;
  const queue: Array<() => void> = [];

  const releaser = (): Release => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = queue.shift();
      // Hand the slot straight to the next waiter, so no newcomer can jump the queue.
      if (next) next();
      else inUse -= 1;
    };
  };

  return {
    get inUse() {
      return inUse;
    },
    get waiting() {
      return queue.length;
    },
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (inUse < limit) {
        inUse += 1;
        return Promise.resolve(releaser());
      }
      return new Promise<Release>((resolve, reject) => {
        const onAbort = () => {
          const index = queue.indexOf(grant);
          if (index >= 0) queue.splice(index, 1);
          reject(signal?.reason);
        };
        const grant = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(releaser());
        };
        queue.push(grant);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}
