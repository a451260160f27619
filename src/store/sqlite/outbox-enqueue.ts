import type { Database } from 'better-sqlite3';
import { mergePayloads } from '../merge-payload.js';
import type { EnqueueResult, NewOutboxItem, OutboxEntry } from '../outbox.js';
import { createGroupCommit } from './group-commit.js';

/**
 * Ingest writes with group commit (group-commit.ts): concurrent requests share one transaction and
 * one fsync. Each request's items and dedupe keys still commit atomically, before its promise
 * resolves.
 */
export function createSqliteEnqueue(db: Database): (entries: OutboxEntry[], now: Date) => Promise<EnqueueResult[]> {
  const insertKey = db.prepare('INSERT INTO outbox_dedupe_keys (key, created_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING');
  const newestPending = db.prepare<[string, string], { id: number; payload_json: string }>(
    `SELECT id, payload_json FROM outbox_items
     WHERE kind = ? AND merge_key = ? AND state = 'pending' ORDER BY id DESC LIMIT 1`,
  );
  const updatePayload = db.prepare('UPDATE outbox_items SET payload_json = ?, size_bytes = ? WHERE id = ?');
  const insertItem = db.prepare(
    `INSERT INTO outbox_items (kind, state, payload_json, size_bytes, merge_key, available_at, created_at, wait_kind, wait_key)
     VALUES (?, 'pending', ?, ?, ?, ?, ?, ?, ?)`,
  );

  const storeItem = (item: NewOutboxItem, now: number) => {
    if (item.mergeKey !== undefined) {
      const existing = newestPending.get(item.kind, item.mergeKey);
      if (existing) {
        const merged = JSON.stringify(mergePayloads(JSON.parse(existing.payload_json) as Record<string, unknown>, item.payload));
        updatePayload.run(merged, Buffer.byteLength(merged), existing.id);
        return;
      }
    }
    const json = JSON.stringify(item.payload);
    insertItem.run(item.kind, json, Buffer.byteLength(json), item.mergeKey ?? null, now, now, item.waitFor?.kind ?? null, item.waitFor?.mergeKey ?? null);
  };

  const storeEntries = (entries: OutboxEntry[], now: number): EnqueueResult[] =>
    entries.map((entry) => {
      if (entry.dedupeKey !== undefined && insertKey.run(entry.dedupeKey, now).changes === 0) return 'duplicate';
      for (const item of entry.items) storeItem(item, now);
      return 'accepted';
    });

  const enqueue = createGroupCommit(db, ({ entries, now }: { entries: OutboxEntry[]; now: number }) => storeEntries(entries, now));
  return (entries, now) => enqueue({ entries, now: now.getTime() });
}
