import type { Migration } from './index.js';

/**
 * The outbox (docs/ingest.md). Delivered items are deleted and counted in outbox_counters, so the table
 * holds only work (pending, in flight) and dead letters; dedupe keys outlive their items, so a
 * re-sent event or order is recognised long after it was delivered.
 */
const migration: Migration = {
  version: 2,
  name: 'outbox: items, dedupe keys, delivery counters',
  up(db) {
    db.exec(`
      CREATE TABLE outbox_items (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        kind             TEXT NOT NULL,
        state            TEXT NOT NULL CHECK (state IN ('pending', 'in_flight', 'dead')),
        payload_json     TEXT NOT NULL,
        size_bytes       INTEGER NOT NULL,
        merge_key        TEXT,
        attempts         INTEGER NOT NULL DEFAULT 0,
        available_at     INTEGER NOT NULL, -- epoch ms: a pending item is claimable from then on
        lease_id         TEXT,
        lease_expires_at INTEGER,          -- epoch ms
        created_at       INTEGER NOT NULL, -- epoch ms
        dead_at          INTEGER,          -- epoch ms
        error_json       TEXT
      );
      CREATE INDEX outbox_items_queue ON outbox_items (kind, state, id);
      CREATE INDEX outbox_items_due ON outbox_items (kind, state, available_at);
      CREATE INDEX outbox_items_merge ON outbox_items (kind, merge_key, state) WHERE merge_key IS NOT NULL;
      CREATE INDEX outbox_items_lease ON outbox_items (lease_id) WHERE lease_id IS NOT NULL;

      CREATE TABLE outbox_dedupe_keys (
        key        TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL -- epoch ms
      ) WITHOUT ROWID;

      CREATE TABLE outbox_counters (
        kind             TEXT PRIMARY KEY,
        delivered        INTEGER NOT NULL DEFAULT 0,
        last_delivery_at INTEGER -- epoch ms
      );
    `);
  },
};

export default migration;
