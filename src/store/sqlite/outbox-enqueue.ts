import type { Database } from 'better-sqlite3';
import { mergePayloads } from '../merge-payload.js';
import type { EnqueueResult, NewOutboxItem, OutboxEntry } from '../outbox.js';

interface Waiting {
  entries: OutboxEntry[];
  now: number;
  resolve: (results: EnqueueResult[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Ingest writes with group commit: every enqueue that arrives within GROUP_WINDOW_MS of the first
 * shares one transaction, and so one fsync (synchronous=FULL costs ~2 ms per commit here, and
 * better-sqlite3 blocks the event loop meanwhile). Each request's items and dedupe keys still
 * commit atomically, before its promise resolves.
 */
const GROUP_WINDOW_MS = 1;
export function createSqliteEnqueue(db: Database): (entries: OutboxEntry[], now: Date) => Promise<EnqueueResult[]> {
  const insertKey = db.prepare('INSERT INTO outbox_dedupe_keys (key, created_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING');
  const newestPending = db.prepare<[string, string], { id: number; payload_json: string }>(
    `SELECT id, payload_json FROM outbox_items
     WHERE kind = ? AND merge_key = ? AND state = 'pending' ORDER BY id DESC LIMIT 1`,
  );
  const updatePayload = db.prepare('UPDATE outbox_items SET payload_json = ?, size_bytes = ? WHERE id = ?');
  const insertItem = db.prepare(
    `INSERT INTO outbox_items (kind, state, payload_json, size_bytes, merge_key, available_at, created_at)
     VALUES (?, 'pending', ?, ?, ?, ?, ?)`,
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
    insertItem.run(item.kind, json, Buffer.byteLength(json), item.mergeKey ?? null, now, now);
  };

  const storeEntries = (entries: OutboxEntry[], now: number): EnqueueResult[] =>
    entries.map((entry) => {
      if (entry.dedupeKey !== undefined && insertKey.run(entry.dedupeKey, now).changes === 0) return 'duplicate';
      for (const item of entry.items) storeItem(item, now);
      return 'accepted';
    });

  const commitGroup = db.transaction((group: Waiting[]) => group.map((w) => storeEntries(w.entries, w.now)));

  let queue: Waiting[] = [];
  const flush = () => {
    const group = queue;
    queue = [];
    try {
      const results = commitGroup(group);
      group.forEach((w, i) => w.resolve(results[i] ?? []));
    } catch {
      // One bad write must not fail its neighbours: retry each request in its own transaction.
      for (const w of group) {
        try {
          w.resolve(db.transaction(() => storeEntries(w.entries, w.now))());
        } catch (own) {
          w.reject(own);
        }
      }
    }
  };

  return (entries, now) =>
    new Promise<EnqueueResult[]>((resolve, reject) => {
      if (queue.length === 0) setTimeout(flush, GROUP_WINDOW_MS);
      queue.push({ entries, now: now.getTime(), resolve, reject });
    });
}
