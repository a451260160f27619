import type { Migration } from './index.js';

/**
 * Webhook retention. Stored events are pruned after WEBHOOK_RETENTION_DAYS, but Klaviyo may still
 * retry one of them later (it never saw our 200), so the inbox dedupes on a table of its own that
 * outlives the events: `webhook_dedupe_keys`, filled from every event stored so far, each key from
 * its event's arrival. `store_probe` is the scratch row the store's health check writes (and deletes)
 * to learn whether writes commit again after a storage failure.
 */
const migration: Migration = {
  version: 6,
  name: 'webhooks: dedupe keys that outlive pruned events; store health probe',
  up(db) {
    db.exec(`
      CREATE TABLE webhook_dedupe_keys (
        external_id TEXT PRIMARY KEY,
        received_at INTEGER NOT NULL -- epoch ms of the first delivery
      ) WITHOUT ROWID;
      CREATE INDEX webhook_dedupe_keys_received_at ON webhook_dedupe_keys (received_at);
      INSERT INTO webhook_dedupe_keys (external_id, received_at) SELECT external_id, received_at FROM webhook_events;

      CREATE TABLE store_probe (
        id     INTEGER PRIMARY KEY,
        filler BLOB NOT NULL
      );
    `);
  },
};

export default migration;
