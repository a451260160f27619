import type { Database } from 'better-sqlite3';
import type { InboxPruneRequest, InboxPruneResult } from '../webhook-inbox.js';

/**
 * Rows per prune transaction: like the outbox's chunks (outbox.ts), short transactions with the event
 * loop free between them, so a request arriving during a large prune waits for one chunk only.
 */
const CHUNK_ROWS = 500;

interface Cursor {
  at: number;
  seq: number;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The inbox's retention (InboxPruneRequest): events first, then the dedupe keys no event needs any more. */
export function createInboxPrune(db: Database): (request: InboxPruneRequest) => Promise<InboxPruneResult> {
  // Oldest first from a cursor over the received_at index (its rows end in seq), so events kept
  // (undispatched, or with a forward pending or dead) are passed over once per prune, not once per chunk.
  const prunable = db.prepare<[{ before: number; at: number; seq: number; limit: number }], { seq: number; received_at: number }>(
    `SELECT seq, received_at FROM webhook_events e INDEXED BY webhook_events_received_at
     WHERE received_at < @before AND (received_at, seq) > (@at, @seq)
       AND dispatched_at IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM webhook_forwards f WHERE f.event_seq = e.seq AND f.state <> 'delivered')
     ORDER BY received_at, seq LIMIT @limit`,
  );
  const deleteForwards = db.prepare('DELETE FROM webhook_forwards WHERE event_seq IN (SELECT value FROM json_each(?))');
  const deleteEvents = db.prepare('DELETE FROM webhook_events WHERE seq IN (SELECT value FROM json_each(?))');
  const deleteKeys = db.prepare<[number, number]>(
    `DELETE FROM webhook_dedupe_keys WHERE external_id IN (
       SELECT k.external_id FROM webhook_dedupe_keys k
       WHERE k.received_at < ? AND NOT EXISTS (SELECT 1 FROM webhook_events e WHERE e.external_id = k.external_id)
       LIMIT ?)`,
  );

  type Chunk = { events: number; forwards: number; next: Cursor | undefined };
  const pruneEvents: (before: number, cursor: Cursor) => Chunk = db.transaction((before: number, cursor: Cursor): Chunk => {
    const rows = prunable.all({ before, at: cursor.at, seq: cursor.seq, limit: CHUNK_ROWS });
    const last = rows[rows.length - 1];
    if (last === undefined) return { events: 0, forwards: 0, next: undefined };
    const seqs = JSON.stringify(rows.map((row) => row.seq));
    const forwards = deleteForwards.run(seqs).changes; // first: a forward references its event
    const events = deleteEvents.run(seqs).changes;
    return { events, forwards, next: rows.length < CHUNK_ROWS ? undefined : { at: last.received_at, seq: last.seq } };
  });

  return async ({ receivedBefore, keysBefore }) => {
    const before = receivedBefore.getTime();
    const keysCutoff = Math.min(keysBefore.getTime(), before);
    const result: InboxPruneResult = { events: 0, forwards: 0, keys: 0 };
    let cursor: Cursor | undefined = { at: Number.MIN_SAFE_INTEGER, seq: 0 };
    while (cursor !== undefined) {
      const chunk = pruneEvents(before, cursor);
      result.events += chunk.events;
      result.forwards += chunk.forwards;
      cursor = chunk.next;
      await yieldToEventLoop();
    }
    for (;;) {
      const keys = deleteKeys.run(keysCutoff, CHUNK_ROWS).changes;
      result.keys += keys;
      if (keys < CHUNK_ROWS) break;
      await yieldToEventLoop();
    }
    return result;
  };
}
