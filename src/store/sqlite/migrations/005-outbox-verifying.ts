import type { Migration } from './index.js';

/**
 * Items of an accepted bulk job wait in `verifying` (with the job's id) until the job has ended and
 * its import errors are read, so they are counted delivered only once Klaviyo says so, and a restart
 * resumes the polls. `wait_kind`/`wait_key` order one person's lanes: a consent item is not claimed
 * while that person's profile item is still unfinished. SQLite cannot alter a CHECK constraint, so
 * the table is rebuilt; the AUTOINCREMENT sequence is carried over so no id is ever reused.
 */
const migration: Migration = {
  version: 5,
  name: 'outbox: verifying state (bulk jobs), per-person ordering across kinds',
  up(db) {
    db.exec(`
      CREATE TABLE outbox_items_next (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        kind             TEXT NOT NULL,
        state            TEXT NOT NULL CHECK (state IN ('pending', 'in_flight', 'verifying', 'dead')),
        payload_json     TEXT NOT NULL,
        size_bytes       INTEGER NOT NULL,
        merge_key        TEXT,
        attempts         INTEGER NOT NULL DEFAULT 0,
        available_at     INTEGER NOT NULL, -- epoch ms: a pending item is claimable from then on
        lease_id         TEXT,
        lease_expires_at INTEGER,          -- epoch ms
        created_at       INTEGER NOT NULL, -- epoch ms
        dead_at          INTEGER,          -- epoch ms
        error_json       TEXT,
        job_id           TEXT,             -- the Klaviyo bulk job a verifying item waits on
        wait_kind        TEXT,             -- with wait_key: not claimable while such an item is unfinished
        wait_key         TEXT
      );
      INSERT INTO outbox_items_next (id, kind, state, payload_json, size_bytes, merge_key, attempts, available_at,
                                     lease_id, lease_expires_at, created_at, dead_at, error_json)
        SELECT id, kind, state, payload_json, size_bytes, merge_key, attempts, available_at,
               lease_id, lease_expires_at, created_at, dead_at, error_json FROM outbox_items;
      -- sqlite_sequence has no key on name: replace the row the copy made, never add a second one.
      DELETE FROM sqlite_sequence WHERE name = 'outbox_items_next';
      INSERT INTO sqlite_sequence (name, seq) SELECT 'outbox_items_next', seq FROM sqlite_sequence WHERE name = 'outbox_items';
      DROP TABLE outbox_items;
      ALTER TABLE outbox_items_next RENAME TO outbox_items;
      CREATE INDEX outbox_items_queue ON outbox_items (kind, state, id);
      CREATE INDEX outbox_items_due ON outbox_items (kind, state, available_at);
      CREATE INDEX outbox_items_merge ON outbox_items (kind, merge_key, state) WHERE merge_key IS NOT NULL;
      CREATE INDEX outbox_items_lease ON outbox_items (lease_id) WHERE lease_id IS NOT NULL;
      CREATE INDEX outbox_items_job ON outbox_items (job_id) WHERE job_id IS NOT NULL;
    `);
  },
};

export default migration;
