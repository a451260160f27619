import type { PgDatabase, PgExecutor } from './database.js';
import { inTransaction, pgConnectionFailureCode } from './storage-errors.js';

interface Waiting<I, O> {
  input: I;
  resolve(output: O): void;
  reject(error: unknown): void;
}

/**
 * Group commit for the writes that gate an acknowledgment, as ../sqlite/group-commit.ts: writes that
 * arrive together share one transaction (and one WAL flush on the server), written by `writeGroup`
 * with as few statements as it can (one multi-row statement per table). Each caller's promise settles
 * only after the commit holding its write, so a 2xx still means durably stored.
 *
 * When to commit: one group is in flight at a time. The first write waits one event-loop turn (every
 * request already readable joins it); writes arriving while a group commits form the next group,
 * which starts as soon as that commit returns. An idle service commits a lone write after one turn;
 * a busy one fills groups with whatever arrived during a round trip.
 *
 * If a group fails, each write is retried in a transaction of its own, so one bad write never fails
 * its neighbours, except on a connection failure (storage-errors.ts): every write alone would meet
 * the same server, so the whole group fails at once.
 */
export function createPgGroupCommit<I, O>(db: PgDatabase, writeGroup: (tx: PgExecutor, inputs: I[]) => Promise<O[]>): (input: I) => Promise<O> {
  let queue: Array<Waiting<I, O>> = [];
  let scheduled = false;
  let running = false;

  const commit = async (inputs: I[]): Promise<O[]> => inTransaction(db, (tx) => writeGroup(tx, inputs));

  const flush = async () => {
    scheduled = false;
    running = true;
    const group = queue;
    queue = [];
    try {
      const outputs = await commit(group.map((w) => w.input));
      group.forEach((waiting, i) => waiting.resolve(outputs[i] as O));
    } catch (error) {
      if (group.length === 1 || pgConnectionFailureCode(error) !== undefined) {
        for (const waiting of group) waiting.reject(error);
      } else {
        for (const waiting of group) {
          try {
            const [output] = await commit([waiting.input]);
            waiting.resolve(output as O);
          } catch (own) {
            waiting.reject(own);
          }
        }
      }
    } finally {
      running = false;
      if (queue.length > 0) schedule();
    }
  };

  const schedule = () => {
    if (scheduled || running) return;
    scheduled = true;
    setImmediate(() => void flush());
  };

  return (input) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ input, resolve, reject });
      schedule();
    });
}
