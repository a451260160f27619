import type { Database } from 'better-sqlite3';
import type { ForwardState, ForwardStore } from '../webhook-forwards.js';
import { FORWARD_COLUMNS, toClaimedForward, toForwardDelivery, type ClaimedForwardRow, type ForwardRow } from '../sql-rows.js';

export function createSqliteForwards(db: Database): ForwardStore {
  // Only for an event still stored: a privacy deletion may have purged it since it was dispatched.
  const insert = db.prepare(
    `INSERT INTO webhook_forwards (event_seq, target_url, state, attempts, next_attempt_at, created_at, updated_at)
     SELECT @seq, @url, 'pending', 0, @now, @now, @now WHERE EXISTS (SELECT 1 FROM webhook_events WHERE seq = @seq)
     ON CONFLICT (event_seq, target_url) DO NOTHING`,
  );
  const enqueueAll = db.transaction((pairs: Array<{ eventSeq: number; targetUrl: string }>, now: number) => {
    let created = 0;
    for (const pair of pairs) created += insert.run({ seq: pair.eventSeq, url: pair.targetUrl, now }).changes;
    return created;
  });
  const due = db.prepare<[number, number], ClaimedForwardRow>(
    `SELECT ${FORWARD_COLUMNS}, e.payload_json, e.klaviyo_account_id, e.klaviyo_webhook_id, e.received_at
     FROM webhook_forwards f JOIN webhook_events e ON e.seq = f.event_seq
     WHERE f.state = 'pending' AND f.next_attempt_at <= ? ORDER BY f.next_attempt_at, f.id LIMIT ?`,
  );
  const lease = db.prepare('UPDATE webhook_forwards SET next_attempt_at = ?, updated_at = ? WHERE id = ?');
  const claim = db.transaction((now: number, limit: number, leaseMs: number) => {
    const rows = due.all(now, limit);
    for (const row of rows) lease.run(now + leaseMs, now, row.id);
    return rows;
  });
  const delivered = db.prepare(
    `UPDATE webhook_forwards SET state = 'delivered', last_status = ?, last_error = NULL, delivered_at = ?, updated_at = ?
     WHERE id = ?`,
  );
  const failed = db.prepare(
    `UPDATE webhook_forwards SET state = ?, attempts = attempts + 1, next_attempt_at = ?, last_status = ?, last_error = ?,
     updated_at = ? WHERE id = ?`,
  );
  const dead = db.prepare<[number, number], ForwardRow>(
    `SELECT ${FORWARD_COLUMNS} FROM webhook_forwards f JOIN webhook_events e ON e.seq = f.event_seq
     WHERE f.state = 'dead' AND f.id < ? ORDER BY f.id DESC LIMIT ?`,
  );
  const replayOne = db.prepare(
    `UPDATE webhook_forwards SET state = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ? WHERE id = ? AND state = 'dead'`,
  );
  const replayAll = db.prepare(
    `UPDATE webhook_forwards SET state = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ? WHERE state = 'dead'`,
  );
  const replayIds = db.transaction((ids: number[], now: number) => {
    let changed = 0;
    for (const id of ids) changed += replayOne.run(now, now, id).changes;
    return changed;
  });
  const countStates = db.prepare<[], { state: ForwardState; n: number }>(
    'SELECT state, COUNT(*) AS n FROM webhook_forwards GROUP BY state',
  );
  const nextDue = db.prepare<[], { at: number | null }>(
    "SELECT MIN(next_attempt_at) AS at FROM webhook_forwards WHERE state = 'pending'",
  );

  return {
    async enqueue(pairs, now) {
      return pairs.length === 0 ? 0 : enqueueAll(pairs, now.getTime());
    },
    async claimDue(now, limit, leaseMs) {
      return claim(now.getTime(), limit, leaseMs).map(toClaimedForward);
    },
    async record(id, outcome, now) {
      const at = now.getTime();
      if (outcome.kind === 'delivered') {
        delivered.run(outcome.status, at, at, id);
        return;
      }
      const next = outcome.kind === 'retry' ? outcome.nextAttemptAt.getTime() : at;
      failed.run(outcome.kind === 'retry' ? 'pending' : 'dead', next, outcome.status ?? null, outcome.error, at, id);
    },
    async listDead(query) {
      return dead.all(query.beforeId ?? Number.MAX_SAFE_INTEGER, query.limit).map(toForwardDelivery);
    },
    async replayDead(ids, now) {
      const at = now.getTime();
      return ids === undefined ? replayAll.run(at, at).changes : replayIds(ids, at);
    },
    async counts() {
      const counts: Record<ForwardState, number> = { pending: 0, delivered: 0, dead: 0 };
      for (const row of countStates.all()) counts[row.state] = row.n;
      return counts;
    },
    async nextDueAt() {
      const row = nextDue.get();
      return row?.at == null ? undefined : new Date(row.at);
    },
  };
}
