import type { Database } from 'better-sqlite3';
import type { OutboxKind } from '../outbox.js';
import { cacheKeysToDrop, identifierHash, jsonNames, prefilterNeedle, purgedMergeKey } from '../privacy-match.js';
import { PRIVACY_COLUMNS, toPrivacyDeletion, toQueuedDeletion, type PrivacyDeletionRow } from '../privacy-rows.js';
import type { PrivacyIdentifier, PrivacyStore, PurgeCounts } from '../privacy.js';
import type { OutboxBacklog } from './outbox-backlog.js';

interface Purged {
  counts: PurgeCounts;
  /** Items wiped in flight or verifying: they leave when their batch or job settles. */
  inFlight: number;
  /** Pending items deleted, per kind (dead ones were not in the backlog). */
  pending: Map<OutboxKind, number>;
}

const IDS = 'IN (SELECT value FROM json_each(?))';

/**
 * The privacy sub-store on SQLite (../privacy.ts). One process writes the file, so the purge needs
 * no locks: each transaction is synchronous. What it removed from the waiting outbox is taken off
 * the backlog count once the transaction has committed. After a deletion ends, the write-ahead log
 * is checkpointed and truncated, and `secure_delete` (open.ts) has zeroed the deleted rows, so the
 * files themselves no longer hold the identifier.
 */
export function createSqlitePrivacy(db: Database, backlog: OutboxBacklog): PrivacyStore {
  const salt = db.prepare<[], { salt: string }>('SELECT salt FROM privacy_salt WHERE id = 1').get()?.salt;
  if (salt === undefined) throw new Error('privacy_salt has no salt (migration 8 not applied?)');
  const prefiltered = (table: string, columns: string, json: string) => ({
    lower: db.prepare(`SELECT ${columns} FROM ${table} WHERE instr(lower(${json}), ?) > 0`),
    exact: db.prepare(`SELECT ${columns} FROM ${table} WHERE instr(${json}, ?) > 0`),
  });
  const outboxRows = prefiltered('outbox_items', 'id, kind, state, merge_key, payload_json AS json, purged_by', 'payload_json');
  const eventRows = prefiltered('webhook_events', 'seq, payload_json AS json', 'payload_json');
  const cacheRows = prefiltered('cache_entries', 'key, value_json AS json', 'value_json');
  const deleteItems = db.prepare(`DELETE FROM outbox_items WHERE id ${IDS}`);
  const wipeItem = db.prepare(
    `UPDATE outbox_items SET payload_json = '{}', size_bytes = 2, merge_key = ?, wait_kind = NULL, wait_key = NULL, error_json = NULL, purged_by = ?
     WHERE id = ?`,
  );
  const deleteForwards = db.prepare(`DELETE FROM webhook_forwards WHERE event_seq ${IDS}`);
  const deleteEvents = db.prepare(`DELETE FROM webhook_events WHERE seq ${IDS}`);
  const deleteCache = db.prepare(`DELETE FROM cache_entries WHERE key ${IDS}`);
  const insert = db.prepare(
    `INSERT INTO privacy_deletions (id, kind, status, identifier, identifier_hash, requested_at, next_attempt_at, purged_outbox, purged_webhook_events, purged_forwards)
     VALUES (@id, @kind, 'queued', @identifier, @hash, @at, @at, @outbox, @events, @forwards)`,
  );
  const byId = db.prepare<[string], PrivacyDeletionRow>(`SELECT ${PRIVACY_COLUMNS} FROM privacy_deletions WHERE id = ?`);
  const due = db.prepare<[number, number], PrivacyDeletionRow>(
    `SELECT ${PRIVACY_COLUMNS} FROM privacy_deletions WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, seq LIMIT ?`,
  );
  const unsettled = db.prepare<[string, number], { n: number }>(
    `SELECT COUNT(*) AS n FROM outbox_items WHERE purged_by = ? AND (state = 'verifying' OR (state = 'in_flight' AND lease_expires_at > ?))`,
  );
  const addCounts = db.prepare(
    `UPDATE privacy_deletions SET purged_outbox = purged_outbox + @outbox, purged_webhook_events = purged_webhook_events + @events,
       purged_forwards = purged_forwards + @forwards WHERE id = @id`,
  );
  const postpone = db.prepare(`UPDATE privacy_deletions SET attempts = attempts + 1, next_attempt_at = ?, error_json = ? WHERE id = ? AND status = 'queued'`);
  const finish = db.prepare(
    `UPDATE privacy_deletions SET status = @status, identifier = NULL, sent_at = @sentAt, finished_at = @at, error_json = @error
     WHERE id = @id AND status = 'queued'`,
  );

  const matching = <R extends { json: string }>(statements: ReturnType<typeof prefiltered>, identifier: PrivacyIdentifier): R[] => {
    const needle = prefilterNeedle(identifier);
    const rows = (needle.lowerCase ? statements.lower : statements.exact).all(needle.text) as R[];
    return rows.filter((row) => jsonNames(row.json, identifier));
  };

  /** Runs inside the caller's transaction. */
  const purge = (identifier: PrivacyIdentifier, deletionId: string): Purged => {
    const items = matching<{ id: number; kind: OutboxKind; state: string; merge_key: string | null; json: string; purged_by: string | null }>(outboxRows, identifier).filter((row) => row.purged_by === null);
    const gone = items.filter((row) => row.state === 'pending' || row.state === 'dead');
    const live = items.filter((row) => row.state === 'in_flight' || row.state === 'verifying');
    if (gone.length > 0) deleteItems.run(JSON.stringify(gone.map((row) => row.id)));
    for (const row of live) wipeItem.run(purgedMergeKey(salt, row.merge_key), deletionId, row.id);
    const pending = new Map<OutboxKind, number>();
    for (const row of gone) if (row.state === 'pending') pending.set(row.kind, (pending.get(row.kind) ?? 0) + 1);

    const seqs = JSON.stringify(matching<{ seq: number; json: string }>(eventRows, identifier).map((row) => row.seq));
    const forwards = deleteForwards.run(seqs).changes; // first: a forward references its event
    const events = deleteEvents.run(seqs).changes;
    const keys = cacheKeysToDrop(matching<{ key: string; json: string }>(cacheRows, identifier).map((row) => row.key));
    if (keys.length > 0) deleteCache.run(JSON.stringify(keys));
    return { counts: { outbox: items.length, webhook_events: events, forwards }, inFlight: live.length, pending };
  };
  const committed = ({ pending }: Purged) => {
    for (const [kind, n] of pending) backlog.adjust(kind, -n);
  };

  const request = db.transaction((input: Parameters<PrivacyStore['request']>[0]) => {
    const purged = purge(input.identifier, input.id);
    const { outbox, webhook_events: events, forwards } = purged.counts;
    insert.run({ id: input.id, kind: input.identifier.kind, identifier: input.identifier.value, hash: identifierHash(salt, input.identifier), at: input.requestedAt.getTime(), outbox, events, forwards });
    return purged;
  });
  const ready = db.transaction((id: string, now: number): { ready: boolean; purged?: Purged } => {
    if ((unsettled.get(id, now)?.n ?? 0) > 0) return { ready: false };
    const row = byId.get(id);
    if (!row || row.status !== 'queued') return { ready: false };
    const purged = purge(toQueuedDeletion(row).identifier, id);
    const { outbox, webhook_events: events, forwards } = purged.counts;
    if (outbox + events + forwards > 0) addCounts.run({ id, outbox, events, forwards });
    return { ready: purged.inFlight === 0, purged };
  });

  return {
    async request(input) {
      committed(request(input));
      const row = byId.get(input.id);
      if (!row) throw new Error(`privacy deletion ${input.id} vanished after its insert`);
      return toPrivacyDeletion(row);
    },
    async get(id) {
      const row = byId.get(id);
      return row ? toPrivacyDeletion(row) : undefined;
    },
    async due(now, limit) {
      return due.all(now.getTime(), limit).map(toQueuedDeletion);
    },
    async readyToSend(id, now) {
      const result = ready(id, now.getTime());
      if (result.purged) committed(result.purged);
      return result.ready;
    },
    async postpone(id, until, error) {
      return postpone.run(until.getTime(), JSON.stringify(error), id).changes === 1;
    },
    async finish(id, outcome) {
      const at = outcome.at.getTime();
      const error = outcome.status === 'failed' ? JSON.stringify(outcome.error) : null;
      const changed = finish.run({ id, status: outcome.status, sentAt: outcome.status === 'sent' ? at : null, at, error }).changes === 1;
      // The identifier's old page images live on in the write-ahead log until it is reset: truncate it.
      if (changed) db.pragma('wal_checkpoint(TRUNCATE)');
      return changed;
    },
  };
}
