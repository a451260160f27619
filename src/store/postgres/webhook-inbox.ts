import type { InboxDeliveryInput, InboxListQuery, InboxPruneRequest, InboxPruneResult, InboxStore } from '../webhook-inbox.js';
import type { PgDatabase, PgExecutor } from './database.js';
import { createPgGroupCommit } from './group-commit.js';
import { inTransaction } from './storage-errors.js';
import { INBOX_COLUMNS, toInboxEvent, type InboxEventRow } from '../sql-rows.js';

/** Rows per prune transaction, as on SQLite (../sqlite/inbox-prune.ts). */
const CHUNK_ROWS = 500;

interface Delivery {
  delivery: InboxDeliveryInput;
  receivedAt: number;
}

/**
 * Every event of a group, in arrival order, in ONE statement: the dedupe keys first (a key decides,
 * not the event row: keys outlive pruned events), then the events whose key was new. An external_id
 * repeated in the group is stored from its first occurrence, and counted stored for that caller only.
 */
async function storeGroup(tx: PgExecutor, group: Delivery[]): Promise<number[]> {
  const rows: Array<Record<string, unknown>> = [];
  for (const { delivery, receivedAt } of group) {
    for (const event of delivery.events) {
      rows.push({
        ord: rows.length,
        external_id: event.externalId,
        topic: event.topic,
        payload_json: JSON.stringify(event.payload) ?? 'null',
        account: delivery.klaviyoAccountId ?? null,
        webhook: delivery.klaviyoWebhookId,
        received_at: receivedAt,
      });
    }
  }
  if (rows.length === 0) return group.map(() => 0);
  const { rows: stored } = await tx.query<{ external_id: string }>(
    `WITH input AS (
       SELECT * FROM json_to_recordset($1::json)
         AS t(ord integer, external_id text, topic text, payload_json text, account text, webhook text, received_at bigint)),
     firsts AS (SELECT DISTINCT ON (external_id) * FROM input ORDER BY external_id, ord),
     keys AS (
       INSERT INTO webhook_dedupe_keys (external_id, received_at)
       SELECT external_id, received_at FROM firsts ON CONFLICT (external_id) DO NOTHING RETURNING external_id)
     INSERT INTO webhook_events (external_id, topic, payload_json, klaviyo_account_id, klaviyo_webhook_id, received_at)
     SELECT f.external_id, f.topic, f.payload_json, f.account, f.webhook, f.received_at
     FROM firsts f JOIN keys k ON k.external_id = f.external_id ORDER BY f.ord
     ON CONFLICT (external_id) DO NOTHING RETURNING external_id`,
    [JSON.stringify(rows)],
  );
  const fresh = new Set(stored.map((r) => r.external_id));
  return group.map(({ delivery }) => {
    let count = 0;
    for (const event of delivery.events) {
      if (fresh.delete(event.externalId)) count += 1;
    }
    return count;
  });
}

export function createPgInbox(db: PgDatabase): InboxStore {
  const storeDelivery = createPgGroupCommit(db, storeGroup);

  return {
    async storeDelivery(delivery, receivedAt) {
      const stored = await storeDelivery({ delivery, receivedAt: receivedAt.getTime() });
      return { stored, duplicates: delivery.events.length - stored };
    },
    async list(query: InboxListQuery) {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (clause: string, value: unknown) => {
        params.push(value);
        where.push(clause.replace('?', `$${params.length}`));
      };
      if (query.topic !== undefined) add('topic = ?', query.topic);
      if (query.since !== undefined) add('received_at >= ?', query.since.getTime());
      if (query.beforeSeq !== undefined) add('seq < ?', query.beforeSeq);
      params.push(query.limit);
      const sql = `SELECT ${INBOX_COLUMNS} FROM webhook_events ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
                   ORDER BY seq DESC LIMIT $${params.length}`;
      return (await db.query<InboxEventRow>(sql, params)).rows.map(toInboxEvent);
    },
    async listUndispatched(limit) {
      return (await db.query<InboxEventRow>(`SELECT ${INBOX_COLUMNS} FROM webhook_events WHERE dispatched_at IS NULL ORDER BY seq LIMIT $1`, [limit])).rows.map(toInboxEvent);
    },
    async markDispatched(seqs, at) {
      if (seqs.length === 0) return;
      await db.query(
        `UPDATE webhook_events SET dispatched_at = $1
         WHERE seq IN (SELECT value::bigint FROM json_array_elements_text($2::json)) AND dispatched_at IS NULL`,
        [at.getTime(), JSON.stringify(seqs)],
      );
    },
    prune: (request) => prune(db, request),
  };
}

/** InboxPruneRequest, as ../sqlite/inbox-prune.ts: oldest first from a cursor, in short transactions. */
async function prune(db: PgDatabase, { receivedBefore, keysBefore }: InboxPruneRequest): Promise<InboxPruneResult> {
  const before = receivedBefore.getTime();
  const keysCutoff = Math.min(keysBefore.getTime(), before);
  const result: InboxPruneResult = { events: 0, forwards: 0, keys: 0 };
  let cursor: { at: number; seq: number } | undefined = { at: Number.MIN_SAFE_INTEGER, seq: 0 };
  while (cursor !== undefined) {
    const from: { at: number; seq: number } = cursor;
    const chunk = await inTransaction(db, async (tx) => {
      const { rows } = await tx.query<{ seq: number; received_at: number }>(
        `SELECT seq, received_at FROM webhook_events e
         WHERE received_at < $1 AND (received_at, seq) > ($2::bigint, $3::bigint)
           AND dispatched_at IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM webhook_forwards f WHERE f.event_seq = e.seq AND f.state <> 'delivered')
         ORDER BY received_at, seq LIMIT $4
         FOR UPDATE SKIP LOCKED`,
        [before, from.at, from.seq, CHUNK_ROWS],
      );
      const last = rows[rows.length - 1];
      if (last === undefined) return { events: 0, forwards: 0, next: undefined };
      const seqs = JSON.stringify(rows.map((row) => row.seq));
      const inList = 'IN (SELECT value::bigint FROM json_array_elements_text($1::json))';
      const forwards = (await tx.query(`DELETE FROM webhook_forwards WHERE event_seq ${inList}`, [seqs])).rowCount;
      const events = (await tx.query(`DELETE FROM webhook_events WHERE seq ${inList}`, [seqs])).rowCount;
      return { events, forwards, next: rows.length < CHUNK_ROWS ? undefined : { at: last.received_at, seq: last.seq } };
    });
    result.events += chunk.events;
    result.forwards += chunk.forwards;
    cursor = chunk.next;
  }
  for (;;) {
    const keys = (
      await db.query(
        `DELETE FROM webhook_dedupe_keys WHERE external_id IN (
           SELECT k.external_id FROM webhook_dedupe_keys k
           WHERE k.received_at < $1 AND NOT EXISTS (SELECT 1 FROM webhook_events e WHERE e.external_id = k.external_id)
           LIMIT $2)`,
        [keysCutoff, CHUNK_ROWS],
      )
    ).rowCount;
    result.keys += keys;
    if (keys < CHUNK_ROWS) break;
  }
  return result;
}
