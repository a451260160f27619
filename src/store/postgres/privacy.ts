import { cacheKeysToDrop, identifierHash, jsonNames, prefilterNeedle, purgedMergeKey } from '../privacy-match.js';
import { PRIVACY_COLUMNS, toPrivacyDeletion, toQueuedDeletion, type PrivacyDeletionRow } from '../privacy-rows.js';
import type { PrivacyIdentifier, PrivacyStore, PurgeCounts } from '../privacy.js';
import type { PgDatabase, PgExecutor } from './database.js';
import { inTransaction } from './storage-errors.js';

const ANY_ID = 'ANY(SELECT value::bigint FROM json_array_elements_text($1::json))';

interface OutboxRow {
  id: number;
  kind: string;
  state: string;
  merge_key: string | null;
  json: string;
}

/**
 * The purge in one transaction (../privacy.ts), on any replica while the leader claims and settles.
 * Lock order, so that it never deadlocks with them: the matching items in flight or verifying first
 * (as a settle: items, then the counters), then the counters of the kinds losing pending items, in
 * kind order (as an enqueue: counters, then pending items), then those pending and dead items. A
 * pending item claimed meanwhile is found in flight when locked and wiped instead; an item stored
 * after the scan is purged by readyToSend's second pass.
 */
async function purge(tx: PgExecutor, salt: string, identifier: PrivacyIdentifier, deletionId: string): Promise<{ counts: PurgeCounts; inFlight: number }> {
  const needle = prefilterNeedle(identifier);
  const contains = (column: string) => (needle.lowerCase ? `strpos(lower(${column}), $1) > 0` : `strpos(${column}, $1) > 0`);
  const wipe = async (rows: OutboxRow[]) => {
    if (rows.length === 0) return;
    await tx.query(
      `UPDATE outbox_items o SET payload_json = '{}', size_bytes = 2, merge_key = t.merge_key, wait_kind = NULL, wait_key = NULL, error_json = NULL, purged_by = $2
       FROM json_to_recordset($1::json) AS t(id bigint, merge_key text) WHERE o.id = t.id`,
      [JSON.stringify(rows.map((row) => ({ id: row.id, merge_key: purgedMergeKey(salt, row.merge_key) }))), deletionId],
    );
  };

  const live = (
    await tx.query<OutboxRow>(
      `SELECT id, kind, state, merge_key, payload_json AS json FROM outbox_items
       WHERE state IN ('in_flight', 'verifying') AND purged_by IS NULL AND ${contains('payload_json')} ORDER BY id FOR UPDATE`,
      [needle.text],
    )
  ).rows.filter((row) => jsonNames(row.json, identifier));
  await wipe(live);

  const waiting = (
    await tx.query<OutboxRow>(`SELECT id, kind, state, merge_key, payload_json AS json FROM outbox_items WHERE state IN ('pending', 'dead') AND purged_by IS NULL AND ${contains('payload_json')}`, [
      needle.text,
    ])
  ).rows.filter((row) => jsonNames(row.json, identifier));
  let outbox = live.length;
  let inFlight = live.length;
  if (waiting.length > 0) {
    const kinds = [...new Set(waiting.map((row) => row.kind))].sort();
    await tx.query('SELECT kind FROM outbox_counters WHERE kind = ANY($1::text[]) ORDER BY kind FOR UPDATE', [kinds]);
    const locked = (await tx.query<OutboxRow>(`SELECT id, kind, state, merge_key, '' AS json FROM outbox_items WHERE id = ${ANY_ID} AND purged_by IS NULL FOR UPDATE`, [JSON.stringify(waiting.map((row) => row.id))])).rows;
    const claimed = locked.filter((row) => row.state === 'in_flight' || row.state === 'verifying');
    const gone = locked.filter((row) => row.state === 'pending' || row.state === 'dead');
    await wipe(claimed);
    if (gone.length > 0) await tx.query(`DELETE FROM outbox_items WHERE id = ${ANY_ID}`, [JSON.stringify(gone.map((row) => row.id))]);
    const pending = new Map<string, number>();
    for (const row of gone) if (row.state === 'pending') pending.set(row.kind, (pending.get(row.kind) ?? 0) + 1);
    if (pending.size > 0) {
      await tx.query('UPDATE outbox_counters c SET waiting = GREATEST(0, c.waiting - t.n) FROM json_to_recordset($1::json) AS t(kind text, n bigint) WHERE c.kind = t.kind', [
        JSON.stringify([...pending].map(([kind, n]) => ({ kind, n }))),
      ]);
    }
    outbox += claimed.length + gone.length;
    inFlight += claimed.length;
  }

  const events = (await tx.query<{ seq: number; json: string }>(`SELECT seq, payload_json AS json FROM webhook_events WHERE ${contains('payload_json')}`, [needle.text])).rows.filter((row) =>
    jsonNames(row.json, identifier),
  );
  let forwards = 0;
  let eventsGone = 0;
  if (events.length > 0) {
    const seqs = JSON.stringify(events.map((row) => row.seq));
    forwards = (await tx.query(`DELETE FROM webhook_forwards WHERE event_seq = ${ANY_ID}`, [seqs])).rowCount;
    eventsGone = (await tx.query(`DELETE FROM webhook_events WHERE seq = ${ANY_ID}`, [seqs])).rowCount;
  }
  const cached = (await tx.query<{ key: string; json: string }>(`SELECT key, value_json AS json FROM cache_entries WHERE ${contains('value_json')}`, [needle.text])).rows.filter((row) =>
    jsonNames(row.json, identifier),
  );
  if (cached.length > 0) await tx.query('DELETE FROM cache_entries WHERE key = ANY($1::text[])', [cacheKeysToDrop(cached.map((row) => row.key))]);
  return { counts: { outbox, webhook_events: eventsGone, forwards }, inFlight };
}

export function createPgPrivacy(db: PgDatabase): PrivacyStore {
  let salt: string | undefined;
  const saltOf = async (tx: PgExecutor): Promise<string> => {
    salt ??= (await tx.query<{ salt: string }>('SELECT salt FROM privacy_salt WHERE id = 1')).rows[0]?.salt;
    if (salt === undefined) throw new Error('privacy_salt has no salt (migration 7 not applied?)');
    return salt;
  };
  const byId = async (tx: PgExecutor, id: string, lock = '') => (await tx.query<PrivacyDeletionRow>(`SELECT ${PRIVACY_COLUMNS} FROM privacy_deletions WHERE id = $1 ${lock}`, [id])).rows[0];

  return {
    async request(input) {
      return inTransaction(db, async (tx) => {
        const { counts } = await purge(tx, await saltOf(tx), input.identifier, input.id);
        const at = input.requestedAt.getTime();
        await tx.query(
          `INSERT INTO privacy_deletions (id, kind, status, identifier, identifier_hash, requested_at, next_attempt_at, purged_outbox, purged_webhook_events, purged_forwards)
           VALUES ($1, $2, 'queued', $3, $4, $5, $5, $6, $7, $8)`,
          [input.id, input.identifier.kind, input.identifier.value, identifierHash(await saltOf(tx), input.identifier), at, counts.outbox, counts.webhook_events, counts.forwards],
        );
        const row = await byId(tx, input.id);
        if (!row) throw new Error(`privacy deletion ${input.id} vanished after its insert`);
        return toPrivacyDeletion(row);
      });
    },
    async get(id) {
      const row = await byId(db, id);
      return row ? toPrivacyDeletion(row) : undefined;
    },
    async due(now, limit) {
      const { rows } = await db.query<PrivacyDeletionRow>(
        `SELECT ${PRIVACY_COLUMNS} FROM privacy_deletions WHERE status = 'queued' AND next_attempt_at <= $1 ORDER BY next_attempt_at, seq LIMIT $2`,
        [now.getTime(), limit],
      );
      return rows.map(toQueuedDeletion);
    },
    async readyToSend(id, now) {
      return inTransaction(db, async (tx) => {
        const { rows } = await tx.query<{ n: number }>(
          `SELECT COUNT(*) AS n FROM outbox_items WHERE purged_by = $1 AND (state = 'verifying' OR (state = 'in_flight' AND lease_expires_at > $2))`,
          [id, now.getTime()],
        );
        if ((rows[0]?.n ?? 0) > 0) return false;
        const row = await byId(tx, id, 'FOR UPDATE');
        if (!row || row.status !== 'queued') return false;
        const { counts, inFlight } = await purge(tx, await saltOf(tx), toQueuedDeletion(row).identifier, id);
        if (counts.outbox + counts.webhook_events + counts.forwards > 0) {
          await tx.query(
            `UPDATE privacy_deletions SET purged_outbox = purged_outbox + $2, purged_webhook_events = purged_webhook_events + $3, purged_forwards = purged_forwards + $4 WHERE id = $1`,
            [id, counts.outbox, counts.webhook_events, counts.forwards],
          );
        }
        return inFlight === 0;
      });
    },
    async postpone(id, until, error) {
      return (await db.query(`UPDATE privacy_deletions SET attempts = attempts + 1, next_attempt_at = $2, error_json = $3 WHERE id = $1 AND status = 'queued'`, [id, until.getTime(), JSON.stringify(error)])).rowCount === 1;
    },
    async finish(id, outcome) {
      const at = outcome.at.getTime();
      const { rowCount } = await db.query(
        `UPDATE privacy_deletions SET status = $2, identifier = NULL, sent_at = $3, finished_at = $4, error_json = $5 WHERE id = $1 AND status = 'queued'`,
        [id, outcome.status, outcome.status === 'sent' ? at : null, at, outcome.status === 'failed' ? JSON.stringify(outcome.error) : null],
      );
      return rowCount === 1;
    },
  };
}
