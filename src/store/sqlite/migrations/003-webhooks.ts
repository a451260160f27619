import type { Migration } from './index.js';

/** The webhook inbox and the forward deliveries (docs/webhooks.md). Times are epoch milliseconds. */
const migration: Migration = {
  version: 3,
  name: 'webhooks: inbox events and forward deliveries',
  up(db) {
    db.exec(`
      CREATE TABLE webhook_events (
        seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
        external_id         TEXT NOT NULL UNIQUE,
        topic               TEXT NOT NULL,
        payload_json        TEXT NOT NULL,
        klaviyo_account_id  TEXT,
        klaviyo_webhook_id  TEXT NOT NULL,
        received_at         INTEGER NOT NULL,
        dispatched_at       INTEGER
      );
      CREATE INDEX webhook_events_undispatched ON webhook_events (seq) WHERE dispatched_at IS NULL;
      CREATE INDEX webhook_events_topic ON webhook_events (topic, seq);
      CREATE INDEX webhook_events_received_at ON webhook_events (received_at);

      CREATE TABLE webhook_forwards (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        event_seq        INTEGER NOT NULL REFERENCES webhook_events (seq),
        target_url       TEXT NOT NULL,
        state            TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
        attempts         INTEGER NOT NULL DEFAULT 0,
        next_attempt_at  INTEGER NOT NULL, -- also the lease end while a claim is in flight
        last_status      INTEGER,
        last_error       TEXT,
        created_at       INTEGER NOT NULL,
        updated_at       INTEGER NOT NULL,
        delivered_at     INTEGER,
        UNIQUE (event_seq, target_url)
      );
      CREATE INDEX webhook_forwards_due ON webhook_forwards (next_attempt_at) WHERE state = 'pending';
      CREATE INDEX webhook_forwards_dead ON webhook_forwards (id) WHERE state = 'dead';
    `);
  },
};

export default migration;
