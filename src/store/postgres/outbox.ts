import { randomUUID } from 'node:crypto';
import { OUTBOX_KINDS, type OutboxKind, type OutboxKindStats, type OutboxOutcome, type OutboxStore, type VerifyingJob } from '../outbox.js';
import type { PgDatabase, PgExecutor } from './database.js';
import { createPgEnqueue } from './outbox-enqueue.js';
import { inTransaction } from './storage-errors.js';
import { purgedProfilePayload } from '../privacy-match.js';
import { ITEM_COLUMNS, toDeadLetter, toItem, type DeadLetterRow, type OutboxItemRow } from '../sql-rows.js';

const isId = (id: string) => /^\d{1,15}$/.test(id);

/**
 * Deletes the in-flight items a privacy deletion purged (purged_by) that `where` selects, and takes
 * them off the waiting counts: a purged item is never returned to pending (docs/privacy.md). Rare, so
 * the counters are touched only when something went.
 */
async function sweepPurged(tx: PgExecutor, where: string, values: unknown[]): Promise<number> {
  const { rows } = await tx.query<{ kind: string; n: number }>(
    `WITH gone AS (DELETE FROM outbox_items WHERE ${where} AND purged_by IS NOT NULL RETURNING kind)
     SELECT kind, COUNT(*) AS n FROM gone GROUP BY kind`,
    values,
  );
  if (rows.length === 0) return 0;
  await tx.query(
    'UPDATE outbox_counters c SET waiting = GREATEST(0, c.waiting - t.n) FROM json_to_recordset($1::json) AS t(kind text, n bigint) WHERE c.kind = t.kind',
    [JSON.stringify(rows)],
  );
  return rows.reduce((sum, row) => sum + row.n, 0);
}

/**
 * Applies outcomes to the items of one scope, a claim's lease (in_flight) or a bulk job (verifying),
 * in one transaction: one statement per outcome kind, then the counters (waiting less what left,
 * delivered plus what was delivered). A stale scope matches no row and changes nothing.
 */
async function settleScope(tx: PgExecutor, scope: 'lease' | 'job', scopeId: string, outcomes: OutboxOutcome[], now: number): Promise<number> {
  const match = scope === 'lease' ? `lease_id = $1 AND state = 'in_flight'` : `job_id = $1 AND state = 'verifying'`;
  const cleared = 'lease_id = NULL, lease_expires_at = NULL, job_id = NULL';
  const kind = (await tx.query<{ kind: string }>(`SELECT kind FROM outbox_items WHERE ${match} LIMIT 1`, [scopeId])).rows[0]?.kind;
  if (kind === undefined) return 0;
  const retries: unknown[] = [];
  const dead: unknown[] = [];
  const verifying: unknown[] = [];
  const delivered: number[] = [];
  for (const outcome of outcomes) {
    if (!isId(outcome.id)) continue;
    const id = Number(outcome.id);
    if (outcome.status === 'delivered') delivered.push(id);
    else if (outcome.status === 'retry') retries.push({ id, retry_at: outcome.retryAt.getTime(), n: outcome.countAttempt ? 1 : 0, error_json: outcome.error ? JSON.stringify(outcome.error) : null });
    else if (outcome.status === 'verifying') verifying.push({ id, job_id: outcome.jobId });
    else dead.push({ id, error_json: JSON.stringify(outcome.error) });
  }
  let changed = 0;
  let left = 0;
  // An item purged by a privacy deletion is never retried nor dead-lettered: the sweep below deletes it.
  if (retries.length > 0) {
    changed += (
      await tx.query(
        `UPDATE outbox_items o SET state = 'pending', ${cleared}, available_at = t.retry_at, attempts = o.attempts + t.n,
           error_json = COALESCE(t.error_json, o.error_json)
         FROM json_to_recordset($2::json) AS t(id bigint, retry_at bigint, n integer, error_json text) WHERE o.id = t.id AND ${match} AND o.purged_by IS NULL`,
        [scopeId, JSON.stringify(retries)],
      )
    ).rowCount;
  }
  if (verifying.length > 0) {
    changed += (
      await tx.query(
        `UPDATE outbox_items o SET state = 'verifying', lease_id = NULL, lease_expires_at = NULL, job_id = t.job_id
         FROM json_to_recordset($2::json) AS t(id bigint, job_id text) WHERE o.id = t.id AND ${match}`,
        [scopeId, JSON.stringify(verifying)],
      )
    ).rowCount;
  }
  if (dead.length > 0) {
    const buried = (
      await tx.query(
        `UPDATE outbox_items o SET state = 'dead', ${cleared}, dead_at = $3, error_json = t.error_json
         FROM json_to_recordset($2::json) AS t(id bigint, error_json text) WHERE o.id = t.id AND ${match} AND o.purged_by IS NULL`,
        [scopeId, JSON.stringify(dead), now],
      )
    ).rowCount;
    changed += buried;
    left += buried;
  }
  let removed = 0;
  if (delivered.length > 0) {
    removed = (await tx.query(`DELETE FROM outbox_items WHERE ${match} AND id IN (SELECT value::bigint FROM json_array_elements_text($2::json))`, [scopeId, JSON.stringify(delivered)])).rowCount;
    changed += removed;
    left += removed;
  }
  if (left > 0) {
    await tx.query(
      `UPDATE outbox_counters SET waiting = GREATEST(0, waiting - $2), delivered = delivered + $3,
         last_delivery_at = CASE WHEN $3 > 0 THEN $4 ELSE last_delivery_at END
       WHERE kind = $1`,
      [kind, left, removed, now],
    );
  }
  // What a privacy deletion purged leaves with its batch, whatever the outcome; a purged item that
  // went to `verifying` with the others goes when that job settles.
  return changed + (await sweepPurged(tx, match, [scopeId]));
}

export interface PgOutboxOptions {
  maxPendingPerKind: number;
}

export function createPgOutbox(db: PgDatabase, options: PgOutboxOptions): OutboxStore {
  return {
    enqueue: createPgEnqueue(db, options.maxPendingPerKind),
    async claim(request) {
      const leaseId = randomUUID();
      const now = request.now.getTime();
      const rows = await inTransaction(db, async (tx) => {
        // Claims of one kind take turns (across replicas too), so concurrent lanes never split id
        // order or lease two updates of one merge key; claims of other kinds go on.
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`klaviyo-bridge:claim:${request.kind}`]);
        await sweepPurged(tx, `kind = $1 AND state = 'in_flight' AND lease_expires_at <= $2`, [request.kind, now]);
        await tx.query(
          `UPDATE outbox_items SET state = 'pending', lease_id = NULL, lease_expires_at = NULL
           WHERE kind = $1 AND state = 'in_flight' AND lease_expires_at <= $2`,
          [request.kind, now],
        );
        // Arrival order; an item waits while another update of its person is in flight or verifying,
        // and while the item it waits for is unfinished. The first item is always taken; later ones
        // while the running byte total is within maxBytes.
        return (
          await tx.query<OutboxItemRow>(
            `WITH cand AS (
               SELECT id, size_bytes FROM outbox_items a
               WHERE kind = $1 AND state = 'pending' AND available_at <= $2
                 AND (merge_key IS NULL OR NOT EXISTS (SELECT 1 FROM outbox_items b
                      WHERE b.kind = a.kind AND b.merge_key = a.merge_key AND b.state IN ('in_flight', 'verifying')))
                 AND (wait_key IS NULL OR NOT EXISTS (SELECT 1 FROM outbox_items c
                      WHERE c.kind = a.wait_kind AND c.merge_key = a.wait_key AND c.state IN ('pending', 'in_flight', 'verifying')))
               ORDER BY id LIMIT $3
               FOR UPDATE OF a SKIP LOCKED),
             sized AS (SELECT id, row_number() OVER (ORDER BY id) AS rn, sum(size_bytes) OVER (ORDER BY id) AS total FROM cand)
             UPDATE outbox_items o SET state = 'in_flight', lease_id = $4, lease_expires_at = $5
             FROM sized WHERE o.id = sized.id AND (sized.rn = 1 OR $6::bigint IS NULL OR sized.total <= $6::bigint)
             RETURNING o.id, o.kind, o.payload_json, o.size_bytes, o.merge_key, o.attempts, o.created_at`,
            [request.kind, now, request.limit, leaseId, now + request.leaseMs, request.maxBytes ?? null],
          )
        ).rows;
      });
      return { leaseId, items: rows.sort((a, b) => a.id - b.id).map(toItem) };
    },
    async settle(leaseId, outcomes, now) {
      return inTransaction(db, (tx) => settleScope(tx, 'lease', leaseId, outcomes, now.getTime()));
    },
    async release(leaseId, now) {
      return inTransaction(db, async (tx) => {
        await sweepPurged(tx, `lease_id = $1 AND state = 'in_flight'`, [leaseId]);
        return (
          await tx.query(
            `UPDATE outbox_items SET state = 'pending', lease_id = NULL, lease_expires_at = NULL, available_at = $1
             WHERE lease_id = $2 AND state = 'in_flight'`,
            [now.getTime(), leaseId],
          )
        ).rowCount;
      });
    },
    async recoverLeases() {
      return inTransaction(db, async (tx) => {
        await sweepPurged(tx, `state = 'in_flight'`, []);
        return (await tx.query(`UPDATE outbox_items SET state = 'pending', lease_id = NULL, lease_expires_at = NULL WHERE state = 'in_flight'`)).rowCount;
      });
    },
    async verifyingJobs(kind) {
      const { rows } = await db.query<OutboxItemRow & { job_id: string; purged_by: string | null }>(
        `SELECT ${ITEM_COLUMNS}, job_id, purged_by FROM outbox_items WHERE kind = $1 AND state = 'verifying' ORDER BY id`,
        [kind],
      );
      const jobs = new Map<string, VerifyingJob>();
      for (const row of rows) {
        const job = jobs.get(row.job_id) ?? { jobId: row.job_id, items: [] };
        // A purged item keeps its place, empty (OutboxStore.verifyingJobs); the job's settle deletes it.
        job.items.push(row.purged_by === null ? toItem(row) : { ...toItem(row), payload: purgedProfilePayload() });
        jobs.set(row.job_id, job);
      }
      return [...jobs.values()];
    },
    async settleJob(jobId, outcomes, now) {
      return inTransaction(db, (tx) => settleScope(tx, 'job', jobId, outcomes, now.getTime()));
    },
    async readySummary(kind, now, cap) {
      const at = now.getTime();
      const { rows } = await db.query<{ ready: number; oldest: number | null; newest: number | null; next: number | null }>(
        `SELECT
           (SELECT COUNT(*) FROM (SELECT 1 FROM outbox_items WHERE kind = $1
              AND ((state = 'pending' AND available_at <= $2) OR (state = 'in_flight' AND lease_expires_at <= $2)) LIMIT $3) r) AS ready,
           (SELECT created_at FROM outbox_items WHERE kind = $1 AND state = 'pending' AND available_at <= $2 ORDER BY id LIMIT 1) AS oldest,
           (SELECT created_at FROM outbox_items WHERE kind = $1 AND state = 'pending' AND available_at <= $2 ORDER BY id DESC LIMIT 1) AS newest,
           (SELECT MIN(available_at) FROM outbox_items WHERE kind = $1 AND state = 'pending' AND available_at > $2) AS next`,
        [kind, at, cap],
      );
      const row = rows[0];
      return {
        ready: row?.ready ?? 0,
        oldestReadyAt: row?.oldest == null ? undefined : new Date(row.oldest),
        newestReadyAt: row?.newest == null ? undefined : new Date(row.newest),
        nextAvailableAt: row?.next == null ? undefined : new Date(row.next),
      };
    },
    async stats(now) {
      const kinds = Object.fromEntries(
        OUTBOX_KINDS.map((k): [OutboxKind, OutboxKindStats] => [k, { pending: 0, in_flight: 0, verifying: 0, delivered: 0, dead: 0, oldest_pending_age_s: null }]),
      ) as Record<OutboxKind, OutboxKindStats>;
      const counts = await db.query<{ kind: string; state: string; n: number }>('SELECT kind, state, COUNT(*) AS n FROM outbox_items GROUP BY kind, state');
      for (const row of counts.rows) {
        const entry = kinds[row.kind as OutboxKind];
        if (entry && (row.state === 'pending' || row.state === 'in_flight' || row.state === 'verifying' || row.state === 'dead')) entry[row.state] = row.n;
      }
      const counters = await db.query<{ kind: string; delivered: number; last_delivery_at: number | null; oldest: number | null }>(
        `SELECT c.kind, c.delivered, c.last_delivery_at,
           (SELECT created_at FROM outbox_items i WHERE i.kind = c.kind AND i.state = 'pending' ORDER BY id LIMIT 1) AS oldest
         FROM outbox_counters c`,
      );
      let last: number | undefined;
      for (const row of counters.rows) {
        const entry = kinds[row.kind as OutboxKind];
        if (entry) {
          entry.delivered = row.delivered;
          if (row.oldest !== null) entry.oldest_pending_age_s = Math.max(0, (now.getTime() - row.oldest) / 1000);
        }
        if (row.last_delivery_at !== null && (last === undefined || row.last_delivery_at > last)) last = row.last_delivery_at;
      }
      return { kinds, lastDeliveryAt: last === undefined ? undefined : new Date(last) };
    },
    async listDeadLetters({ kind, limit, cursor }) {
      const after = cursor !== undefined && isId(cursor) ? Number(cursor) : 0;
      const { rows } = await db.query<DeadLetterRow>(
        `SELECT id, kind, payload_json, error_json, attempts, created_at, dead_at FROM outbox_items
         WHERE state = 'dead' AND ($1::text IS NULL OR kind = $1::text) AND id > $2 ORDER BY id LIMIT $3`,
        [kind ?? null, after, limit + 1],
      );
      const page = rows.slice(0, limit).map(toDeadLetter);
      return { items: page, nextCursor: rows.length > limit ? page[page.length - 1]?.id : undefined };
    },
    async replayDeadLetters({ ids, kind }, now) {
      const valid = ids?.filter(isId);
      if (valid !== undefined && valid.length === 0) return 0;
      // Back to waiting: the counters grow by what each kind got back, in the same statement.
      const { rows } = await db.query<{ n: number }>(
        `WITH replayed AS (
           UPDATE outbox_items SET state = 'pending', attempts = 0, available_at = $1, dead_at = NULL
           WHERE state = 'dead' AND ($2::text IS NULL OR kind = $2::text)
             AND ($3::json IS NULL OR id IN (SELECT value::bigint FROM json_array_elements_text($3::json)))
           RETURNING kind),
         per_kind AS (SELECT kind, COUNT(*) AS n FROM replayed GROUP BY kind),
         counted AS (UPDATE outbox_counters c SET waiting = c.waiting + p.n FROM per_kind p WHERE c.kind = p.kind RETURNING p.n)
         SELECT COALESCE(SUM(n), 0) AS n FROM per_kind`,
        [now.getTime(), kind ?? null, valid === undefined ? null : JSON.stringify(valid.map(Number))],
      );
      return rows[0]?.n ?? 0;
    },
  };
}

