import type { Database } from 'better-sqlite3';
import { OUTBOX_KINDS, type OutboxKind } from '../outbox.js';

/** OUTBOX_MAX_PENDING's default: items of one kind waiting for delivery before ingest of it is refused. */
export const DEFAULT_MAX_PENDING_PER_KIND = 1_000_000;

/**
 * How many items of each kind wait for delivery (pending, in flight or verifying; not dead), for the
 * backpressure cap. Counted once at open (one indexed scan) and then kept exact in memory: +1 per item
 * inserted (an item merged into a pending one adds none), − per item delivered or dead-lettered, a
 * recount after a replay of dead letters. Exact because this process is the store's only writer
 * (store-lock.ts), and cheap: no COUNT over a million rows per request.
 *
 * Group commit (group-commit.ts) puts several requests in one transaction, so the count a request is
 * checked against includes what earlier requests of the same transaction added (`add`), and those
 * additions count for good only once the transaction commits (`commit`); a rolled-back transaction's
 * are dropped at the next `begin`.
 */
export interface OutboxBacklog {
  readonly cap: number;
  /** Items of `kind` waiting, including those the open transaction added. */
  waiting(kind: OutboxKind): number;
  begin(): void;
  add(kind: OutboxKind, items: number): void;
  commit(): void;
  /** A committed change made outside group commit (a settle): `items` may be negative. */
  adjust(kind: OutboxKind, items: number): void;
  recount(): void;
}

const zero = () => Object.fromEntries(OUTBOX_KINDS.map((kind) => [kind, 0])) as Record<OutboxKind, number>;

export function createOutboxBacklog(db: Database, cap = DEFAULT_MAX_PENDING_PER_KIND): OutboxBacklog {
  // INDEXED BY: the (kind, state, id) index covers the count; the table itself is never read.
  const count = db.prepare<[], { kind: string; n: number }>(
    `SELECT kind, COUNT(*) AS n FROM outbox_items INDEXED BY outbox_items_queue
     WHERE state IN ('pending', 'in_flight', 'verifying') GROUP BY kind`,
  );
  let committed = zero();
  let staged = zero();
  const backlog: OutboxBacklog = {
    cap,
    waiting: (kind) => committed[kind] + staged[kind],
    begin() {
      staged = zero();
    },
    add(kind, items) {
      staged[kind] += items;
    },
    commit() {
      for (const kind of OUTBOX_KINDS) committed[kind] += staged[kind];
      staged = zero();
    },
    adjust(kind, items) {
      committed[kind] = Math.max(0, committed[kind] + items);
    },
    recount() {
      committed = zero();
      for (const row of count.all()) if (row.kind in committed) committed[row.kind as OutboxKind] = row.n;
    },
  };
  backlog.recount();
  return backlog;
}
