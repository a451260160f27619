import { FencedOutError } from '../leadership.js';
import type { PgDatabase, PgExecutor } from './database.js';

/** A statement that only reads needs no fence; everything else (INSERT, UPDATE, DELETE, WITH … UPDATE) does. */
const READ_ONLY = /^\s*SELECT\b/i;

/**
 * The database as the leader of `epoch` writes it (fencing, docs/replicas.md): every write runs in a
 * transaction that first takes a share lock on the leader row at that epoch. A newer leader's epoch
 * bump waits for those transactions, and once it has committed the check finds no row: the write
 * throws FencedOutError and changes nothing, so a deposed leader's late claims and settles fail.
 */
export function fencedDatabase(db: PgDatabase, epoch: number, onFencedOut: (epoch: number) => void): PgDatabase {
  const check = async (tx: PgExecutor) => {
    const current = await tx.query('SELECT 1 FROM replica_leader WHERE id = 1 AND epoch = $1 FOR SHARE', [epoch]);
    if (current.rowCount === 0 || current.rows.length === 0) {
      onFencedOut(epoch);
      throw new FencedOutError(epoch);
    }
  };
  const fenced: PgDatabase = {
    target: db.target,
    query: (text, values) =>
      READ_ONLY.test(text)
        ? db.query(text, values)
        : db.transaction(async (tx) => {
            await check(tx);
            return tx.query(text, values);
          }),
    exec: (sql) =>
      db.transaction(async (tx) => {
        await check(tx);
        await tx.exec(sql);
      }),
    transaction: (body) =>
      db.transaction(async (tx) => {
        await check(tx);
        return body(tx);
      }),
    // The view shares the store's connections: closing it closes nothing.
    close: async () => undefined,
  };
  return fenced;
}
