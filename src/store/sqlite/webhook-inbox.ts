import type { Database } from 'better-sqlite3';
import type { InboxDeliveryInput, InboxListQuery, InboxStore } from '../webhook-inbox.js';
import { createGroupCommit } from './group-commit.js';
import { createInboxPrune } from './inbox-prune.js';
import { INBOX_COLUMNS, toInboxEvent, type InboxEventRow } from '../sql-rows.js';

export function createSqliteInbox(db: Database): InboxStore {
  // The dedupe key decides, not the event row: keys outlive pruned events (inbox-prune.ts), so a late
  // Klaviyo retry of a pruned event is still a duplicate.
  const insertKey = db.prepare('INSERT INTO webhook_dedupe_keys (external_id, received_at) VALUES (?, ?) ON CONFLICT (external_id) DO NOTHING');
  const insert = db.prepare(
    `INSERT INTO webhook_events (external_id, topic, payload_json, klaviyo_account_id, klaviyo_webhook_id, received_at)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (external_id) DO NOTHING`,
  );
  // Group commit (group-commit.ts): concurrent deliveries share one transaction and one fsync, and
  // each caller's promise (its 200) settles only after that commit.
  const storeDelivery = createGroupCommit(db, ({ delivery, receivedAt }: { delivery: InboxDeliveryInput; receivedAt: number }) => {
    let stored = 0;
    for (const event of delivery.events) {
      if (insertKey.run(event.externalId, receivedAt).changes === 0) continue;
      stored += insert.run(
        event.externalId,
        event.topic,
        JSON.stringify(event.payload),
        delivery.klaviyoAccountId ?? null,
        delivery.klaviyoWebhookId,
        receivedAt,
      ).changes;
    }
    return stored;
  });
  const undispatched = db.prepare<[number], InboxEventRow>(
    `SELECT ${INBOX_COLUMNS} FROM webhook_events WHERE dispatched_at IS NULL ORDER BY seq LIMIT ?`,
  );
  const markOne = db.prepare('UPDATE webhook_events SET dispatched_at = ? WHERE seq = ? AND dispatched_at IS NULL');
  const markAll = db.transaction((seqs: number[], at: number) => {
    for (const seq of seqs) markOne.run(at, seq);
  });

  return {
    async storeDelivery(delivery, receivedAt) {
      const stored = await storeDelivery({ delivery, receivedAt: receivedAt.getTime() });
      return { stored, duplicates: delivery.events.length - stored };
    },
    async list(query: InboxListQuery) {
      const where: string[] = [];
      const params: Array<string | number> = [];
      if (query.topic !== undefined) {
        where.push('topic = ?');
        params.push(query.topic);
      }
      if (query.since !== undefined) {
        where.push('received_at >= ?');
        params.push(query.since.getTime());
      }
      if (query.beforeSeq !== undefined) {
        where.push('seq < ?');
        params.push(query.beforeSeq);
      }
      const sql = `SELECT ${INBOX_COLUMNS} FROM webhook_events ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
                   ORDER BY seq DESC LIMIT ?`;
      return db.prepare<unknown[], InboxEventRow>(sql).all(...params, query.limit).map(toInboxEvent);
    },
    async listUndispatched(limit) {
      return undispatched.all(limit).map(toInboxEvent);
    },
    async markDispatched(seqs, at) {
      markAll(seqs, at.getTime());
    },
    prune: createInboxPrune(db),
  };
}
