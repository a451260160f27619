/**
 * The one way background work sleeps until it is due or woken: the sync worker's lanes wait on a
 * Waker; the webhook dispatcher and forwarder run as a WakeableLoop, which is built on one.
 */
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

export interface WakeableLoop {
  /** Starts the loop (idempotent). */
  start(): void;
  /** Runs the next round now instead of after the poll interval. */
  wake(): void;
  /** Stops after the round in progress; resolves when it has finished. */
  stop(): Promise<void>;
}

/**
 * A background loop that runs one `round` at a time. A round returns how long to sleep, in
 * milliseconds (undefined → the poll interval); `wake()` cuts a sleep short, and a wake during a
 * round makes the next round start at once, so no notification is ever lost.
 */
export function createWakeableLoop(options: { pollIntervalMs: number; round(): Promise<number | undefined> }): WakeableLoop {
  const waker = createWaker();
  let running = false;
  let woken = false;
  let done: Promise<void> = Promise.resolve();

  async function run(): Promise<void> {
    while (running) {
      woken = false;
      // A round that throws must not end the loop: it sleeps one poll interval and tries again.
      const pause = (await options.round().catch(() => undefined)) ?? options.pollIntervalMs;
      if (!running) break;
      if (woken || pause === 0) continue;
      await waker.wait(pause);
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      done = run();
    },
    wake() {
      woken = true;
      waker.wake();
    },
    async stop() {
      running = false;
      waker.wake();
      await done;
    },
  };
}
