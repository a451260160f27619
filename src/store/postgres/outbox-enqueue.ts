import { OutboxFullError } from '../../lib/errors.js';
import { mergePayloads } from '../merge-payload.js';
import type { EnqueueResult, OutboxEntry, OutboxKind } from '../outbox.js';
import type { PgDatabase, PgExecutor } from './database.js';
import { createPgGroupCommit } from './group-commit.js';

interface Request {
  entries: OutboxEntry[];
  now: number;
}
type Outcome = { results: EnqueueResult[] } | { refused: OutboxKind; waiting: number };

interface NewRow {
  ord: number;
  kind: OutboxKind;
  payload: Record<string, unknown>;
  merge_key: string | null;
  created_at: number;
  wait_kind: string | null;
  wait_key: string | null;
}
interface MergeTarget {
  /** An existing pending row, or a row of this group still to insert. */
  id?: number;
  row?: NewRow;
  payload: Record<string, unknown>;
}

const mergeId = (kind: string, key: string) => `${kind}\u0000${key}`;

/**
 * One group commit (group-commit.ts) of ingest requests, in one transaction of a few statements
 * whatever its size: lock the counters of the kinds it touches, read which dedupe keys and merge
 * targets exist, decide every request in JS in arrival order, then write all dedupe keys, all new
 * items, all merged payloads and the counters, one multi-row statement each.
 *
 * The per-kind pending cap is exact across replicas: `outbox_counters.waiting` is kept in the same
 * transactions that add or remove waiting items, and an enqueue holds the row lock of each kind it
 * adds to (SELECT … FOR UPDATE, in kind order: no deadlock between groups) until it commits. A request
 * is checked against the committed count plus what the requests before it in the group added, and a
 * refused request writes nothing, dedupe keys included. The same locks serialise the enqueues of a
 * kind, so two replicas never both insert a pending update for one merge key, and a dedupe key read
 * as unknown stays unknown until this transaction has written it (an entry with no items locks
 * nothing: if its key turns out taken at the insert, the transaction runs again).
 */
async function enqueueGroup(tx: PgExecutor, requests: Request[], cap: number): Promise<Outcome[]> {
  const kinds = [...new Set(requests.flatMap((r) => r.entries.flatMap((e) => e.items.map((i) => i.kind))))].sort();
  const waiting = new Map<string, number>();
  if (kinds.length > 0) {
    const { rows } = await tx.query<{ kind: string; waiting: number }>(
      'SELECT kind, waiting FROM outbox_counters WHERE kind IN (SELECT value FROM json_array_elements_text($1::json)) ORDER BY kind FOR UPDATE',
      [JSON.stringify(kinds)],
    );
    for (const row of rows) waiting.set(row.kind, row.waiting);
  }
  const keys = [...new Set(requests.flatMap((r) => r.entries.flatMap((e) => (e.dedupeKey === undefined ? [] : [e.dedupeKey]))))];
  const known = new Set<string>();
  if (keys.length > 0) {
    const { rows } = await tx.query<{ key: string }>('SELECT key FROM outbox_dedupe_keys WHERE key IN (SELECT value FROM json_array_elements_text($1::json))', [JSON.stringify(keys)]);
    for (const row of rows) known.add(row.key);
  }
  const mergeKeys = new Map<string, { kind: string; key: string }>();
  for (const r of requests) for (const e of r.entries) for (const i of e.items) if (i.mergeKey !== undefined) mergeKeys.set(mergeId(i.kind, i.mergeKey), { kind: i.kind, key: i.mergeKey });
  const targets = new Map<string, MergeTarget>();
  if (mergeKeys.size > 0) {
    // The newest pending item of each (kind, merge key), locked: a claim that has it locked first
    // takes it, and then this group inserts a new pending item instead.
    const { rows } = await tx.query<{ id: number; kind: string; merge_key: string; payload_json: string }>(
      `SELECT id, kind, merge_key, payload_json FROM outbox_items WHERE id IN (
         SELECT DISTINCT ON (o.kind, o.merge_key) o.id FROM outbox_items o
         JOIN json_to_recordset($1::json) AS t(kind text, key text) ON o.kind = t.kind AND o.merge_key = t.key
         WHERE o.state = 'pending' ORDER BY o.kind, o.merge_key, o.id DESC)
       AND state = 'pending' FOR UPDATE`,
      [JSON.stringify([...mergeKeys.values()])],
    );
    for (const row of rows) targets.set(mergeId(row.kind, row.merge_key), { id: row.id, payload: JSON.parse(row.payload_json) as Record<string, unknown> });
  }

  const newKeys: Array<{ key: string; created_at: number }> = [];
  const newRows: NewRow[] = [];
  const merged = new Set<MergeTarget>();
  const added = new Map<string, number>();
  const count = (kind: string) => (waiting.get(kind) ?? 0) + (added.get(kind) ?? 0);

  const outcomes = requests.map(({ entries, now }): Outcome => {
    // Returned, not thrown: a throw would roll back the whole group and retry every write alone.
    for (const entry of entries) for (const item of entry.items) if (count(item.kind) >= cap) return { refused: item.kind, waiting: count(item.kind) };
    return {
      results: entries.map((entry) => {
        if (entry.dedupeKey !== undefined) {
          if (known.has(entry.dedupeKey)) return 'duplicate';
          known.add(entry.dedupeKey);
          newKeys.push({ key: entry.dedupeKey, created_at: now });
        }
        for (const item of entry.items) {
          const id = item.mergeKey === undefined ? undefined : mergeId(item.kind, item.mergeKey);
          const target = id === undefined ? undefined : targets.get(id);
          if (target) {
            target.payload = mergePayloads(target.payload, item.payload);
            if (target.row) target.row.payload = target.payload;
            else merged.add(target);
            continue;
          }
          const row: NewRow = {
            ord: newRows.length,
            kind: item.kind,
            payload: item.payload,
            merge_key: item.mergeKey ?? null,
            created_at: now,
            wait_kind: item.waitFor?.kind ?? null,
            wait_key: item.waitFor?.mergeKey ?? null,
          };
          newRows.push(row);
          if (id !== undefined) targets.set(id, { row, payload: item.payload });
          added.set(item.kind, (added.get(item.kind) ?? 0) + 1);
        }
        return 'accepted';
      }),
    };
  });

  if (newKeys.length > 0) {
    const { rowCount } = await tx.query(
      `INSERT INTO outbox_dedupe_keys (key, created_at) SELECT t.key, t.created_at FROM json_to_recordset($1::json) AS t(key text, created_at bigint)
       ON CONFLICT (key) DO NOTHING`,
      [JSON.stringify(newKeys)],
    );
    // A key read as unknown was committed meanwhile by another replica (possible only for an entry
    // with no items, whose kinds hold no lock): decide the group again on what is committed now.
    if (rowCount !== newKeys.length) throw Object.assign(new Error('a dedupe key was stored concurrently'), { code: '40001' });
  }
  if (newRows.length > 0) {
    const rows = newRows.map((row) => {
      const json = JSON.stringify(row.payload);
      return { ...row, payload: undefined, payload_json: json, size_bytes: Buffer.byteLength(json) };
    });
    await tx.query(
      `INSERT INTO outbox_items (kind, state, payload_json, size_bytes, merge_key, available_at, created_at, wait_kind, wait_key)
       SELECT t.kind, 'pending', t.payload_json, t.size_bytes, t.merge_key, t.created_at, t.created_at, t.wait_kind, t.wait_key
       FROM json_to_recordset($1::json)
         AS t(ord integer, kind text, payload_json text, size_bytes integer, merge_key text, created_at bigint, wait_kind text, wait_key text)
       ORDER BY t.ord`,
      [JSON.stringify(rows)],
    );
  }
  if (merged.size > 0) {
    const rows = [...merged].map((target) => {
      const json = JSON.stringify(target.payload);
      return { id: target.id, payload_json: json, size_bytes: Buffer.byteLength(json) };
    });
    await tx.query(
      `UPDATE outbox_items o SET payload_json = t.payload_json, size_bytes = t.size_bytes
       FROM json_to_recordset($1::json) AS t(id bigint, payload_json text, size_bytes integer) WHERE o.id = t.id`,
      [JSON.stringify(rows)],
    );
  }
  if (added.size > 0) {
    await tx.query(
      `UPDATE outbox_counters c SET waiting = c.waiting + t.n FROM json_to_recordset($1::json) AS t(kind text, n bigint) WHERE c.kind = t.kind`,
      [JSON.stringify([...added].map(([kind, n]) => ({ kind, n })))],
    );
  }
  return outcomes;
}

export function createPgEnqueue(db: PgDatabase, cap: number): (entries: OutboxEntry[], now: Date) => Promise<EnqueueResult[]> {
  const enqueue = createPgGroupCommit<Request, Outcome>(db, (tx, requests) => enqueueGroup(tx, requests, cap));
  return async (entries, now) => {
    const outcome = await enqueue({ entries, now: now.getTime() });
    if ('refused' in outcome) throw new OutboxFullError(outcome.refused, outcome.waiting, cap);
    return outcome.results;
  };
}
