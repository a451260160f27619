import type { ForwardState, ForwardStore } from '../webhook-forwards.js';
import type { PgDatabase } from './database.js';
import { FORWARD_COLUMNS, toClaimedForward, toForwardDelivery, type ClaimedForwardRow, type ForwardRow } from '../sql-rows.js';

const idList = (param: string) => `(SELECT value::bigint FROM json_array_elements_text(${param}::json))`;

export function createPgForwards(db: PgDatabase): ForwardStore {
  return {
    async enqueue(pairs, now) {
      if (pairs.length === 0) return 0;
      const at = now.getTime();
      return (
        await db.query(
          `INSERT INTO webhook_forwards (event_seq, target_url, state, attempts, next_attempt_at, created_at, updated_at)
           SELECT t.event_seq, t.target_url, 'pending', 0, $2, $2, $2
           FROM json_to_recordset($1::json) AS t(event_seq bigint, target_url text)
           -- Only for an event still stored: a privacy deletion may have purged it since it was dispatched.
           WHERE EXISTS (SELECT 1 FROM webhook_events e WHERE e.seq = t.event_seq)
           ON CONFLICT (event_seq, target_url) DO NOTHING`,
          [JSON.stringify(pairs.map((p) => ({ event_seq: p.eventSeq, target_url: p.targetUrl }))), at],
        )
      ).rowCount;
    },
    async claimDue(now, limit, leaseMs) {
      const at = now.getTime();
      // One statement: lock the due rows (SKIP LOCKED: another replica's claim takes others), lease
      // them by moving next_attempt_at to the lease end, and read them with their events.
      const { rows } = await db.query<ClaimedForwardRow>(
        `WITH due AS (
           SELECT id, next_attempt_at AS due_at FROM webhook_forwards
           WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2
           FOR UPDATE SKIP LOCKED),
         leased AS (
           UPDATE webhook_forwards w SET next_attempt_at = $3, updated_at = $1 FROM due WHERE w.id = due.id
           RETURNING w.id, w.event_seq, w.target_url, w.state, w.attempts, due.due_at AS next_attempt_at,
                     w.last_status, w.last_error, w.created_at, w.delivered_at)
         SELECT ${FORWARD_COLUMNS}, e.payload_json, e.klaviyo_account_id, e.klaviyo_webhook_id, e.received_at
         FROM leased f JOIN webhook_events e ON e.seq = f.event_seq ORDER BY f.next_attempt_at, f.id`,
        [at, limit, at + leaseMs],
      );
      return rows.map(toClaimedForward);
    },
    async record(id, outcome, now) {
      const at = now.getTime();
      if (outcome.kind === 'delivered') {
        await db.query(
          `UPDATE webhook_forwards SET state = 'delivered', last_status = $1, last_error = NULL, delivered_at = $2, updated_at = $2 WHERE id = $3`,
          [outcome.status, at, id],
        );
        return;
      }
      const next = outcome.kind === 'retry' ? outcome.nextAttemptAt.getTime() : at;
      await db.query(
        `UPDATE webhook_forwards SET state = $1, attempts = attempts + 1, next_attempt_at = $2, last_status = $3, last_error = $4,
         updated_at = $5 WHERE id = $6`,
        [outcome.kind === 'retry' ? 'pending' : 'dead', next, outcome.status ?? null, outcome.error, at, id],
      );
    },
    async listDead(query) {
      const { rows } = await db.query<ForwardRow>(
        `SELECT ${FORWARD_COLUMNS} FROM webhook_forwards f JOIN webhook_events e ON e.seq = f.event_seq
         WHERE f.state = 'dead' AND f.id < $1 ORDER BY f.id DESC LIMIT $2`,
        [query.beforeId ?? Number.MAX_SAFE_INTEGER, query.limit],
      );
      return rows.map(toForwardDelivery);
    },
    async replayDead(ids, now) {
      const at = now.getTime();
      const set = `UPDATE webhook_forwards SET state = 'pending', attempts = 0, next_attempt_at = $1, updated_at = $1 WHERE state = 'dead'`;
      if (ids === undefined) return (await db.query(set, [at])).rowCount;
      const valid = ids.filter((id) => Number.isSafeInteger(id));
      if (valid.length === 0) return 0;
      return (await db.query(`${set} AND id IN ${idList('$2')}`, [at, JSON.stringify(valid)])).rowCount;
    },
    async counts() {
      const counts: Record<ForwardState, number> = { pending: 0, delivered: 0, dead: 0 };
      const { rows } = await db.query<{ state: ForwardState; n: number }>('SELECT state, COUNT(*) AS n FROM webhook_forwards GROUP BY state');
      for (const row of rows) counts[row.state] = row.n;
      return counts;
    },
    async nextDueAt() {
      const { rows } = await db.query<{ at: number | null }>("SELECT MIN(next_attempt_at) AS at FROM webhook_forwards WHERE state = 'pending'");
      const at = rows[0]?.at;
      return at == null ? undefined : new Date(at);
    },
  };
}
