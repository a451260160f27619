import { randomBytes } from 'node:crypto';
import type { Migration } from './index.js';

/**
 * Privacy deletions (docs/privacy.md). `identifier` is kept only while a deletion is queued (the
 * CHECK holds it to that): it must outlive a crash until Klaviyo has it. The salt of the audit's
 * hash is random per installation, made once here. An outbox item in flight or verifying when its
 * person was deleted keeps only `purged_by` (the deletion's id) until its batch settles.
 */
const migration: Migration = {
  version: 8,
  name: 'privacy: deletions, the audit hash salt, purged outbox items',
  up(db) {
    db.exec(`
      CREATE TABLE privacy_deletions (
        seq                    INTEGER PRIMARY KEY AUTOINCREMENT,
        id                     TEXT NOT NULL UNIQUE,
        kind                   TEXT NOT NULL CHECK (kind IN ('email', 'phone_number', 'distinct_id')),
        status                 TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
        identifier             TEXT,
        identifier_hash        TEXT NOT NULL,
        requested_at           INTEGER NOT NULL, -- epoch ms
        sent_at                INTEGER,
        finished_at            INTEGER,
        purged_outbox          INTEGER NOT NULL DEFAULT 0,
        purged_webhook_events  INTEGER NOT NULL DEFAULT 0,
        purged_forwards        INTEGER NOT NULL DEFAULT 0,
        attempts               INTEGER NOT NULL DEFAULT 0,
        next_attempt_at        INTEGER NOT NULL, -- epoch ms: a queued deletion is due from then on
        error_json             TEXT,
        CHECK ((status = 'queued') = (identifier IS NOT NULL))
      );
      CREATE INDEX privacy_deletions_queued ON privacy_deletions (next_attempt_at, seq) WHERE status = 'queued';

      CREATE TABLE privacy_salt (
        id   INTEGER PRIMARY KEY CHECK (id = 1),
        salt TEXT NOT NULL
      );

      ALTER TABLE outbox_items ADD COLUMN purged_by TEXT;
      CREATE INDEX outbox_items_purged ON outbox_items (purged_by) WHERE purged_by IS NOT NULL;
    `);
    db.prepare('INSERT INTO privacy_salt (id, salt) VALUES (1, ?)').run(randomBytes(32).toString('hex'));
  },
};

export default migration;
