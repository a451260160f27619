import type { createFakeTime } from './fake-time.js';

/** Advances fake time in steps until `promise` settles (or gives up), then returns it. */
export async function settle<T>(promise: Promise<T>, time: ReturnType<typeof createFakeTime>, stepMs = 250, maxSteps = 2_000): Promise<T> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let step = 0; step < maxSteps && !done; step += 1) await time.advance(stepMs);
  return promise;
}
