import type { Database } from 'better-sqlite3';
import { OutboxFullError } from '../../lib/errors.js';
import { mergePayloads } from '../merge-payload.js';
import type { EnqueueResult, NewOutboxItem, OutboxEntry, OutboxKind } from '../outbox.js';
import { createGroupCommit } from './group-commit.js';
import type { OutboxBacklog } from './outbox-backlog.js';

/**
 * Ingest writes with group commit (group-commit.ts): concurrent requests share one transaction and
 * one fsync. Each request's items and dedupe keys still commit atomically, before its promise
 * resolves.
 *
 * Backpressure: a request with an item of a kind whose backlog is at its cap (outbox-backlog.ts) is
 * refused with OutboxFullError before anything of it is written, dedupe keys included, so the same
 * request is accepted once there is room. The check runs inside the shared transaction, against the
 * committed count plus what the requests before it in the transaction added: the cap holds exactly.
 */
export function createSqliteEnqueue(db: Database, backlog: OutboxBacklog): (entries: OutboxEntry[], now: Date) => Promise<EnqueueResult[]> {
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
    backlog.add(item.kind, 1);
    insertItem.run(item.kind, json, Buffer.byteLength(json), item.mergeKey ?? null, now, now, item.waitFor?.kind ?? null, item.waitFor?.mergeKey ?? null);
  };

  const storeEntries = (entries: OutboxEntry[], now: number): EnqueueResult[] =>
    entries.map((entry) => {
      if (entry.dedupeKey !== undefined && insertKey.run(entry.dedupeKey, now).changes === 0) return 'duplicate';
      for (const item of entry.items) storeItem(item, now);
      return 'accepted';
    });

  const fullKind = (entries: OutboxEntry[]): OutboxKind | undefined => {
    for (const entry of entries) for (const item of entry.items) if (backlog.waiting(item.kind) >= backlog.cap) return item.kind;
    return undefined;
  };

  const enqueue = createGroupCommit(
    db,
    ({ entries, now }: { entries: OutboxEntry[]; now: number }): { results: EnqueueResult[] } | { refused: OutboxKind; waiting: number } => {
      // Returned, not thrown: a throw would roll back the whole group and retry every write alone.
      const refused = fullKind(entries);
      return refused === undefined ? { results: storeEntries(entries, now) } : { refused, waiting: backlog.waiting(refused) };
    },
    { begin: backlog.begin, committed: backlog.commit },
  );
  return async (entries, now) => {
    const outcome = await enqueue({ entries, now: now.getTime() });
    if ('refused' in outcome) throw new OutboxFullError(outcome.refused, outcome.waiting, backlog.cap);
    return outcome.results;
  };
}
