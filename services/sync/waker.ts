/** Sleeps that end early when new work arrives or the worker stops. */
export interface Waker {
  /**
   * Resolves after `ms` milliseconds or, when `wakeable`, at the next wake(). Waits for a batch
   * to fill are not wakeable: under load every ingest calls wake(), which must stay cheap.
   */
  wait(ms: number, wakeable?: boolean): Promise<void>;
  wake(): void;
}

export function createWaker(): Waker {
  let waiters = new Set<() => void>();
  return {
    wait(ms, wakeable = true) {
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, ms));
        if (wakeable) waiters.add(done);
      });
    },
    wake() {
      if (waiters.size === 0) return;
      const current = waiters;
      waiters = new Set();
      for (const done of current) done();
    },
  };
}
