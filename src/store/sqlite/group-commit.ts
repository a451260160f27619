import type { Database } from 'better-sqlite3';

/** The longest the first write of a group waits for others to join it, in milliseconds. */
export const GROUP_COMMIT_MAX_WAIT_MS = 2;

interface Waiting<I, O> {
  input: I;
  resolve(output: O): void;
  reject(error: unknown): void;
}

/**
 * Group commit for writes that gate an acknowledgment. Writes share one transaction, and so one
 * fsync under synchronous=FULL (better-sqlite3 blocks the event loop for it). Each caller's promise
 * settles only after the commit that holds its write, so a 2xx still means durably stored. If the
 * shared transaction fails, each write is retried in its own, so one bad write never fails its
 * neighbours.
 *
 * When to commit: once an event-loop turn has brought no new write (every request that was already
 * readable has joined), or GROUP_COMMIT_MAX_WAIT_MS after the first write, whichever comes first.
 * Under load this fills groups better than a fixed window or a single turn; an idle service commits
 * a lone write after one turn.
 */
export function createGroupCommit<I, O>(db: Database, write: (input: I) => O): (input: I) => Promise<O> {
  const commitGroup = db.transaction((inputs: I[]) => inputs.map((input) => write(input)));
  const commitOne = db.transaction(write);
  let queue: Array<Waiting<I, O>> = [];
  let seen = 0;
  let firstAt = 0;

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

  const commitWhenQuiet = () => {
    if (queue.length > seen && performance.now() - firstAt < GROUP_COMMIT_MAX_WAIT_MS) {
      seen = queue.length;
      setImmediate(commitWhenQuiet);
      return;
    }
    flush();
  };

  return (input) =>
    new Promise<O>((resolve, reject) => {
      if (queue.length === 0) {
        seen = 0;
        firstAt = performance.now();
        setImmediate(commitWhenQuiet);
      }
      queue.push({ input, resolve, reject });
    });
}
