import type { Database } from 'better-sqlite3';
import { OUTBOX_KINDS, type OutboxKind, type OutboxKindStats, type OutboxStore } from '../outbox.js';
import type { OutboxBacklog } from './outbox-backlog.js';
import { toDeadLetter, type DeadLetterRow } from '../sql-rows.js';

type OutboxAdmin = Pick<OutboxStore, 'readySummary' | 'stats' | 'listDeadLetters' | 'replayDeadLetters'>;

/** The read side and the replay of the outbox: what /v1/sync, /metrics and the worker's pacing ask. */
export function createSqliteOutboxAdmin(db: Database, backlog: OutboxBacklog): OutboxAdmin {
  const readyCount = db.prepare<[{ kind: string; now: number; cap: number }], { n: number }>(
    `SELECT COUNT(*) AS n FROM (SELECT 1 FROM outbox_items
       WHERE kind = @kind AND ((state = 'pending' AND available_at <= @now) OR (state = 'in_flight' AND lease_expires_at <= @now)) LIMIT @cap)`,
  );
  const oldestReady = db.prepare<[string, number], { created_at: number }>(
    `SELECT created_at FROM outbox_items INDEXED BY outbox_items_queue WHERE kind = ? AND state = 'pending' AND available_at <= ? ORDER BY id LIMIT 1`,
  );
  const newestReady = db.prepare<[string, number], { created_at: number }>(
    `SELECT created_at FROM outbox_items INDEXED BY outbox_items_queue WHERE kind = ? AND state = 'pending' AND available_at <= ? ORDER BY id DESC LIMIT 1`,
  );
  const nextDue = db.prepare<[string, number], { at: number | null }>(
    `SELECT MIN(available_at) AS at FROM outbox_items WHERE kind = ? AND state = 'pending' AND available_at > ?`,
  );
  const counts = db.prepare<[], { kind: string; state: string; n: number }>(
    'SELECT kind, state, COUNT(*) AS n FROM outbox_items GROUP BY kind, state',
  );
  const oldestPending = db.prepare<[string], { created_at: number }>(
    `SELECT created_at FROM outbox_items INDEXED BY outbox_items_queue WHERE kind = ? AND state = 'pending' ORDER BY id LIMIT 1`,
  );
  const counters = db.prepare<[], { kind: string; delivered: number; last_delivery_at: number | null }>(
    'SELECT kind, delivered, last_delivery_at FROM outbox_counters',
  );
  const dead = db.prepare<[{ kind: string | null; after: number; limit: number }], DeadLetterRow>(
    `SELECT id, kind, payload_json, error_json, attempts, created_at, dead_at FROM outbox_items
     WHERE state = 'dead' AND (@kind IS NULL OR kind = @kind) AND id > @after ORDER BY id LIMIT @limit`,
  );
  const replayOne = db.prepare(
    `UPDATE outbox_items SET state = 'pending', attempts = 0, available_at = @now, dead_at = NULL
     WHERE id = @id AND state = 'dead' AND (@kind IS NULL OR kind = @kind)`,
  );
  const replayKind = db.prepare(
    `UPDATE outbox_items SET state = 'pending', attempts = 0, available_at = @now, dead_at = NULL
     WHERE state = 'dead' AND (@kind IS NULL OR kind = @kind)`,
  );
  const replayTx = db.transaction((ids: string[] | undefined, kind: OutboxKind | undefined, now: number) => {
    if (!ids) return replayKind.run({ now, kind: kind ?? null }).changes;
    let changed = 0;
    for (const id of ids) if (/^\d+$/.test(id)) changed += replayOne.run({ now, id: Number(id), kind: kind ?? null }).changes;
    return changed;
  });

  return {
    async readySummary(kind, now, cap) {
      const at = now.getTime();
      const oldest = oldestReady.get(kind, at);
      const newest = newestReady.get(kind, at);
      const next = nextDue.get(kind, at)?.at ?? null;
      return {
        ready: readyCount.get({ kind, now: at, cap })?.n ?? 0,
        oldestReadyAt: oldest ? new Date(oldest.created_at) : undefined,
        newestReadyAt: newest ? new Date(newest.created_at) : undefined,
        nextAvailableAt: next === null ? undefined : new Date(next),
      };
    },
    async stats(now) {
      const kinds = Object.fromEntries(
        OUTBOX_KINDS.map((k): [OutboxKind, OutboxKindStats] => [k, { pending: 0, in_flight: 0, verifying: 0, delivered: 0, dead: 0, oldest_pending_age_s: null }]),
      ) as Record<OutboxKind, OutboxKindStats>;
      for (const row of counts.all()) {
        const entry = kinds[row.kind as OutboxKind];
        if (entry && (row.state === 'pending' || row.state === 'in_flight' || row.state === 'verifying' || row.state === 'dead')) entry[row.state] = row.n;
      }
      let last: number | undefined;
      for (const row of counters.all()) {
        const entry = kinds[row.kind as OutboxKind];
        if (entry) entry.delivered = row.delivered;
        if (row.last_delivery_at !== null && (last === undefined || row.last_delivery_at > last)) last = row.last_delivery_at;
      }
      for (const kind of OUTBOX_KINDS) {
        const oldest = oldestPending.get(kind);
        if (oldest) kinds[kind].oldest_pending_age_s = Math.max(0, (now.getTime() - oldest.created_at) / 1000);
      }
      return { kinds, lastDeliveryAt: last === undefined ? undefined : new Date(last) };
    },
    async listDeadLetters({ kind, limit, cursor }) {
      const after = cursor !== undefined && /^\d+$/.test(cursor) ? Number(cursor) : 0;
      const rows = dead.all({ kind: kind ?? null, after, limit: limit + 1 });
      const page = rows.slice(0, limit).map(toDeadLetter);
      return { items: page, nextCursor: rows.length > limit ? page[page.length - 1]?.id : undefined };
    },
    async replayDeadLetters({ ids, kind }, now) {
      const replayed = replayTx(ids, kind, now.getTime());
      // A replay may span kinds and is rare (an operator's): one indexed recount beats per-row bookkeeping.
      if (replayed > 0) backlog.recount();
      return replayed;
    },
  };
}

