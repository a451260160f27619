import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { ClaimedBatch, ClaimRequest, OutboxItem, OutboxKind, OutboxOutcome, OutboxStore, VerifyingJob } from '../outbox.js';
import { createSqliteOutboxAdmin } from './outbox-admin.js';
import { createOutboxBacklog, type OutboxBacklog } from './outbox-backlog.js';
import { createSqliteEnqueue } from './outbox-enqueue.js';
import { purgedProfilePayload } from '../privacy-match.js';
import { ITEM_COLUMNS, toItem, type OutboxItemRow } from '../sql-rows.js';

/**
 * Outcomes apply to the items of one scope: a claim's lease (state in_flight) or a bulk job
 * (state verifying). A stale scope (the lease expired and the items were claimed again) changes nothing.
 * Items delivered or dead-lettered leave the backlog, counted once their transaction has committed.
 */
function createSettler(db: Database, scope: 'lease' | 'job', backlog: OutboxBacklog) {
  const match = scope === 'lease' ? `lease_id = @scope AND state = 'in_flight'` : `job_id = @scope AND state = 'verifying'`;
  const cleared = `lease_id = NULL, lease_expires_at = NULL, job_id = NULL`;
  const remove = db.prepare(`DELETE FROM outbox_items WHERE ${match} AND id IN (SELECT value FROM json_each(@ids))`);
  const kindOf = db.prepare<[{ scope: string }], { kind: string }>(`SELECT kind FROM outbox_items WHERE ${match} LIMIT 1`);
  const countDelivered = db.prepare(
    `INSERT INTO outbox_counters (kind, delivered, last_delivery_at) VALUES (?, ?, ?)
     ON CONFLICT (kind) DO UPDATE SET delivered = delivered + excluded.delivered, last_delivery_at = excluded.last_delivery_at`,
  );
  // An item purged by a privacy deletion (purged_by) is never retried nor dead-lettered: the sweep deletes it.
  const retry = db.prepare(
    `UPDATE outbox_items SET state = 'pending', ${cleared}, available_at = @retryAt,
       attempts = attempts + @count, error_json = COALESCE(@error, error_json)
     WHERE id = @id AND ${match} AND purged_by IS NULL`,
  );
  const bury = db.prepare(`UPDATE outbox_items SET state = 'dead', ${cleared}, dead_at = @now, error_json = @error WHERE id = @id AND ${match} AND purged_by IS NULL`);
  const sweep = db.prepare<[{ scope: string }], { kind: string }>(`DELETE FROM outbox_items WHERE ${match} AND purged_by IS NOT NULL RETURNING kind`);
  const verify = db.prepare(
    `UPDATE outbox_items SET state = 'verifying', lease_id = NULL, lease_expires_at = NULL, job_id = @jobId WHERE id = @id AND ${match}`,
  );

  const settle = db.transaction((scopeId: string, outcomes: OutboxOutcome[], now: number) => {
    let changed = 0;
    let left = 0;
    const delivered: number[] = [];
    // Read before any row leaves the scope: one scope holds one kind only.
    const kind = kindOf.get({ scope: scopeId })?.kind;
    for (const outcome of outcomes) {
      const id = Number(outcome.id);
      if (outcome.status === 'delivered') delivered.push(id);
      else if (outcome.status === 'retry') {
        const error = outcome.error ? JSON.stringify(outcome.error) : null;
        changed += retry.run({ retryAt: outcome.retryAt.getTime(), count: outcome.countAttempt ? 1 : 0, error, id, scope: scopeId }).changes;
      } else if (outcome.status === 'verifying') {
        changed += verify.run({ jobId: outcome.jobId, id, scope: scopeId }).changes;
      } else {
        const buried = bury.run({ now, error: JSON.stringify(outcome.error), id, scope: scopeId }).changes;
        changed += buried;
        left += buried;
      }
    }
    if (kind !== undefined && delivered.length > 0) {
      const removed = remove.run({ scope: scopeId, ids: JSON.stringify(delivered) }).changes;
      if (removed > 0) countDelivered.run(kind, removed, now);
      changed += removed;
      left += removed;
    }
    return { changed, left, kind: kind as OutboxKind | undefined };
  });
  const settleChunk = (scopeId: string, outcomes: OutboxOutcome[], now: number): number => {
    const { changed, left, kind } = settle(scopeId, outcomes, now);
    if (kind !== undefined && left > 0) backlog.adjust(kind, -left);
    return changed;
  };
  /**
   * After every chunk: what a privacy deletion purged from the scope leaves, whatever its outcome
   * (docs/privacy.md). A purged item accepted into a bulk job moved to `verifying` with the others
   * and goes when that job settles, so Klaviyo's deletion still comes after it.
   */
  const sweepPurged = (scopeId: string): number => sweepRows(backlog, sweep.all({ scope: scopeId }));
  return { settleChunk, sweepPurged };
}

/** Purged rows deleted outside a settle: they leave the backlog. */
function sweepRows(backlog: OutboxBacklog, rows: Array<{ kind: string }>): number {
  for (const row of rows) backlog.adjust(row.kind as OutboxKind, -1);
  return rows.length;
}

/**
 * Rows per claim or settle transaction. better-sqlite3 runs on the event loop, and one transaction
 * over a 1,000-item batch (1,000 JSON payloads read, five indexes updated, one commit) held it for
 * 15–70 ms here, stalling every request that arrived meanwhile; a chunk of 250 holds it a quarter
 * as long. A batch settled in chunks is not atomic, and need not be: a crash between chunks leaves
 * the rest leased, and leases are returned to pending at the next start (delivery is at least
 * once, and Klaviyo dedupes events on their unique_id).
 */
const CHUNK_ROWS = 250;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

async function settleInChunks(settler: ReturnType<typeof createSettler>, scope: string, outcomes: OutboxOutcome[], now: number): Promise<number> {
  let changed = 0;
  for (let start = 0; start < outcomes.length; start += CHUNK_ROWS) {
    if (start > 0) await yieldToEventLoop();
    changed += settler.settleChunk(scope, outcomes.slice(start, start + CHUNK_ROWS), now);
  }
  return changed + settler.sweepPurged(scope);
}

export interface SqliteOutboxOptions {
  /** Items of one kind waiting for delivery at which its enqueue is refused (OUTBOX_MAX_PENDING). */
  maxPendingPerKind?: number;
  /** The backlog count, when another sub-store (privacy) changes it too; else made here. */
  backlog?: OutboxBacklog;
}

export function createSqliteOutbox(db: Database, options: SqliteOutboxOptions = {}): OutboxStore {
  const backlog = options.backlog ?? createOutboxBacklog(db, options.maxPendingPerKind);
  // A lease that ends (expired, released, recovered) returns its items to pending, except those a
  // privacy deletion purged: they are deleted, never sent again (docs/privacy.md).
  const sweepExpired = db.prepare<[string, number], { kind: string }>(
    `DELETE FROM outbox_items WHERE kind = ? AND state = 'in_flight' AND lease_expires_at <= ? AND purged_by IS NOT NULL RETURNING kind`,
  );
  const sweepLease = db.prepare<[string], { kind: string }>(`DELETE FROM outbox_items WHERE lease_id = ? AND state = 'in_flight' AND purged_by IS NOT NULL RETURNING kind`);
  const sweepAll = db.prepare<[], { kind: string }>(`DELETE FROM outbox_items WHERE state = 'in_flight' AND purged_by IS NOT NULL RETURNING kind`);
  const expireLeases = db.prepare(
    `UPDATE outbox_items SET state = 'pending', lease_id = NULL, lease_expires_at = NULL
     WHERE kind = ? AND state = 'in_flight' AND lease_expires_at <= ?`,
  );
  // Arrival order; an item waits while another update of the same person is in flight or verifying,
  // and while the item it waits for (that person's profile, for consent) is unfinished.
  const candidates = db.prepare<[string, number, number], OutboxItemRow>(
    // INDEXED BY: walk the queue in id order and stop at LIMIT; the planner would otherwise pick the
    // due-time index and sort the whole backlog on every claim.
    `SELECT ${ITEM_COLUMNS} FROM outbox_items a INDEXED BY outbox_items_queue
     WHERE kind = ? AND state = 'pending' AND available_at <= ?
       AND (merge_key IS NULL OR NOT EXISTS (SELECT 1 FROM outbox_items b
            WHERE b.kind = a.kind AND b.merge_key = a.merge_key AND b.state IN ('in_flight', 'verifying')))
       AND (wait_key IS NULL OR NOT EXISTS (SELECT 1 FROM outbox_items c
            WHERE c.kind = a.wait_kind AND c.merge_key = a.wait_key AND c.state IN ('pending', 'in_flight', 'verifying')))
     ORDER BY id LIMIT ?`,
  );
  // Whole sets in one statement each (ids as a JSON array): a 1,000-item batch is one UPDATE, not 1,000.
  const lease = db.prepare(
    `UPDATE outbox_items SET state = 'in_flight', lease_id = ?, lease_expires_at = ? WHERE id IN (SELECT value FROM json_each(?))`,
  );
  const releaseLease = db.prepare(
    `UPDATE outbox_items SET state = 'pending', lease_id = NULL, lease_expires_at = NULL, available_at = ?
     WHERE lease_id = ? AND state = 'in_flight'`,
  );
  const releaseAll = db.prepare(
    `UPDATE outbox_items SET state = 'pending', lease_id = NULL, lease_expires_at = NULL WHERE state = 'in_flight'`,
  );
  const verifying = db.prepare<[string], OutboxItemRow & { job_id: string; purged_by: string | null }>(
    `SELECT ${ITEM_COLUMNS}, job_id, purged_by FROM outbox_items WHERE kind = ? AND state = 'verifying' ORDER BY id`,
  );

  /** One chunk of a claim: up to `limit` rows under `leaseId`, within what is left of the byte budget. */
  const claimChunk = db.transaction((request: ClaimRequest, leaseId: string, chunk: { limit: number; bytesLeft: number | undefined; takeFirst: boolean }) => {
    const now = request.now.getTime();
    const swept = chunk.takeFirst ? sweepExpired.all(request.kind, now) : [];
    if (chunk.takeFirst) expireLeases.run(request.kind, now);
    const rows = candidates.all(request.kind, now, chunk.limit);
    const items: OutboxItem[] = [];
    let bytes = 0;
    let full = false;
    for (const row of rows) {
      // The batch's first item is always taken, however large; later ones only within the budget.
      if ((items.length > 0 || !chunk.takeFirst) && chunk.bytesLeft !== undefined && bytes + row.size_bytes > chunk.bytesLeft) {
        full = true;
        break;
      }
      bytes += row.size_bytes;
      items.push(toItem(row));
    }
    if (items.length > 0) lease.run(leaseId, now + request.leaseMs, JSON.stringify(items.map((i) => Number(i.id))));
    return { items, bytes, full, exhausted: rows.length < chunk.limit, swept };
  });
  // A 1,000-item claim is taken CHUNK_ROWS at a time, one short transaction each, and the event
  // loop is free between them: requests arriving meanwhile wait for one chunk, not the batch.
  const claimInChunks = async (request: ClaimRequest): Promise<ClaimedBatch> => {
    const leaseId = randomUUID();
    const items: OutboxItem[] = [];
    let bytes = 0;
    while (items.length < request.limit) {
      const limit = Math.min(CHUNK_ROWS, request.limit - items.length);
      const chunk = claimChunk(request, leaseId, { limit, bytesLeft: request.maxBytes === undefined ? undefined : request.maxBytes - bytes, takeFirst: items.length === 0 });
      sweepRows(backlog, chunk.swept);
      items.push(...chunk.items);
      bytes += chunk.bytes;
      if (chunk.full || chunk.exhausted) break;
      await yieldToEventLoop();
    }
    return { leaseId, items };
  };
  const claimsInProgress = new Map<OutboxKind, Promise<unknown>>();
  const settleLease = createSettler(db, 'lease', backlog);
  const settleJob = createSettler(db, 'job', backlog);

  return {
    enqueue: createSqliteEnqueue(db, backlog),
    claim(request) {
      // One claim of a kind at a time: a second lane's claim starts once this one is whole, so the
      // chunks of concurrent claims never interleave and split a full batch into small ones.
      const run = (claimsInProgress.get(request.kind) ?? Promise.resolve()).then(() => claimInChunks(request));
      claimsInProgress.set(request.kind, run.catch(() => undefined));
      return run;
    },
    async settle(leaseId, outcomes, now) {
      return settleInChunks(settleLease, leaseId, outcomes, now.getTime());
    },
    async release(leaseId, now) {
      sweepRows(backlog, sweepLease.all(leaseId));
      return releaseLease.run(now.getTime(), leaseId).changes;
    },
    async recoverLeases() {
      sweepRows(backlog, sweepAll.all());
      return releaseAll.run().changes;
    },
    async verifyingJobs(kind) {
      const jobs = new Map<string, VerifyingJob>();
      for (const row of verifying.all(kind)) {
        const job = jobs.get(row.job_id) ?? { jobId: row.job_id, items: [] };
        // A purged item keeps its place, empty (OutboxStore.verifyingJobs); the job's settle deletes it.
        job.items.push(row.purged_by === null ? toItem(row) : { ...toItem(row), payload: purgedProfilePayload() });
        jobs.set(row.job_id, job);
      }
      return [...jobs.values()];
    },
    async settleJob(jobId, outcomes, now) {
      return settleInChunks(settleJob, jobId, outcomes, now.getTime());
    },
    ...createSqliteOutboxAdmin(db, backlog),
  };
}
