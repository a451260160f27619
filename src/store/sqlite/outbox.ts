import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { ClaimRequest, OutboxItem, OutboxKind, OutboxOutcome, OutboxStore } from '../outbox.js';
import { createSqliteOutboxAdmin } from './outbox-admin.js';
import { createSqliteEnqueue } from './outbox-enqueue.js';

interface ItemRow {
  id: number;
  kind: string;
  payload_json: string;
  size_bytes: number;
  merge_key: string | null;
  attempts: number;
  created_at: number;
}

const toItem = (row: ItemRow): OutboxItem => ({
  id: String(row.id),
  kind: row.kind as OutboxKind,
  payload: JSON.parse(row.payload_json) as Record<string, unknown>,
  mergeKey: row.merge_key ?? undefined,
  attempts: row.attempts,
  createdAt: new Date(row.created_at),
  sizeBytes: row.size_bytes,
});

export function createSqliteOutbox(db: Database): OutboxStore {
  const expireLeases = db.prepare(
    `UPDATE outbox_items SET state = 'pending', lease_id = NULL, lease_expires_at = NULL
     WHERE kind = ? AND state = 'in_flight' AND lease_expires_at <= ?`,
  );
  // Arrival order; an item waits while another update of the same person is in flight.
  const candidates = db.prepare<[string, number, number], ItemRow>(
    // INDEXED BY: walk the queue in id order and stop at LIMIT; the planner would otherwise pick the
    // due-time index and sort the whole backlog on every claim.
    `SELECT id, kind, payload_json, size_bytes, merge_key, attempts, created_at FROM outbox_items a INDEXED BY outbox_items_queue
     WHERE kind = ? AND state = 'pending' AND available_at <= ?
       AND (merge_key IS NULL OR NOT EXISTS (SELECT 1 FROM outbox_items b
            WHERE b.kind = a.kind AND b.merge_key = a.merge_key AND b.state = 'in_flight'))
     ORDER BY id LIMIT ?`,
  );
  // Whole sets in one statement each (ids as a JSON array): a 1,000-item batch is one UPDATE, not 1,000.
  const lease = db.prepare(
    `UPDATE outbox_items SET state = 'in_flight', lease_id = ?, lease_expires_at = ? WHERE id IN (SELECT value FROM json_each(?))`,
  );
  const remove = db.prepare(
    `DELETE FROM outbox_items WHERE lease_id = ? AND state = 'in_flight' AND id IN (SELECT value FROM json_each(?))`,
  );
  const leaseKind = db.prepare<[string], { kind: string }>(`SELECT kind FROM outbox_items WHERE lease_id = ? LIMIT 1`);
  const countDelivered = db.prepare(
    `INSERT INTO outbox_counters (kind, delivered, last_delivery_at) VALUES (?, ?, ?)
     ON CONFLICT (kind) DO UPDATE SET delivered = delivered + excluded.delivered, last_delivery_at = excluded.last_delivery_at`,
  );
  const retry = db.prepare(
    `UPDATE outbox_items SET state = 'pending', lease_id = NULL, lease_expires_at = NULL, available_at = ?,
       attempts = attempts + ?, error_json = COALESCE(?, error_json)
     WHERE id = ? AND lease_id = ? AND state = 'in_flight'`,
  );
  const bury = db.prepare(
    `UPDATE outbox_items SET state = 'dead', lease_id = NULL, lease_expires_at = NULL, dead_at = ?, error_json = ?
     WHERE id = ? AND lease_id = ? AND state = 'in_flight'`,
  );
  const releaseLease = db.prepare(
    `UPDATE outbox_items SET state = 'pending', lease_id = NULL, lease_expires_at = NULL, available_at = ?
     WHERE lease_id = ? AND state = 'in_flight'`,
  );
  const releaseAll = db.prepare(
    `UPDATE outbox_items SET state = 'pending', lease_id = NULL, lease_expires_at = NULL WHERE state = 'in_flight'`,
  );

  const claimTx = db.transaction((request: ClaimRequest) => {
    const now = request.now.getTime();
    expireLeases.run(request.kind, now);
    const rows = candidates.all(request.kind, now, request.limit);
    const leaseId = randomUUID();
    const items: OutboxItem[] = [];
    let bytes = 0;
    for (const row of rows) {
      if (items.length > 0 && request.maxBytes !== undefined && bytes + row.size_bytes > request.maxBytes) break;
      bytes += row.size_bytes;
      items.push(toItem(row));
    }
    if (items.length > 0) lease.run(leaseId, now + request.leaseMs, JSON.stringify(items.map((i) => Number(i.id))));
    return { leaseId, items };
  });

  const settleTx = db.transaction((leaseId: string, outcomes: OutboxOutcome[], now: number) => {
    let changed = 0;
    const delivered: number[] = [];
    for (const outcome of outcomes) {
      const id = Number(outcome.id);
      if (outcome.status === 'delivered') {
        delivered.push(id);
      } else if (outcome.status === 'retry') {
        const error = outcome.error ? JSON.stringify(outcome.error) : null;
        changed += retry.run(outcome.retryAt.getTime(), outcome.countAttempt ? 1 : 0, error, id, leaseId).changes;
      } else {
        changed += bury.run(now, JSON.stringify(outcome.error), id, leaseId).changes;
      }
    }
    // A claim holds one kind only, so the lease names the kind of every delivered item.
    const kind = delivered.length > 0 ? leaseKind.get(leaseId)?.kind : undefined;
    if (kind !== undefined) {
      const removed = remove.run(leaseId, JSON.stringify(delivered)).changes;
      if (removed > 0) countDelivered.run(kind, removed, now);
      changed += removed;
    }
    return changed;
  });

  return {
    enqueue: createSqliteEnqueue(db),
    async claim(request) {
      return claimTx(request);
    },
    async settle(leaseId, outcomes, now) {
      return settleTx(leaseId, outcomes, now.getTime());
    },
    async release(leaseId, now) {
      return releaseLease.run(now.getTime(), leaseId).changes;
    },
    async recoverLeases() {
      return releaseAll.run().changes;
    },
    ...createSqliteOutboxAdmin(db),
  };
}
