import type { Database } from 'better-sqlite3';

/**
 * How long the first write of a group waits for others to join it. Measured on the webhook
 * receiver at 10 connections: waiting for the next timer tick instead of the end of the current
 * event-loop turn puts more deliveries in each commit and cut CPU per delivery by ~8 %
 * (BENCHMARKS.md); the ingest outbox has used the same window from the start.
 */
export const GROUP_COMMIT_WINDOW_MS = 1;

interface Waiting<I, O> {
  input: I;
  resolve(output: O): void;
  reject(error: unknown): void;
}

/**
 * Group commit for writes that gate an acknowledgment. Every write that arrives within
 * GROUP_COMMIT_WINDOW_MS of the first shares one transaction, and so one fsync under
 * synchronous=FULL (better-sqlite3 blocks the event loop for it). Each caller's promise settles
 * only after the commit that holds its write, so a 2xx still means durably stored. If the shared
 * transaction fails, each write is retried in its own, so one bad write never fails its neighbours.
 */
export function createGroupCommit<I, O>(db: Database, write: (input: I) => O): (input: I) => Promise<O> {
  const commitGroup = db.transaction((inputs: I[]) => inputs.map((input) => write(input)));
  const commitOne = db.transaction(write);
  let queue: Array<Waiting<I, O>> = [];

  const flush = () => {
    const group = queue;
    queue = [];
    let outputs: O[];
    try {
      outputs = commitGroup(group.map((w) => w.input));
    } catch {
      for (const waiting of group) {
        try {
          waiting.resolve(commitOne(waiting.input));
        } catch (own) {
          waiting.reject(own);
        }
      }
      return;
    }
    group.forEach((waiting, i) => waiting.resolve(outputs[i] as O));
  };

  return (input) =>
    new Promise<O>((resolve, reject) => {
      if (queue.length === 0) setTimeout(flush, GROUP_COMMIT_WINDOW_MS);
      queue.push({ input, resolve, reject });
    });
}
