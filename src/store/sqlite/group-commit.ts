import type { Database } from 'better-sqlite3';
import { storageFailureCode } from './storage-errors.js';

/** The longest the first write of a group waits for others to join it, in milliseconds. */
export const GROUP_COMMIT_MAX_WAIT_MS = 2;

/** Called inside each transaction before its first write, and after each commit (outbox-backlog.ts). */
export interface GroupCommitHooks {
  begin?(): void;
  committed?(): void;
}

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
 *
 * A storage failure other than a full database (an I/O error, read-only, busy past the timeout,
 * corrupt: storage-errors.ts) fails the whole group at once: each write alone would meet the same
 * file, and after SQLITE_BUSY would wait out the busy timeout once per write with the event loop
 * blocked. A full database is retried write by write as usual: a smaller write alone may still fit.
 */
export function createGroupCommit<I, O>(db: Database, write: (input: I) => O, hooks: GroupCommitHooks = {}): (input: I) => Promise<O> {
  const inTransaction = <A, R>(body: (arg: A) => R) => {
    const transaction = db.transaction((arg: A) => {
      hooks.begin?.();
      return body(arg);
    });
    return (arg: A): R => {
      const result = transaction(arg);
      hooks.committed?.();
      return result;
    };
  };
  const commitGroup = inTransaction((inputs: I[]) => inputs.map((input) => write(input)));
  const commitOne = inTransaction(write);
  let queue: Array<Waiting<I, O>> = [];
  let seen = 0;
  let firstAt = 0;

  const flush = () => {
    const group = queue;
    queue = [];
    let outputs: O[];
    try {
      outputs = commitGroup(group.map((w) => w.input));
    } catch (error) {
      const storage = storageFailureCode(error);
      if (storage !== undefined && !storage.startsWith('SQLITE_FULL')) {
        for (const waiting of group) waiting.reject(error);
        return;
      }
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
