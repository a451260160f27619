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
  let running = false;
  let woken = false;
  let timer: NodeJS.Timeout | undefined;
  let wakeSleep: (() => void) | undefined;
  let done: Promise<void> = Promise.resolve();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wakeSleep = resolve;
      timer = setTimeout(resolve, ms);
    }).finally(() => {
      clearTimeout(timer);
      wakeSleep = undefined;
    });

  async function run(): Promise<void> {
    while (running) {
      woken = false;
      // A round that throws must not end the loop: it sleeps one poll interval and tries again.
      const pause = (await options.round().catch(() => undefined)) ?? options.pollIntervalMs;
      if (!running) break;
      if (woken || pause === 0) continue;
      await sleep(pause);
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
      wakeSleep?.();
    },
    async stop() {
      running = false;
      wakeSleep?.();
      await done;
    },
  };
}
