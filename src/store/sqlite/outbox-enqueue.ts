import type { Database } from 'better-sqlite3';
import { mergePayloads } from '../merge-payload.js';
import type { EnqueueResult, NewOutboxItem, OutboxEntry } from '../outbox.js';
import type { WalBarrier } from './wal-barrier.js';

interface Waiting {
  entries: OutboxEntry[];
  now: number;
  resolve: (results: EnqueueResult[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Ingest writes with group commit: every enqueue that arrives within GROUP_WINDOW_MS of the first
 * shares one transaction. Each request's items and dedupe keys commit atomically, and its promise
 * (its 202) resolves only once the WAL barrier has fsynced that commit, off the event loop.
 */
const GROUP_WINDOW_MS = 1;
export function createSqliteEnqueue(db: Database, barrier: WalBarrier): (entries: OutboxEntry[], now: Date) => Promise<EnqueueResult[]> {
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
    const committed: Array<{ waiting: Waiting; results: EnqueueResult[] }> = [];
    try {
      const results = commitGroup(group);
      group.forEach((waiting, i) => committed.push({ waiting, results: results[i] ?? [] }));
    } catch {
      // One bad write must not fail its neighbours: retry each request in its own transaction.
      for (const waiting of group) {
        try {
          committed.push({ waiting, results: db.transaction(() => storeEntries(waiting.entries, waiting.now))() });
        } catch (own) {
          waiting.reject(own);
        }
      }
    }
    if (committed.length === 0) return;
    barrier.sync().then(
      () => committed.forEach(({ waiting, results }) => waiting.resolve(results)),
      (error: unknown) => committed.forEach(({ waiting }) => waiting.reject(error)),
    );
  };

  return (entries, now) =>
    new Promise<EnqueueResult[]>((resolve, reject) => {
      if (queue.length === 0) setTimeout(flush, GROUP_WINDOW_MS);
      queue.push({ entries, now: now.getTime(), resolve, reject });
    });
}
